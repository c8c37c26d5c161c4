import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, type Logger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createRcaCore } from "../src/processor/rca-core.js";
import { DEFAULT_STATE_TABLES } from "../src/states/default-state-tables.js";
import {
  createStateNormaliser,
  parseStateTable,
  type StateNormaliser,
  StateTableError,
} from "../src/states/state-normaliser.js";
import { vitrageCliUnavailable, vitrageJson } from "./helpers/vitrage-cli.js";

/**
 * Lookups the normaliser returned for every raw value of every built-in type when the tables were
 * still YAML files. Each entry is `[raw value as spelt there, operational value, priority]`.
 */
interface RecordedTable {
  category: "RESOURCE" | "ALARM";
  lookups: [string, string, number][];
}
const RECORDED = JSON.parse(
  readFileSync(new URL("./fixtures/states/default-lookups.json", import.meta.url), "utf8"),
) as Record<string, RecordedTable>;

function normaliseOne(
  normaliser: StateNormaliser,
  vitrageType: string,
  category: "RESOURCE" | "ALARM",
  raw: string,
): { aggregated: string | null | undefined; operational: string | null | undefined } {
  const resource = category === "RESOURCE";
  const fields = normaliser.normalise(
    {
      vitrage_type: vitrageType,
      vitrage_category: category,
      [resource ? "state" : "severity"]: raw,
    },
    undefined,
  );
  assert.ok(fields !== undefined);
  return resource
    ? {
        aggregated: fields.vitrage_aggregated_state,
        operational: fields.vitrage_operational_state,
      }
    : {
        aggregated: fields.vitrage_aggregated_severity,
        operational: fields.vitrage_operational_severity,
      };
}

/** Upstream's table layout, as operators write it. */
function yamlTable(category: string, rows: [number, string, ...string[]][]): string {
  const lines = [`category: ${category}`, "values:"];
  for (const [priority, operational, ...names] of rows) {
    lines.push("  - aggregated values:", `      priority: ${priority}`, "      original values:");
    for (const name of names) {
      lines.push(`        - name: ${name}`, `          operational_value: ${operational}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("built-in state tables", () => {
  const normaliser = createStateNormaliser();

  it("hold exactly the recorded types and raw values", () => {
    assert.deepEqual(Object.keys(DEFAULT_STATE_TABLES).sort(), Object.keys(RECORDED).sort());
    for (const [vitrageType, recorded] of Object.entries(RECORDED)) {
      const table = normaliser.tables.get(vitrageType);
      assert.ok(table !== undefined, vitrageType);
      assert.equal(table.category, recorded.category, vitrageType);
      assert.deepEqual(
        [...table.operational.keys()].sort(),
        recorded.lookups.map(([raw]) => raw.toUpperCase()).sort(),
        vitrageType,
      );
    }
  });

  it("list each raw value once per type", () => {
    for (const [vitrageType, table] of Object.entries(DEFAULT_STATE_TABLES)) {
      const names = table.rows.flatMap(([, , ...raw]) => raw);
      assert.equal(new Set(names).size, names.length, vitrageType);
      for (const name of names) {
        assert.equal(name, name.toUpperCase(), `${vitrageType} ${name}`);
      }
    }
  });

  it("map recorded values in any case", () => {
    let checked = 0;
    for (const [vitrageType, { category, lookups }] of Object.entries(RECORDED)) {
      for (const [raw, operational, priority] of lookups) {
        for (const spelling of [raw, raw.toLowerCase(), raw.toUpperCase()]) {
          const label = `${vitrageType} ${spelling}`;
          assert.deepEqual(
            normaliseOne(normaliser, vitrageType, category, spelling),
            { aggregated: raw.toUpperCase(), operational },
            label,
          );
          assert.equal(normaliser.statePriority(vitrageType, spelling), priority, label);
        }
        checked += 1;
      }
    }
    assert.equal(checked, 160);
  });

  it("use the default table for a type without one", () => {
    const fallback = RECORDED.default;
    assert.ok(fallback !== undefined);
    for (const [raw, operational, priority] of fallback.lookups) {
      assert.deepEqual(normaliseOne(normaliser, "no.such.type", "RESOURCE", raw), {
        aggregated: raw.toUpperCase(),
        operational,
      });
      assert.equal(normaliser.statePriority("no.such.type", raw), priority);
      assert.equal(normaliser.statePriority(undefined, raw), priority);
    }
  });

  it("score deduced alarms with the vitrage table", () => {
    const deduced = RECORDED.vitrage;
    assert.ok(deduced !== undefined);
    for (const [raw, , priority] of deduced.lookups) {
      assert.equal(normaliser.deducedSeverityPriority(raw.toLowerCase()), priority, raw);
    }
  });
});

describe("state normalisation", () => {
  const normaliser = createStateNormaliser({ datasourceTypes: ["nova.host", "custom.type"] });

  it("aggregates the worse of two states", () => {
    const stored = { vitrage_type: "nova.instance", vitrage_category: "RESOURCE", state: "ACTIVE" };
    assert.deepEqual(normaliser.normalise({ vitrage_state: "SUBOPTIMAL" }, stored), {
      vitrage_aggregated_state: "SUBOPTIMAL",
      vitrage_operational_state: "SUBOPTIMAL",
    });
    assert.deepEqual(normaliser.normalise({ vitrage_state: null }, stored), {
      vitrage_aggregated_state: "ACTIVE",
      vitrage_operational_state: "OK",
    });
    assert.deepEqual(
      normaliser.normalise({ state: "paused" }, { ...stored, vitrage_state: "ERROR" }),
      {
        vitrage_aggregated_state: "ERROR",
        vitrage_operational_state: "ERROR",
      },
    );
  });

  it("unknown values and types", () => {
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "router", vitrage_category: "RESOURCE", state: "weird" },
        undefined,
      ),
      { vitrage_aggregated_state: "WEIRD", vitrage_operational_state: "N/A" },
    );
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "custom.type", vitrage_category: "RESOURCE", state: "ok" },
        undefined,
      ),
      {
        vitrage_aggregated_state: "undefined datasource",
        vitrage_operational_state: "undefined datasource",
      },
    );
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "nagios", vitrage_category: "ALARM", severity: "down" },
        undefined,
      ),
      { vitrage_aggregated_severity: "DOWN", vitrage_operational_severity: "CRITICAL" },
    );
    assert.equal(normaliser.normalise({ state: "x" }, undefined), undefined);
  });

  it("scores states and severities", () => {
    assert.equal(normaliser.statePriority("nova.instance", "error"), 70);
    assert.equal(normaliser.statePriority("unknown.type", "ERROR"), 30);
    assert.equal(normaliser.statePriority("nova.host", "BAD"), 0);
    assert.equal(normaliser.deducedSeverityPriority("critical"), 50);
    assert.equal(normaliser.deducedSeverityPriority("MAJOR"), 40);
  });

  it("rejects an invalid table", () => {
    assert.throws(() => parseStateTable("category: RESOURCE\nvalues: x\n"), /values/);
    assert.throws(
      () =>
        parseStateTable(
          "category: ALARM\nvalues:\n  - aggregated values:\n      priority: 1\n      original values:\n        - name: A\n          operational_value: ERROR\n",
        ),
      /invalid original value/,
    );
    assert.throws(() => parseStateTable("category: OTHER\nvalues: []\n"), /invalid category/);
  });
});

describe("operator state tables", () => {
  let directory: string;

  before(() => {
    directory = mkdtempSync(join(tmpdir(), "rca-states-"));
    writeFileSync(
      join(directory, "nova.host.yaml"),
      yamlTable("RESOURCE", [
        [30, "ERROR", "ERROR"],
        [25, "SUBOPTIMAL", "maintenance"],
        [10, "OK", "AVAILABLE"],
      ]),
    );
    writeFileSync(join(directory, "neutron.port.yaml"), "category: RESOURCE\nvalues: 7\n");
    writeFileSync(join(directory, "notes.txt"), "not a table\n");
  });

  after(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("replace only their own type", () => {
    const errors: unknown[] = [];
    const logger = {
      warn: () => {},
      error: (details: unknown) => {
        errors.push(details);
      },
    } as unknown as Pick<Logger, "warn" | "error">;
    const normaliser = createStateNormaliser({ directory, logger });

    assert.deepEqual(normaliseOne(normaliser, "nova.host", "RESOURCE", "Maintenance"), {
      aggregated: "MAINTENANCE",
      operational: "SUBOPTIMAL",
    });
    assert.equal(normaliser.statePriority("nova.host", "maintenance"), 25);
    // The whole table is replaced, so a value only the built-in table contained is unknown now.
    assert.deepEqual(normaliseOne(normaliser, "nova.host", "RESOURCE", "DELETED"), {
      aggregated: "DELETED",
      operational: "N/A",
    });
    assert.equal(normaliser.statePriority("nova.host", "DELETED"), 0);

    assert.equal(normaliser.statePriority("nova.instance", "PAUSED"), 60);
    assert.equal(normaliser.statePriority("no.such.type", "ERROR"), 30);
    // The invalid neutron.port file is logged and skipped, so the built-in table stays.
    assert.equal(normaliser.statePriority("neutron.port", "DOWN"), 50);
    assert.equal(errors.length, 1);
    assert.match(JSON.stringify(errors[0]), /neutron\.port\.yaml/);
    assert.equal(normaliser.tables.size, Object.keys(DEFAULT_STATE_TABLES).length);
  });

  it("add a new type", () => {
    const extra = mkdtempSync(join(tmpdir(), "rca-states-"));
    try {
      writeFileSync(
        join(extra, "custom.type.yaml"),
        yamlTable("RESOURCE", [
          [20, "ERROR", "BROKEN"],
          [10, "OK", "FINE"],
        ]),
      );
      const normaliser = createStateNormaliser({
        directory: extra,
        datasourceTypes: ["custom.type"],
      });
      assert.deepEqual(normaliseOne(normaliser, "custom.type", "RESOURCE", "broken"), {
        aggregated: "BROKEN",
        operational: "ERROR",
      });
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });

  it("reject a folder that cannot be read", () => {
    assert.throws(
      () => createStateNormaliser({ directory: join(directory, "missing") }),
      (error: unknown) =>
        error instanceof StateTableError &&
        /failed to read the state tables folder .*missing/.test(error.message),
    );
  });
});

describe("states_directory in the rca configuration", () => {
  let root: string;
  let database: TestDatabase;
  let service: RcaService;
  let endpoint: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "rca-states-service-"));
    const states = join(root, "states");
    const statics = join(root, "static");
    mkdirSync(states);
    mkdirSync(statics);
    writeFileSync(
      join(states, "nova.host.yaml"),
      yamlTable("RESOURCE", [
        [25, "SUBOPTIMAL", "MAINTENANCE"],
        [10, "OK", "AVAILABLE"],
      ]),
    );
    writeFileSync(
      join(statics, "lab.yaml"),
      [
        "metadata: { name: lab }",
        "definitions:",
        "  entities:",
        "    - { static_id: h1, type: nova.host, id: compute-0, name: compute-0, state: maintenance }",
        "    - { static_id: vm1, type: nova.instance, id: vm-1-id, name: vm-1, state: paused }",
        "  relationships:",
        "    - { source: h1, target: vm1, relationship_type: contains }",
        "",
      ].join("\n"),
    );
    database = await createTestDatabase("sqlite");
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": database.url,
        "auth.mode": "noauth",
        "datasources.types": ["static"],
        "datasources.static.directory": statics,
        states_directory: states,
      },
    });
    service = await createRcaService(config, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
      createCore: createRcaCore,
    });
    await service.whenReady();
    endpoint = await service.listen();
  });

  after(async () => {
    await service?.close();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it("applies operator and built-in tables", async () => {
    const response = await service.app.inject({
      method: "POST",
      url: "/v1/resources",
      headers: { "x-user-id": "u-admin", "x-project-id": "p-admin", "x-roles": "admin" },
      payload: { all_tenants: true },
    });
    assert.equal(response.statusCode, 200);
    const byName = new Map<string, Record<string, unknown>>(
      response.json().map((vertex: Record<string, unknown>) => [vertex.name, vertex]),
    );
    assert.equal(byName.get("compute-0")?.vitrage_aggregated_state, "MAINTENANCE");
    assert.equal(byName.get("compute-0")?.vitrage_operational_state, "SUBOPTIMAL");
    assert.equal(byName.get("vm-1")?.vitrage_aggregated_state, "PAUSED");
    assert.equal(byName.get("vm-1")?.vitrage_operational_state, "SUBOPTIMAL");
  });

  it("shows operator states in the vitrage client", { skip: vitrageCliUnavailable() }, async () => {
    const rows = await vitrageJson<Record<string, unknown>[]>(endpoint, [
      "resource",
      "list",
      "--all-tenants",
      "-f",
      "json",
    ]);
    const stateOf = (id: string) => rows.find((row) => row["Data Source ID"] === id)?.State;
    // MAINTENANCE is only in the operator's nova.host table, PAUSED only in the built-in one.
    assert.equal(stateOf("compute-0"), "SUBOPTIMAL");
    assert.equal(stateOf("vm-1-id"), "SUBOPTIMAL");
    assert.equal(stateOf("OpenStack Cluster"), "OK");
  });
});
