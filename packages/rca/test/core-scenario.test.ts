import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EntityEvent } from "../src/processor/processor-types.js";
import {
  alarm,
  alarmsOn,
  type CoreHarness,
  causesInto,
  incoming,
  outgoing,
  resource,
  startCore,
  vertexOf,
} from "./helpers/core-harness.js";

/** switch-1 attached to host-1, which runs instance vm-1 (and vm-2); host-2 runs vm-3. */
const TOPOLOGY: EntityEvent[] = [
  resource("switch", "switch-1", {
    name: "switch-1",
    state: "available",
    relationships: [outgoing("attached", "nova.host", "host-1")],
  }),
  resource("nova.host", "host-1", { name: "host-1", state: "available" }),
  resource("nova.host", "host-2", { name: "host-2", state: "available" }),
  resource("nova.instance", "vm-1", {
    datasource: "nova",
    name: "vm-1",
    state: "ACTIVE",
    relationships: [incoming("contains", "nova.host", "host-1")],
  }),
  resource("nova.instance", "vm-2", {
    datasource: "nova",
    name: "vm-2",
    state: "ACTIVE",
    relationships: [incoming("contains", "nova.host", "host-1")],
  }),
  resource("nova.instance", "vm-3", {
    datasource: "nova",
    name: "vm-3",
    state: "ACTIVE",
    relationships: [incoming("contains", "nova.host", "host-2")],
  }),
];

const SWITCH_ALARM = alarm(
  "nagios",
  "switch-1:link",
  { type: "switch", id: "switch-1" },
  {
    name: "link",
    severity: "CRITICAL",
  },
);

const DEDUCED_NAME = "switch problem on instance";

interface ScenarioState {
  deduced: { instance: string; name: string; severity: string | undefined; causes: number }[];
  states: Record<string, string | undefined>;
}

function scenarioState(harness: CoreHarness): ScenarioState {
  const { core } = harness;
  const deduced: ScenarioState["deduced"] = [];
  const states: ScenarioState["states"] = {};
  for (const id of ["vm-1", "vm-2", "vm-3"]) {
    const instance = vertexOf(core, "nova.instance", id);
    states[id] = instance.vitrage_aggregated_state;
    for (const deducedAlarm of alarmsOn(core, instance.vitrage_id)) {
      deduced.push({
        instance: id,
        name: String(deducedAlarm.name),
        severity: deducedAlarm.severity,
        causes: causesInto(core, deducedAlarm.vitrage_id).length,
      });
    }
  }
  return {
    deduced: deduced.sort((left, right) => left.instance.localeCompare(right.instance)),
    states,
  };
}

const RAISED: ScenarioState = {
  deduced: [
    { instance: "vm-1", name: DEDUCED_NAME, severity: "CRITICAL", causes: 1 },
    { instance: "vm-2", name: DEDUCED_NAME, severity: "CRITICAL", causes: 1 },
  ],
  states: { "vm-1": "ERROR", "vm-2": "ERROR", "vm-3": "ACTIVE" },
};

const CLEARED: ScenarioState = {
  deduced: [],
  states: { "vm-1": "ACTIVE", "vm-2": "ACTIVE", "vm-3": "ACTIVE" },
};

describe("switch down scenario", () => {
  for (const [version, file] of [
    ["v1", "core/switch_down_v1.yaml"],
    ["v2", "core/switch_down_v2.yaml"],
    ["v3", "core/switch_down_v3.yaml"],
  ] as const) {
    it(`${version} template deduces and undoes`, async () => {
      const harness = await startCore({ templates: [file], listing: TOPOLOGY });
      try {
        assert.deepEqual(scenarioState(harness), CLEARED);

        await harness.apply(SWITCH_ALARM);
        assert.deepEqual(scenarioState(harness), RAISED);

        await harness.apply({ ...SWITCH_ALARM, action: "delete" });
        assert.deepEqual(scenarioState(harness), CLEARED);
      } finally {
        await harness.stop();
      }
    });
  }

  it("causal edge links switch alarm", async () => {
    const harness = await startCore({ templates: ["core/switch_down_v3.yaml"], listing: TOPOLOGY });
    try {
      await harness.apply(SWITCH_ALARM);
      const switchAlarm = vertexOf(harness.core, "nagios", "switch-1:link");
      const vm = vertexOf(harness.core, "nova.instance", "vm-1");
      const [deduced] = alarmsOn(harness.core, vm.vitrage_id);
      assert.ok(deduced);
      const edge = harness.core.graph.getEdge(switchAlarm.vitrage_id, deduced.vitrage_id, "causes");
      assert.equal(edge?.vitrage_is_deleted, false);
      assert.equal(deduced.vitrage_resource_id, vm.vitrage_id);
      assert.equal(deduced.vitrage_resource_type, "nova.instance");
      assert.equal(deduced.vitrage_operational_severity, "CRITICAL");
      assert.equal(deduced.state, "Active");
      assert.equal(vm.vitrage_state, "ERROR");
      assert.equal(vm.vitrage_operational_state, "ERROR");

      await harness.apply({ ...SWITCH_ALARM, action: "delete" });
      assert.equal(
        harness.core.graph.getEdge(switchAlarm.vitrage_id, deduced.vitrage_id, "causes")
          ?.vitrage_is_deleted,
        true,
      );
      assert.equal(harness.core.graph.getVertex(deduced.vitrage_id)?.vitrage_is_deleted, true);
      const after = vertexOf(harness.core, "nova.instance", "vm-1");
      assert.equal(after.vitrage_state, undefined);
      assert.equal(after.vitrage_operational_state, "OK");
    } finally {
      await harness.stop();
    }
  });

  it("notifications follow the scenario", async () => {
    const harness = await startCore({ templates: ["core/switch_down_v3.yaml"], listing: TOPOLOGY });
    try {
      harness.notifications.length = 0;
      await harness.apply(SWITCH_ALARM);
      const raisedTypes = harness.notifications.map((notification) => notification.type);
      assert.equal(raisedTypes.filter((type) => type === "vitrage.alarm.activate").length, 3);
      assert.equal(
        raisedTypes.filter((type) => type === "vitrage.deduced_alarm.activate").length,
        2,
      );
      assert.equal(
        raisedTypes.filter((type) => type === "vitrage.causal_relationship.activate").length,
        2,
      );
      const deducedActivation = harness.notifications.find(
        (notification) => notification.type === "vitrage.deduced_alarm.activate",
      );
      assert.equal(
        (deducedActivation?.payload.resource as { vitrage_type?: string })?.vitrage_type,
        "nova.instance",
      );

      harness.notifications.length = 0;
      await harness.apply({ ...SWITCH_ALARM, action: "delete" });
      const clearedTypes = harness.notifications.map((notification) => notification.type);
      assert.equal(clearedTypes.filter((type) => type === "vitrage.alarm.deactivate").length, 3);
      assert.equal(
        clearedTypes.filter((type) => type === "vitrage.deduced_alarm.deactivate").length,
        2,
      );
      assert.equal(
        clearedTypes.filter((type) => type === "vitrage.causal_relationship.deactivate").length,
        2,
      );
    } finally {
      await harness.stop();
    }
  });

  it("alarm before template is found at add", async () => {
    const harness = await startCore({ listing: [...TOPOLOGY, SWITCH_ALARM] });
    try {
      assert.deepEqual(scenarioState(harness), CLEARED);
      await harness.addTemplates(["core/switch_down_v3.yaml"]);
      assert.deepEqual(scenarioState(harness), RAISED);

      const [template] = await harness.core.templates.list();
      assert.equal(template?.status, "ACTIVE");
      await harness.core.templates.delete("switch_down_v3");
      await harness.settle();
      assert.deepEqual(scenarioState(harness), CLEARED);
      assert.deepEqual(await harness.core.templates.list(), []);
    } finally {
      await harness.stop();
    }
  });

  it("alarm in initial listing is evaluated at start", async () => {
    const harness = await startCore({
      templates: ["core/switch_down_v3.yaml"],
      listing: [...TOPOLOGY, SWITCH_ALARM],
    });
    try {
      assert.deepEqual(scenarioState(harness), RAISED);
      assert.equal(harness.core.ready, true);
    } finally {
      await harness.stop();
    }
  });

  it("new instance on the host gets the alarm", async () => {
    const harness = await startCore({ templates: ["core/switch_down_v3.yaml"], listing: TOPOLOGY });
    try {
      await harness.apply(SWITCH_ALARM);
      await harness.apply(
        resource("nova.instance", "vm-4", {
          datasource: "nova",
          state: "ACTIVE",
          relationships: [incoming("contains", "nova.host", "host-1")],
        }),
      );
      const vm4 = vertexOf(harness.core, "nova.instance", "vm-4");
      assert.equal(alarmsOn(harness.core, vm4.vitrage_id).length, 1);
      assert.equal(vm4.vitrage_aggregated_state, "ERROR");

      await harness.apply(
        resource("nova.instance", "vm-4", {
          datasource: "nova",
          state: "ACTIVE",
          relationships: [incoming("contains", "nova.host", "host-2")],
        }),
      );
      const moved = vertexOf(harness.core, "nova.instance", "vm-4");
      assert.equal(alarmsOn(harness.core, moved.vitrage_id).length, 0);
      assert.equal(moved.vitrage_aggregated_state, "ACTIVE");
    } finally {
      await harness.stop();
    }
  });
});

describe("host down scenario", () => {
  const listing: EntityEvent[] = [
    resource("nova.host", "host-1", { name: "host-1", state: "available" }),
    resource("nova.instance", "vm-1", {
      datasource: "nova",
      name: "vm-1",
      state: "ACTIVE",
      relationships: [incoming("contains", "nova.host", "host-1")],
    }),
  ];
  const hostAlarm = alarm(
    "nagios",
    "host-1:down",
    { type: "nova.host", id: "host-1" },
    {
      name: "host down",
      severity: "CRITICAL",
    },
  );

  it("causing alarm, mark down and mistral", async () => {
    const harness = await startCore({ templates: ["core/host_down_v3.yaml"], listing });
    try {
      await harness.apply(hostAlarm);
      const host = vertexOf(harness.core, "nova.host", "host-1");
      const vm = vertexOf(harness.core, "nova.instance", "vm-1");
      assert.equal(host.is_marked_down, true);
      assert.equal(host.vitrage_aggregated_state, "ERROR");
      const [deduced] = alarmsOn(harness.core, vm.vitrage_id);
      assert.equal(deduced?.name, "instance down");
      const cause = vertexOf(harness.core, "nagios", "host-1:down");
      assert.equal(
        harness.core.graph.getEdge(cause.vitrage_id, String(deduced?.vitrage_id), "causes")
          ?.vitrage_is_deleted,
        false,
      );

      const types = harness.notifications.map((notification) => notification.type);
      assert.ok(types.includes("vitrage.mark_down.activate"));
      const mistral = harness.notifications.find(
        (notification) => notification.type === "vitrage.execute_external_action",
      );
      assert.equal(mistral?.payload.workflow, "evacuate");
      assert.deepEqual(mistral?.payload.input, { instance_name: "vm-1" });

      await harness.apply({ ...hostAlarm, action: "delete" });
      const clearedHost = vertexOf(harness.core, "nova.host", "host-1");
      assert.equal(clearedHost.is_marked_down, false);
      assert.equal(clearedHost.vitrage_aggregated_state, "AVAILABLE");
      assert.equal(alarmsOn(harness.core, vm.vitrage_id).length, 0);
      assert.ok(
        harness.notifications.some(
          (notification) => notification.type === "vitrage.mark_down.deactivate",
        ),
      );
    } finally {
      await harness.stop();
    }
  });
});
