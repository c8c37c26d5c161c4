import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEntityGraph } from "../src/graph/entity-graph.js";
import { matchesFilter } from "../src/graph/graph-filter.js";
import { compileGraphQuery, GraphQueryError } from "../src/graph/graph-query.js";
import type { EntityGraph, GraphChange } from "../src/graph/graph-types.js";
import { toNodeLinkGraph, toNodeLinkJson } from "../src/graph/node-link.js";
import {
  createPatternGraph,
  matchPattern,
  type PatternEdge,
} from "../src/graph/subgraph-matching.js";

/** host h1 contains instances i1 and i2; alarm a1 is on h1; switch s1 attached to h1. */
function sampleGraph(): EntityGraph {
  const graph = createEntityGraph();
  const add = (vitrageId: string, props: Record<string, unknown>) =>
    graph.updateVertex(vitrageId, props);
  add("h1", {
    id: "host-1",
    name: "host-1",
    vitrage_type: "nova.host",
    vitrage_category: "RESOURCE",
  });
  add("i1", {
    id: "vm-1",
    name: "vm-1",
    vitrage_type: "nova.instance",
    vitrage_category: "RESOURCE",
    project_id: "p1",
  });
  add("i2", {
    id: "vm-2",
    name: "vm-2",
    vitrage_type: "nova.instance",
    vitrage_category: "RESOURCE",
    project_id: "p2",
  });
  add("a1", {
    id: "alarm-1",
    name: "cpu",
    vitrage_type: "nagios",
    vitrage_category: "ALARM",
    vitrage_datasource_name: "nagios",
  });
  add("s1", { id: "switch-1", vitrage_type: "switch", vitrage_category: "RESOURCE" });
  graph.updateEdge("h1", "i1", "contains");
  graph.updateEdge("h1", "i2", "contains");
  graph.updateEdge("a1", "h1", "on");
  graph.updateEdge("s1", "h1", "attached");
  return graph;
}

describe("entity graph", () => {
  it("indexes by type, category and id", () => {
    const graph = sampleGraph();
    assert.equal(graph.vertexCount, 5);
    assert.equal(graph.edgeCount, 4);
    assert.deepEqual(
      graph
        .vertices({ type: "nova.instance" })
        .map((vertex) => vertex.vitrage_id)
        .sort(),
      ["i1", "i2"],
    );
    assert.deepEqual(
      graph.vertices({ category: "ALARM" }).map((vertex) => vertex.vitrage_id),
      ["a1"],
    );
    assert.equal(graph.findVertex("nova.instance", "vm-2")?.vitrage_id, "i2");
    assert.deepEqual(
      graph.findVerticesByName("nova.host", "host-1").map((vertex) => vertex.vitrage_id),
      ["h1"],
    );
    assert.deepEqual(
      graph.verticesOfDatasource("nagios").map((vertex) => vertex.vitrage_id),
      ["a1"],
    );
  });

  it("deleted vertex leaves the id index", () => {
    const graph = sampleGraph();
    graph.updateVertex("i1", { vitrage_is_deleted: true });
    assert.equal(graph.findVertex("nova.instance", "vm-1"), undefined);
    assert.equal(graph.getVertex("i1")?.vitrage_is_deleted, true);
    graph.updateVertex("i9", {
      id: "vm-1",
      vitrage_type: "nova.instance",
      vitrage_category: "RESOURCE",
    });
    assert.equal(graph.findVertex("nova.instance", "vm-1")?.vitrage_id, "i9");
    graph.removeVertex("i1");
    assert.equal(graph.findVertex("nova.instance", "vm-1")?.vitrage_id, "i9");
  });

  it("names shared by several vertices", () => {
    const graph = sampleGraph();
    graph.updateVertex("i3", { id: "vm-3", name: "vm-1", vitrage_type: "nova.instance" });
    assert.deepEqual(
      graph
        .findVerticesByName("nova.instance", "vm-1")
        .map((vertex) => vertex.vitrage_id)
        .sort(),
      ["i1", "i3"],
    );
    graph.updateVertex("i1", { name: "renamed" });
    assert.deepEqual(
      graph.findVerticesByName("nova.instance", "vm-1").map((vertex) => vertex.vitrage_id),
      ["i3"],
    );
    graph.removeVertex("i3");
    assert.deepEqual(graph.findVerticesByName("nova.instance", "vm-1"), []);
  });

  it("unchanged merge stores nothing", () => {
    const graph = sampleGraph();
    const before = graph.getVertex("h1");
    let notified = 0;
    graph.subscribe(() => notified++);
    graph.updateVertex("h1", { name: "host-1", missing: null });
    assert.equal(graph.getVertex("h1"), before);
    assert.equal(notified, 0);
  });

  it("type change moves the vertex between indexes", () => {
    const graph = sampleGraph();
    graph.updateVertex("s1", { vitrage_type: "router" });
    assert.deepEqual(graph.vertices({ type: "switch" }), []);
    assert.equal(graph.findVertex("router", "switch-1")?.vitrage_id, "s1");
  });

  it("updates are new objects", () => {
    const graph = sampleGraph();
    const before = graph.getVertex("h1");
    const changes: GraphChange[] = [];
    graph.subscribe((change) => changes.push(change));
    graph.updateVertex("h1", { state: "ERROR", name: null });
    const after = graph.getVertex("h1");
    assert.notEqual(before, after);
    assert.equal(before?.state, undefined);
    assert.equal(before?.name, "host-1");
    assert.equal(after?.state, "ERROR");
    assert.equal(after?.name, undefined);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.before, before);
    assert.equal(changes[0]?.current, after);
  });

  it("overwrite false adds only missing keys", () => {
    const graph = sampleGraph();
    graph.updateVertex("h1", { name: "other", state: "available" }, false);
    assert.equal(graph.getVertex("h1")?.name, "host-1");
    assert.equal(graph.getVertex("h1")?.state, "available");
  });

  it("edge needs both vertices", () => {
    const graph = sampleGraph();
    assert.throws(() => graph.updateEdge("h1", "missing", "contains"), /a vertex is missing/);
  });

  it("one edge per label between two vertices", () => {
    const graph = sampleGraph();
    graph.updateEdge("h1", "i1", "contains", { vitrage_is_deleted: true });
    graph.updateEdge("h1", "i1", "attached");
    assert.equal(graph.edgeCount, 5);
    assert.equal(graph.getEdge("h1", "i1", "contains")?.vitrage_is_deleted, true);
    assert.equal(graph.getEdge("h1", "i1", "attached")?.vitrage_is_deleted, false);
  });

  it("neighbors filter by edge and vertex", () => {
    const graph = sampleGraph();
    const contained = graph.neighbors("h1", {
      direction: "out",
      edgeFilter: (edge) => edge.relationship_type === "contains",
    });
    assert.deepEqual(contained.map((vertex) => vertex.vitrage_id).sort(), ["i1", "i2"]);
    const alarms = graph.neighbors("h1", {
      vertexFilter: (vertex) => vertex.vitrage_category === "ALARM",
    });
    assert.deepEqual(
      alarms.map((vertex) => vertex.vitrage_id),
      ["a1"],
    );
    assert.equal(graph.edgesOf("h1", "in").length, 2);
  });

  it("traverse honours depth and filters", () => {
    const graph = sampleGraph();
    assert.equal(graph.traverse("s1", { depth: 1 }).vertices.length, 2);
    const all = graph.traverse("s1");
    assert.equal(all.vertices.length, 5);
    assert.equal(all.edges.length, 4);
    const resources = graph.traverse("s1", {
      vertexFilter: compileGraphQuery({ "==": { vitrage_category: "RESOURCE" } }),
    });
    assert.deepEqual(resources.vertices.map((vertex) => vertex.vitrage_id).sort(), [
      "h1",
      "i1",
      "i2",
      "s1",
    ]);
    assert.deepEqual(
      graph.traverse("a1", { vertexFilter: (vertex) => vertex.vitrage_category === "RESOURCE" }),
      {
        vertices: [],
        edges: [],
      },
    );
  });

  it("shortest paths follow edge direction", () => {
    const graph = sampleGraph();
    const paths = graph.shortestPathsFrom("s1");
    assert.deepEqual(paths.get("i2"), ["s1", "h1", "i2"]);
    assert.equal(paths.get("a1"), undefined);
  });

  it("induced subgraph keeps inner edges", () => {
    const graph = sampleGraph();
    const subgraph = graph.inducedSubgraph(["h1", "i1", "a1"]);
    assert.equal(subgraph.vertices.length, 3);
    assert.deepEqual(subgraph.edges.map((edge) => edge.relationship_type).sort(), [
      "contains",
      "on",
    ]);
  });

  it("node-link output uses indexes", () => {
    const graph = sampleGraph();
    graph.updateVertex("d1", {
      vitrage_type: "vitrage",
      vitrage_category: "ALARM",
      name: "deduced",
    });
    graph.updateEdge("d1", "i1", "on");
    const output = toNodeLinkGraph(graph.inducedSubgraph(["h1", "i1", "d1"]), { raw: true });
    assert.equal(output.directed, true);
    assert.equal(output.multigraph, true);
    assert.equal(output.raw, true);
    const hostIndex = output.nodes.findIndex((node) => node.vitrage_id === "h1");
    assert.equal(output.nodes[hostIndex]?.graph_index, hostIndex);
    assert.equal(output.nodes[hostIndex]?.id, "host-1");
    const deduced = output.nodes.find((node) => node.vitrage_id === "d1");
    assert.equal(deduced?.id, "d1");
    assert.equal(deduced?.graph_index, undefined);
    const link = output.links.find((item) => item.key === "contains");
    assert.equal(link?.source, hostIndex);
    assert.equal(link?.relationship_type, "contains");
    assert.equal("source_id" in (link ?? {}), false);
  });

  it("node-link text equals the object form", () => {
    const graph = sampleGraph();
    graph.updateVertex("d1", {
      vitrage_type: "vitrage",
      vitrage_category: "ALARM",
      name: 'dé"duced',
    });
    graph.updateEdge("d1", "i1", "on", { update_timestamp: "2026-12-04T10:00:00Z" });
    const subgraph = graph.inducedSubgraph(["h1", "i1", "i2", "d1", "a1"]);
    const extra = { raw: true, inspected_index: 3 };
    assert.deepEqual(JSON.parse(toNodeLinkJson(subgraph, extra)), toNodeLinkGraph(subgraph, extra));
    assert.deepEqual(
      JSON.parse(toNodeLinkJson({ vertices: [], edges: [] })),
      toNodeLinkGraph({ vertices: [], edges: [] }),
    );
  });
});

describe("graph query", () => {
  it("compiles upstream operators", () => {
    const predicate = compileGraphQuery({
      and: [
        { "==": { vitrage_category: "RESOURCE" } },
        { or: [{ "==": { project_id: "p1" } }, { "==": { project_id: null } }] },
      ],
    });
    const graph = sampleGraph();
    const ids = graph
      .queryVertices()
      .filter(predicate)
      .map((vertex) => vertex.vitrage_id)
      .sort();
    assert.deepEqual(ids, ["h1", "i1", "s1"]);
    assert.equal(compileGraphQuery({ ">": { count: 2 } })({ count: 3 }), true);
    assert.equal(compileGraphQuery({ ">": { count: 2 } })({ count: "3" }), false);
    assert.equal(compileGraphQuery({ or: [] })({}), false);
  });

  it("rejects malformed queries", () => {
    assert.throws(() => compileGraphQuery("x"), GraphQueryError);
    assert.throws(() => compileGraphQuery({}), GraphQueryError);
    assert.throws(() => compileGraphQuery({ like: { a: 1 } }), GraphQueryError);
    assert.throws(() => compileGraphQuery({ and: {} }), GraphQueryError);
    assert.throws(() => compileGraphQuery({ "==": [1] }), GraphQueryError);
  });
});

describe("property filter", () => {
  it("matches values, lists and regex", () => {
    const data = { name: "Interface eth0 down", type: "zabbix" };
    assert.equal(matchesFilter(data, { type: "zabbix" }), true);
    assert.equal(matchesFilter(data, { type: ["nagios", "zabbix"] }), true);
    assert.equal(matchesFilter(data, { "name.regex": "Interface (\\w+) down" }), true);
    assert.equal(matchesFilter(data, { "name.regex": "eth0" }), false);
    assert.equal(matchesFilter(data, { "name.regex": "(?P<nic>\\w+)" }), true);
    assert.equal(matchesFilter(data, { missing: "x" }), false);
  });
});

describe("subgraph matching", () => {
  const vertices = [
    { id: "alarm", filter: { vitrage_category: "ALARM" } },
    { id: "host", filter: { vitrage_type: "nova.host" } },
    { id: "instance", filter: { vitrage_type: "nova.instance" } },
  ];
  const onEdge: PatternEdge = {
    id: "alarm_on_host",
    source: "alarm",
    target: "host",
    label: "on",
    filter: {},
    negative: false,
  };
  const containsEdge: PatternEdge = {
    id: "host_contains_instance",
    source: "host",
    target: "instance",
    label: "contains",
    filter: {},
    negative: false,
  };

  it("finds every match around an anchor", () => {
    const graph = sampleGraph();
    const pattern = createPatternGraph(vertices, [onEdge, containsEdge]);
    const alarm = graph.getVertex("a1");
    assert.ok(alarm);
    const matches = matchPattern(graph, pattern, {
      kind: "vertex",
      patternVertexId: "alarm",
      vertex: alarm,
    });
    assert.deepEqual(matches.map((match) => match.get("instance")?.vitrage_id).sort(), [
      "i1",
      "i2",
    ]);
  });

  it("deleted edge breaks a match", () => {
    const graph = sampleGraph();
    graph.updateEdge("h1", "i2", "contains", { vitrage_is_deleted: true });
    const pattern = createPatternGraph(vertices, [onEdge, containsEdge]);
    const edge = graph.getEdge("a1", "h1", "on");
    assert.ok(edge);
    const matches = matchPattern(graph, pattern, { kind: "edge", patternEdge: onEdge, edge });
    assert.deepEqual(
      matches.map((match) => match.get("instance")?.vitrage_id),
      ["i1"],
    );
  });

  it("negative edge forbids a neighbour", () => {
    const graph = sampleGraph();
    const notOn = { ...onEdge, negative: true };
    const pattern = createPatternGraph(vertices.slice(0, 2), [notOn]);
    const host = graph.getVertex("h1");
    assert.ok(host);
    const anchor = { kind: "vertex", patternVertexId: "host", vertex: host } as const;
    assert.deepEqual(matchPattern(graph, pattern, anchor), []);
    graph.updateEdge("a1", "h1", "on", { vitrage_is_deleted: true });
    const matches = matchPattern(graph, pattern, anchor);
    assert.equal(matches.length, 1);
    assert.deepEqual([...(matches[0]?.keys() ?? [])], ["host"]);
  });
});
