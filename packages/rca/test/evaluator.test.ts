import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EntityEvent } from "../src/processor/processor-types.js";
import {
  alarm,
  alarmsOn,
  FIXTURES,
  incoming,
  ListDatasource,
  loadYaml,
  resource,
  startCore,
  vertexOf,
} from "./helpers/core-harness.js";

const HOST: EntityEvent = resource("nova.host", "host-1", { name: "host-1", state: "available" });

function nagios(name: string, severity: string): EntityEvent {
  return alarm("nagios", `host-1:${name}`, { type: "nova.host", id: "host-1" }, { name, severity });
}

function cleared(event: EntityEvent): EntityEvent {
  return { ...event, action: "delete" };
}

describe("overlapping set_state", () => {
  const warning = nagios("cause_suboptimal_state", "WARNING");
  const critical = nagios("cause_error_state", "CRITICAL");

  it("worst state wins and undo falls back", async () => {
    const harness = await startCore({
      templates: ["templates/deduced_state.yaml"],
      listing: [HOST],
    });
    const state = () => vertexOf(harness.core, "nova.host", "host-1").vitrage_state;
    try {
      await harness.apply(warning);
      assert.equal(state(), "SUBOPTIMAL");
      await harness.apply(critical);
      assert.equal(state(), "ERROR");
      await harness.apply(cleared(critical));
      assert.equal(state(), "SUBOPTIMAL");
      await harness.apply(cleared(warning));
      assert.equal(state(), undefined);
      assert.equal(
        vertexOf(harness.core, "nova.host", "host-1").vitrage_aggregated_state,
        "AVAILABLE",
      );
    } finally {
      await harness.stop();
    }
  });

  it("lower state after higher changes nothing", async () => {
    const harness = await startCore({
      templates: ["templates/deduced_state.yaml"],
      listing: [HOST],
    });
    const state = () => vertexOf(harness.core, "nova.host", "host-1").vitrage_state;
    try {
      await harness.apply(critical);
      assert.equal(state(), "ERROR");
      await harness.apply(warning);
      assert.equal(state(), "ERROR");
      await harness.apply(cleared(warning));
      assert.equal(state(), "ERROR");
      await harness.apply(cleared(critical));
      assert.equal(state(), undefined);
      assert.equal(harness.core.tracker.size, 0);
    } finally {
      await harness.stop();
    }
  });
});

describe("overlapping raise_alarm", () => {
  const warning = nagios("cause_warning_deduced_alarm", "WARNING");
  const critical = nagios("cause_critical_deduced_alarm", "CRITICAL");

  it("highest severity wins on one alarm", async () => {
    const harness = await startCore({
      templates: ["templates/deduced_alarm.yaml"],
      listing: [HOST],
    });
    const host = () => vertexOf(harness.core, "nova.host", "host-1");
    const deduced = () => alarmsOn(harness.core, host().vitrage_id);
    try {
      await harness.apply(warning);
      assert.deepEqual(
        deduced().map((vertex) => vertex.severity),
        ["WARNING"],
      );
      const firstId = deduced()[0]?.vitrage_id;

      await harness.apply(critical);
      assert.deepEqual(
        deduced().map((vertex) => vertex.severity),
        ["CRITICAL"],
      );
      assert.equal(deduced()[0]?.vitrage_id, firstId);

      await harness.apply(cleared(critical));
      assert.deepEqual(
        deduced().map((vertex) => vertex.severity),
        ["WARNING"],
      );

      await harness.apply(cleared(warning));
      assert.equal(deduced().length, 0);
      assert.equal(harness.core.tracker.size, 0);
    } finally {
      await harness.stop();
    }
  });

  it("duplicate scenario keeps one alarm", async () => {
    const harness = await startCore({
      templates: ["templates/deduced_alarm.yaml"],
      listing: [HOST],
    });
    const deduced = () =>
      alarmsOn(harness.core, vertexOf(harness.core, "nova.host", "host-1").vitrage_id);
    try {
      await harness.apply(critical);
      assert.equal(deduced().length, 1);
      assert.equal(harness.core.tracker.size, 2);
      await harness.apply(cleared(critical));
      assert.equal(deduced().length, 0);
    } finally {
      await harness.stop();
    }
  });
});

describe("not condition", () => {
  const cpu = nagios("HOST_HIGH_CPU_LOAD", "WARNING");

  it("holds without the alarm edge", async () => {
    const harness = await startCore({
      templates: ["templates/basic_correct_not_condition.yaml"],
      listing: [HOST],
    });
    const state = () => vertexOf(harness.core, "nova.host", "host-1").vitrage_state;
    try {
      assert.equal(state(), "SUBOPTIMAL");
      await harness.apply(cpu);
      assert.equal(state(), undefined);
      await harness.apply(cleared(cpu));
      assert.equal(state(), "SUBOPTIMAL");
    } finally {
      await harness.stop();
    }
  });

  it("alarm at start prevents the action", async () => {
    const harness = await startCore({
      templates: ["templates/basic_correct_not_condition.yaml"],
      listing: [HOST, cpu],
    });
    try {
      assert.equal(vertexOf(harness.core, "nova.host", "host-1").vitrage_state, undefined);
      await harness.apply(resource("nova.host", "host-2", { state: "available" }));
      assert.equal(vertexOf(harness.core, "nova.host", "host-2").vitrage_state, "SUBOPTIMAL");
    } finally {
      await harness.stop();
    }
  });
});

describe("equivalence", () => {
  it("equivalent alarm triggers the scenario", async () => {
    const harness = await startCore({ listing: [HOST] });
    const state = () => vertexOf(harness.core, "nova.host", "host-1").vitrage_state;
    try {
      await harness.addTemplates(["templates/equivalences__basic.yaml"], "equivalence");
      await harness.addTemplates(["templates/general__basic.yaml"], "standard");

      const zabbix = alarm(
        "zabbix",
        "z-1",
        { type: "nova.host", id: "host-1" },
        { name: "host_fail" },
      );
      await harness.apply(zabbix);
      assert.equal(state(), "SUBOPTIMAL");
      await harness.apply(cleared(zabbix));
      assert.equal(state(), undefined);

      const nagiosAlarm = nagios("host_problem", "CRITICAL");
      await harness.apply(nagiosAlarm);
      assert.equal(state(), "SUBOPTIMAL");
    } finally {
      await harness.stop();
    }
  });

  it("duplicate equivalence is an error", async () => {
    const harness = await startCore();
    try {
      await harness.addTemplates(["templates/equivalences__basic.yaml"], "equivalence");
      const copy = structuredClone(
        (await harness.core.templates.show("entity equivalence example")) as Record<
          string,
          unknown
        >,
      );
      (copy.metadata as Record<string, string>).name = "copy";
      await harness.core.templates.add([["copy.yaml", copy]], "equivalence");
      await harness.settle();
      const statuses = Object.fromEntries(
        (await harness.core.templates.list()).map((template) => [template.name, template.status]),
      );
      assert.deepEqual(statuses, { "entity equivalence example": "ACTIVE", copy: "ERROR" });
    } finally {
      await harness.stop();
    }
  });
});

describe("regex", () => {
  it("rawtext pattern selects the alarm", async () => {
    // The template's host entity has `name: host-$1`, which is a literal name: upstream does not
    // substitute regular expression groups into other properties.
    const host = resource("nova.host", "host-1", { name: "host-$1", state: "available" });
    const harness = await startCore({ templates: ["templates/basic_regex.yaml"], listing: [host] });
    const deduced = () =>
      alarmsOn(harness.core, vertexOf(harness.core, "nova.host", "host-1").vitrage_id);
    try {
      await harness.apply(
        alarm(
          "zabbix",
          "z-2",
          { type: "nova.host", id: "host-1" },
          {
            properties: { rawtext: "Interface eth-9 is up" },
          },
        ),
      );
      assert.equal(deduced().length, 0);

      await harness.apply(
        alarm(
          "zabbix",
          "z-1",
          { type: "nova.host", id: "host-1" },
          {
            properties: { rawtext: "Interface virtual-0 down on {HOST.NAME}" },
          },
        ),
      );
      assert.deepEqual(
        deduced().map((vertex) => [vertex.name, vertex.severity]),
        [["nic problem", "critical"]],
      );
      assert.equal(deduced()[0]?.vitrage_operational_severity, "CRITICAL");
    } finally {
      await harness.stop();
    }
  });
});

describe("parameters", () => {
  it("actual values drive the actions", async () => {
    const harness = await startCore({ listing: [HOST] });
    try {
      await harness.addTemplates(["templates/v2_with_params.yaml"], null, {
        template_name: "with params",
        alarm_type: "zabbix",
        alarm_name: "My alarm",
        new_state: "SUBOPTIMAL",
      });
      const [summary] = await harness.core.templates.list();
      assert.equal(summary?.name, "with params");
      const stored = await harness.core.templates.show("with params");
      assert.equal(stored.parameters, undefined);

      await harness.apply(
        alarm("zabbix", "z-1", { type: "nova.host", id: "host-1" }, { name: "My alarm" }),
      );
      assert.equal(vertexOf(harness.core, "nova.host", "host-1").vitrage_state, "SUBOPTIMAL");
    } finally {
      await harness.stop();
    }
  });

  it("missing value stores an error", async () => {
    const harness = await startCore();
    try {
      const template = loadYaml(`${FIXTURES}templates/v2_with_params.yaml`);
      const added = await harness.core.templates.add([["p.yaml", template]], null, null);
      assert.equal(added[0]?.status, "ERROR");
      assert.match(String(added[0]?.["status details"]), /^Failed to resolve parameter/);
    } finally {
      await harness.stop();
    }
  });
});

describe("listing refresh", () => {
  it("vanished entities are marked deleted", async () => {
    const source = new ListDatasource("static", [
      HOST,
      resource("nova.instance", "vm-1", {
        relationships: [incoming("contains", "nova.host", "host-1")],
      }),
    ]);
    const harness = await startCore();
    try {
      await harness.core.stop();
      const core = harness.core;
      await core.start([source]);
      await harness.settle();
      const vm = vertexOf(core, "nova.instance", "vm-1");

      source.sink?.snapshot([HOST]);
      await harness.settle();
      assert.equal(core.graph.getVertex(vm.vitrage_id)?.vitrage_is_deleted, true);
      assert.equal(core.graph.findVertex("nova.instance", "vm-1"), undefined);
      const [edge] = core.graph.edgesOf(vm.vitrage_id);
      assert.equal(edge?.vitrage_is_deleted, true);

      await core.runConsistency();
      assert.equal(core.graph.getVertex(vm.vitrage_id)?.vitrage_is_deleted, true);
    } finally {
      await harness.stop();
    }
  });

  it("consistency removes old deleted vertices", async () => {
    const harness = await startCore({ listing: [HOST], deletedRetentionSeconds: -1 });
    try {
      const host = vertexOf(harness.core, "nova.host", "host-1");
      await harness.apply(cleared(HOST));
      assert.equal(harness.core.graph.getVertex(host.vitrage_id)?.vitrage_is_deleted, true);
      await harness.core.runConsistency();
      assert.equal(harness.core.graph.getVertex(host.vitrage_id), undefined);
    } finally {
      await harness.stop();
    }
  });
});
