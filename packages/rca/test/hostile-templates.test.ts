import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createRcaCore } from "../src/processor/rca-core.js";

const admin: Record<string, string> = {
  "x-user-id": "u-admin",
  "x-user-name": "admin",
  "x-project-id": "p-admin",
  "x-roles": "admin",
};

interface Summary {
  uuid: string;
  name: string;
  status: string;
  "status details": string;
}

/** A version 3 template whose scenario sets hosts with a doctor alarm to ERROR. */
function hostDownTemplate(name: string, scenarios = 1): Record<string, unknown> {
  return {
    metadata: { version: "3", name, type: "standard" },
    entities: {
      alarm: { type: "doctor", name: "compute.host.down" },
      host: { type: "nova.host" },
    },
    scenarios: Array.from({ length: scenarios }, () => ({
      condition: "alarm [on] host",
      actions: [{ set_state: { state: "ERROR", target: "host" } }],
    })),
  };
}

/** Many hosts from the static datasource, so a template runs over a graph of some size. */
function staticHosts(count: number): string {
  const lines = ["metadata:", "  name: hosts", "definitions:", "  entities:"];
  for (let index = 0; index < count; index++) {
    lines.push(
      `    - static_id: h${index}`,
      "      type: nova.host",
      `      id: host-${index}`,
      `      name: host-${index}`,
      "      state: available",
    );
  }
  return `${lines.join("\n")}\n`;
}

for (const dialect of testDialects()) {
  describe(`rca templates under hostile input on ${dialect}`, () => {
    let database: TestDatabase;
    let service: RcaService;
    let folder: string;

    const inject = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, body?: unknown) =>
      service.app.inject({
        method,
        url,
        headers: admin,
        ...(body === undefined ? {} : { payload: body as object }),
      });

    const add = async (templates: unknown[], overwrite = false) => {
      const response = await inject("PUT", "/v1/template", {
        templates: templates.map((content) => ["t.yaml", content]),
        template_type: null,
        params: {},
        overwrite,
      });
      assert.equal(response.statusCode, 200, response.body.slice(0, 200));
      return response.json() as Summary[];
    };

    const list = async () => (await inject("GET", "/v1/template")).json() as Summary[];

    const settle = async () => {
      await service.core.templates.whenSettled();
      await service.whenIdle();
    };

    before(async () => {
      database = await createTestDatabase(dialect);
      folder = mkdtempSync(join(tmpdir(), "rca-templates-"));
      writeFileSync(join(folder, "hosts.yaml"), staticHosts(500));
      const config = loadRcaConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": database.url,
          "auth.mode": "noauth",
          "datasources.types": ["static", "doctor"],
          "datasources.static.directory": folder,
        },
      });
      service = await createRcaService(config, {
        logger: createLogger({ level: "silent" }),
        bus: new MemoryBus(),
        createCore: createRcaCore,
      });
      await service.whenReady();
    });

    after(async () => {
      await service.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    it("concurrent adds of one name store one", async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, () => add([hostDownTemplate("race")])),
      );
      const stored = results.flat().filter((summary) => summary.uuid !== "");
      assert.equal(stored.length, 1);
      const duplicates = results.flat().filter((summary) => summary.uuid === "");
      assert.equal(duplicates.length, 29);
      assert.ok(duplicates.every((entry) => entry["status details"] === "Duplicate template name"));
      await settle();
      const named = (await list()).filter((summary) => summary.name === "race");
      assert.equal(named.length, 1);
      assert.equal(named[0]?.status, "ACTIVE");
      await inject("DELETE", "/v1/template", { uuid: named[0]?.uuid });
      await settle();
    });

    it("concurrent overwrites leave one active", async () => {
      await add([hostDownTemplate("overwritten")]);
      await Promise.all(
        Array.from({ length: 6 }, () => add([hostDownTemplate("overwritten")], true)),
      );
      await settle();
      const named = (await list()).filter((summary) => summary.name === "overwritten");
      assert.equal(named.length, 1);
      assert.equal(named[0]?.status, "ACTIVE");
      await inject("DELETE", "/v1/template", { uuid: named[0]?.uuid });
      await settle();
    });

    it("thousands of scenarios load", async () => {
      const [summary] = await add([hostDownTemplate("many-scenarios", 5000)]);
      assert.equal(summary?.status, "LOADING");
      const status = await inject("GET", "/v1/status");
      assert.equal(status.statusCode, 200);
      await settle();
      const entry = (await list()).find((template) => template.uuid === summary?.uuid);
      assert.equal(entry?.status, "ACTIVE");
      await inject("DELETE", "/v1/template", { uuid: summary?.uuid });
      await settle();
    });

    it("a 10 MB template is validated", async () => {
      const template = hostDownTemplate("big");
      (template.metadata as Record<string, unknown>).description = "d".repeat(10 * 1024 * 1024);
      const response = await inject("POST", "/v1/template", {
        templates: [["big.yaml", template]],
        template_type: null,
      });
      assert.equal(response.statusCode, 200);
      const result = (response.json() as { results: { "status code": number }[] }).results[0];
      assert.equal(result?.["status code"], 0);
    });

    it("self-including templates do not loop", async () => {
      const definition = {
        metadata: { version: "2", name: "loop-definition", type: "definition" },
        includes: [{ name: "loop-definition" }],
        definitions: { entities: [{ entity: { type: "nova.host", template_id: "h" } }] },
      };
      const standard = {
        metadata: { version: "2", name: "loop-standard", type: "standard" },
        includes: [{ name: "loop-standard" }, { name: "loop-definition" }],
        definitions: {
          entities: [{ entity: { category: "ALARM", type: "doctor", template_id: "a" } }],
          relationships: [
            {
              relationship: {
                source: "a",
                target: "h",
                relationship_type: "on",
                template_id: "a_on_h",
              },
            },
          ],
        },
        scenarios: [
          {
            scenario: {
              condition: "a_on_h",
              actions: [
                {
                  action: {
                    action_type: "set_state",
                    properties: { state: "ERROR" },
                    action_target: { target: "h" },
                  },
                },
              ],
            },
          },
        ],
      };
      const summaries = await add([definition, standard]);
      assert.equal(summaries.length, 2);
      await settle();
      const status = await inject("GET", "/v1/status");
      assert.equal(status.statusCode, 200);
      for (const summary of summaries.filter((entry) => entry.uuid !== "")) {
        await inject("DELETE", "/v1/template", { uuid: summary.uuid });
      }
      await settle();
    });

    it("delete while loading ends deleted", async () => {
      const [summary] = await add([hostDownTemplate("short-lived", 200)]);
      assert.equal(summary?.status, "LOADING");
      const deleted = await inject("DELETE", "/v1/template", { uuid: summary?.uuid });
      assert.equal(deleted.statusCode, 200);
      const statuses: string[] = [];
      for (let poll = 0; poll < 50; poll++) {
        const entry = (await list()).find((template) => template.uuid === summary?.uuid);
        statuses.push(entry?.status ?? "gone");
        if (entry === undefined) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await settle();
      assert.equal(
        (await list()).find((template) => template.uuid === summary?.uuid),
        undefined,
      );
      assert.ok(!statuses.includes("ACTIVE"), `statuses seen: ${statuses.join(", ")}`);
      const shown = await inject("GET", `/v1/template/${summary?.uuid}`);
      assert.equal(shown.statusCode, 404);
    });

    it("deeply nested template content is 400", async () => {
      const nested = `${"[".repeat(20_000)}"leaf"${"]".repeat(20_000)}`;
      const template = JSON.stringify(hostDownTemplate("deep")).replace(
        /}$/,
        `,"extra":${nested}}`,
      );
      for (const method of ["POST", "PUT"] as const) {
        const response = await service.app.inject({
          method,
          url: "/v1/template",
          headers: { ...admin, "content-type": "application/json" },
          payload: `{"templates": [["deep.yaml", ${template}]], "template_type": null}`,
        });
        assert.equal(response.statusCode, 400, `${method} status ${response.statusCode}`);
        assert.match(response.json().description, /nested deeper than 100 levels/);
      }
      await settle();
    });
  });
}

describe("template folder with a YAML bomb", () => {
  it("skips the bomb and starts", async () => {
    const folder = mkdtempSync(join(tmpdir(), "rca-bomb-"));
    const levels = ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(",")}]`);
    }
    writeFileSync(join(folder, "bomb.yaml"), `${levels.join("\n")}\nmetadata: {name: bomb}\n`);
    writeFileSync(
      join(folder, "fine.yaml"),
      "metadata:\n  name: fine\n  version: 3\n  type: standard\nentities: {}\nscenarios: []\n",
    );
    const database = await createTestDatabase("sqlite");
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": database.url,
        "auth.mode": "noauth",
        "datasources.types": [],
        templates_directory: folder,
      },
    });
    const service = await createRcaService(config, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
      createCore: createRcaCore,
    });
    try {
      await service.whenReady();
      const listed = await service.app.inject({
        method: "GET",
        url: "/v1/template",
        headers: admin,
      });
      assert.deepEqual(
        (listed.json() as Summary[]).map((summary) => summary.name),
        ["fine"],
      );
    } finally {
      await service.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
