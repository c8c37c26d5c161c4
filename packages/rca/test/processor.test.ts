import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import { createEntityGraph } from "../src/graph/entity-graph.js";
import { QueueEventProcessor } from "../src/processor/event-processor.js";
import { GraphApplier } from "../src/processor/graph-applier.js";
import type { EntityEvent } from "../src/processor/processor-types.js";
import { createStateNormaliser } from "../src/states/state-normaliser.js";
import { alarm, incoming, outgoing, resource } from "./helpers/core-harness.js";

function createProcessor(now: () => Date = () => new Date("2026-12-04T10:00:00Z")) {
  const graph = createEntityGraph();
  const logger = createLogger({ level: "silent" });
  const normaliser = createStateNormaliser();
  const applier = new GraphApplier({ graph, normaliser, logger, now });
  const processor = new QueueEventProcessor({ graph, applier, logger, now });
  const apply = async (...events: EntityEvent[]) => {
    processor.submit(events);
    await processor.whenIdle();
  };
  return { graph, processor, apply };
}

describe("event processor", () => {
  it("builds vertices with upstream properties", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      resource("switch", "12345", {
        name: "switch-1",
        state: "available",
        projectId: "p1",
        sampleTimestamp: "2026-12-04T09:59:58.123456Z",
        properties: { vitrage_type: "ignored", rack: "r7" },
      }),
    );
    const vertex = graph.findVertex("switch", "12345");
    assert.ok(vertex);
    assert.match(vertex.vitrage_id, /^[0-9a-f-]{36}$/);
    assert.equal(vertex.vitrage_type, "switch");
    assert.equal(vertex.vitrage_category, "RESOURCE");
    assert.equal(vertex.name, "switch-1");
    assert.equal(vertex.state, "available");
    assert.equal(vertex.vitrage_aggregated_state, "AVAILABLE");
    assert.equal(vertex.vitrage_operational_state, "OK");
    assert.equal(vertex.vitrage_sample_timestamp, "2026-12-04T09:59:58Z");
    assert.equal(vertex.update_timestamp, "2026-12-04T09:59:58Z");
    assert.equal(vertex.vitrage_is_deleted, false);
    assert.equal(vertex.vitrage_is_placeholder, false);
    assert.equal(vertex.is_real_vitrage_id, true);
    // The id upstream Vitrage gave this switch in a recorded client session.
    assert.equal(vertex.vitrage_cached_id, "a4dd0abafe3411507c751948a402386d");
    assert.equal(vertex.vitrage_datasource_name, "static");
    assert.equal(vertex.project_id, "p1");
    assert.equal(vertex.rack, "r7");
  });

  it("unknown neighbour becomes a placeholder", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      resource("nova.instance", "vm-1", {
        relationships: [incoming("contains", "nova.host", "host-1")],
      }),
    );
    const host = graph.findVertex("nova.host", "host-1");
    assert.equal(host?.vitrage_is_placeholder, true);
    const vm = graph.findVertex("nova.instance", "vm-1");
    assert.equal(
      graph.getEdge(String(host?.vitrage_id), String(vm?.vitrage_id), "contains")
        ?.vitrage_is_deleted,
      false,
    );

    await apply(resource("nova.host", "host-1", { state: "available" }));
    const real = graph.findVertex("nova.host", "host-1");
    assert.equal(real?.vitrage_id, host?.vitrage_id);
    assert.equal(real?.vitrage_is_placeholder, false);

    await apply(
      resource("nova.instance", "vm-2", {
        relationships: [incoming("contains", "nova.host", "host-1")],
      }),
    );
    assert.equal(graph.findVertex("nova.host", "host-1")?.vitrage_is_placeholder, false);
    assert.equal(graph.findVertex("nova.host", "host-1")?.state, "available");
  });

  it("older event is ignored", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      resource("nova.host", "h", { state: "available", sampleTimestamp: "2026-12-04T09:00:10Z" }),
    );
    await apply(
      resource("nova.host", "h", { state: "ERROR", sampleTimestamp: "2026-12-04T09:00:05Z" }),
    );
    assert.equal(graph.findVertex("nova.host", "h")?.state, "available");
    await apply(
      resource("nova.host", "h", { state: "ERROR", sampleTimestamp: "2026-12-04T09:00:10Z" }),
    );
    assert.equal(graph.findVertex("nova.host", "h")?.state, "ERROR");
  });

  it("moved instance loses its old edge", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      resource("nova.host", "h1"),
      resource("nova.host", "h2"),
      resource("nova.instance", "vm", {
        relationships: [
          incoming("contains", "nova.host", "h1"),
          incoming("attached", "cinder.volume", "v1"),
        ],
      }),
    );
    const vm = graph.findVertex("nova.instance", "vm");
    const h1 = graph.findVertex("nova.host", "h1");
    const h2 = graph.findVertex("nova.host", "h2");
    await apply(
      resource("nova.instance", "vm", { relationships: [incoming("contains", "nova.host", "h2")] }),
    );
    assert.equal(
      graph.getEdge(String(h1?.vitrage_id), String(vm?.vitrage_id), "contains")?.vitrage_is_deleted,
      true,
    );
    assert.equal(
      graph.getEdge(String(h2?.vitrage_id), String(vm?.vitrage_id), "contains")?.vitrage_is_deleted,
      false,
    );
    const volume = graph.findVertex("cinder.volume", "v1");
    assert.equal(
      graph.getEdge(String(volume?.vitrage_id), String(vm?.vitrage_id), "attached")
        ?.vitrage_is_deleted,
      false,
    );
  });

  it("alarm records its resource", async () => {
    const { graph, apply } = createProcessor();
    await apply(resource("nova.host", "h1", { projectId: "p7" }));
    await apply(
      alarm(
        "nagios",
        "h1:cpu",
        { type: "nova.host", id: "h1" },
        { name: "cpu", severity: "warning" },
      ),
    );
    const vertex = graph.findVertex("nagios", "h1:cpu");
    assert.equal(vertex?.state, "Active");
    assert.equal(vertex?.vitrage_resource_id, graph.findVertex("nova.host", "h1")?.vitrage_id);
    assert.equal(vertex?.vitrage_resource_type, "nova.host");
    assert.equal(vertex?.vitrage_resource_project_id, "p7");
    assert.equal(vertex?.vitrage_aggregated_severity, "WARNING");
    assert.equal(vertex?.vitrage_operational_severity, "WARNING");
  });

  it("neighbour found by name", async () => {
    const { graph, apply } = createProcessor();
    await apply(resource("switch", "12345", { name: "switch-1" }));
    await apply({
      ...alarm("nagios", "switch-1:link", { type: "switch", name: "switch-1" }),
    });
    const switchVertex = graph.findVertex("switch", "12345");
    const alarmVertex = graph.findVertex("nagios", "switch-1:link");
    assert.equal(
      graph.getEdge(String(alarmVertex?.vitrage_id), String(switchVertex?.vitrage_id), "on")
        ?.vitrage_is_deleted,
      false,
    );

    await apply(alarm("nagios", "switch-9:link", { type: "switch", name: "switch-9" }));
    const orphan = graph.findVertex("nagios", "switch-9:link");
    assert.equal(graph.edgesOf(String(orphan?.vitrage_id)).length, 0);
  });

  it("delete marks vertex and edges", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      resource("nova.instance", "vm", {
        relationships: [incoming("contains", "nova.host", "h-unknown")],
      }),
    );
    const vm = graph.findVertex("nova.instance", "vm");
    const placeholder = graph.findVertex("nova.host", "h-unknown");
    await apply(resource("nova.instance", "vm", { action: "delete" }));
    assert.equal(graph.getVertex(String(vm?.vitrage_id))?.vitrage_is_deleted, true);
    assert.equal(graph.getVertex(String(placeholder?.vitrage_id)), undefined);

    await apply(resource("nova.instance", "vm"));
    const recreated = graph.findVertex("nova.instance", "vm");
    assert.notEqual(recreated?.vitrage_id, vm?.vitrage_id);
  });

  it("invalid event is skipped", async () => {
    const { graph, apply } = createProcessor();
    await apply(
      {
        action: "update",
        datasource: "x",
        category: "THING",
        type: "t",
        id: "1",
      } as unknown as EntityEvent,
      {
        action: "update",
        datasource: "x",
        category: "RESOURCE",
        type: "t",
      } as unknown as EntityEvent,
      resource("nova.host", "ok"),
    );
    assert.equal(graph.vertexCount, 1);
  });

  it("listing deletes vanished entities", async () => {
    const { graph, processor } = createProcessor();
    processor.submitSnapshot("static", [
      resource("switch", "a"),
      resource("switch", "b", { relationships: [outgoing("attached", "nova.host", "h")] }),
    ]);
    await processor.whenIdle();
    processor.submitSnapshot("static", [resource("switch", "a")]);
    processor.submitSnapshot({ name: "nova", deletesVanishedEntities: false } as never, []);
    await processor.whenIdle();
    assert.ok(graph.findVertex("switch", "a"));
    assert.equal(graph.findVertex("switch", "b"), undefined);
    assert.equal(graph.findVertex("nova.host", "h"), undefined);
  });

  it("task runs between items", async () => {
    const { processor } = createProcessor();
    const order: string[] = [];
    processor.submit([resource("nova.host", "a")]);
    const task = processor.runTask(() => order.push("task"));
    await task;
    order.push("after");
    assert.deepEqual(order, ["task", "after"]);
    await assert.rejects(
      processor.runTask(() => {
        throw new Error("boom");
      }),
      /boom/,
    );
  });
});
