import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { nodeLinkPieces, toTree } from "../src/api/topology/topology-json.js";
import {
  getTopology,
  type TopologyRequest,
  withProject,
} from "../src/api/topology/topology-service.js";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createEntityGraph } from "../src/graph/entity-graph.js";
import type { Edge, EntityGraph, GraphQuery, SubGraph, Vertex } from "../src/graph/graph-types.js";
import { createTestCore, type TestCore } from "./helpers/test-core.js";
import { vitrageCliUnavailable, vitrageJson } from "./helpers/vitrage-cli.js";

/**
 * The documents as plain objects, the form the topology response had when fastify serialized it:
 * `JSON.stringify` of these is the byte-exact answer the renderer must produce.
 */
function objectNodeLink(subgraph: SubGraph, extra: Record<string, unknown>) {
  const indexes = new Map<string, number>();
  const nodes = subgraph.vertices.map((vertex, index) => {
    indexes.set(vertex.vitrage_id, index);
    const node: Record<string, unknown> = Object.assign({}, vertex);
    node.graph_index = index;
    return node;
  });
  const links: Record<string, unknown>[] = [];
  for (const edge of subgraph.edges) {
    const source = indexes.get(edge.source_id);
    const target = indexes.get(edge.target_id);
    if (source !== undefined && target !== undefined) {
      links.push(objectLink(edge, source, target));
    }
  }
  return { directed: true, multigraph: true, graph: {}, nodes, links, ...extra };
}

function objectLink(edge: Edge, source: number, target: number) {
  const link: Record<string, unknown> = Object.assign({}, edge);
  link.source_id = undefined;
  link.target_id = undefined;
  link.source = source;
  link.target = target;
  link.key = edge.relationship_type;
  return link;
}

function objectTree(subgraph: SubGraph, rootId: string): Record<string, unknown> {
  if (subgraph.vertices.length === 0) {
    return {};
  }
  const { nodes } = objectNodeLink(subgraph, {});
  const byId = new Map(nodes.map((node) => [node.vitrage_id as string, node]));
  const children = new Map<string, string[]>();
  for (const edge of subgraph.edges) {
    children.set(edge.source_id, [...(children.get(edge.source_id) ?? []), edge.target_id]);
  }
  const build = (id: string): Record<string, unknown> => {
    const node: Record<string, unknown> = { ...byId.get(id) };
    const kids = children.get(id) ?? [];
    if (kids.length > 0) {
      node.children = kids.map(build);
    }
    return node;
  };
  return build(rootId);
}

const allTenants: TopologyRequest = {
  graphType: "graph",
  depth: undefined,
  query: undefined,
  root: undefined,
  allTenants: true,
};
const admin = { projectId: "p-admin", userId: "u-admin", isAdmin: true };

/**
 * Fills the graph with a cluster containing `switches` switches, each attached to 10 hosts holding 2 instances, an
 * alarm on the first host, a deleted edge, a placeholder, and vertices with unusual properties.
 */
function fillTopology(graph: EntityGraph, switches: number): void {
  graph.updateVertex("cluster", resource("cluster", "openstack.cluster", "OpenStack Cluster"));
  for (let s = 0; s < switches; s++) {
    graph.updateVertex(`s${s}`, resource(`s${s}`, "switch", `switch-${s}`));
    graph.updateEdge("cluster", `s${s}`, "contains");
    for (let h = 0; h < 10; h++) {
      const host = `h${s}-${h}`;
      graph.updateVertex(host, resource(host, "nova.host", `host-${s}-${h}`));
      graph.updateEdge(`s${s}`, host, "attached");
      for (let i = 0; i < 2; i++) {
        const instance = `i${s}-${h}-${i}`;
        graph.updateVertex(instance, {
          ...resource(instance, "nova.instance", `vm-${s}-${h}-${i}`),
          project_id: i === 0 ? "p-1" : "p-2",
        });
        graph.updateEdge(host, instance, "contains");
      }
    }
  }
  graph.updateVertex("alarm", {
    vitrage_category: "ALARM",
    vitrage_type: "nagios",
    name: 'host down: ünïcode ✓ "quoted" \\ \u2028',
    severity: "CRITICAL",
  });
  graph.updateEdge("alarm", "h0-0", "on", { update_timestamp: "2026-12-04T10:00:00Z" });
  graph.updateEdge("h0-1", "i0-1-0", "attached", { vitrage_is_deleted: true });
  graph.updateVertex("placeholder", {
    ...resource("placeholder", "nova.host", "unknown"),
    vitrage_is_placeholder: true,
  });
  graph.updateEdge("s0", "placeholder", "attached");
  // Properties named like the fields the renderer adds keep their place in the object form.
  graph.updateVertex("odd", {
    graph_index: "own",
    children: ["own"],
    ...resource("odd", "switch", "odd"),
    nested: { list: [1, 2.5, null, true], empty: {} },
  });
  graph.updateEdge("odd", "s0", "attached", { key: "own", source: 7, target: "x" });
}

function resource(id: string, type: string, name: string): Record<string, unknown> {
  return {
    vitrage_category: "RESOURCE",
    vitrage_type: type,
    id: `${type}:${id}`,
    name,
    state: "available",
  };
}

const render = (subgraph: SubGraph, extra: Record<string, unknown> = {}) =>
  [...nodeLinkPieces(subgraph, extra)].join("");

describe("topology rendering", () => {
  it("renders node-link text equal to the object form, across slices", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 40);
    const subgraph = getTopology(graph, allTenants, admin);
    assert.ok(subgraph.vertices.length > 1000, "the test spans several slices");
    assert.equal(
      render(subgraph, { raw: true }),
      JSON.stringify(objectNodeLink(subgraph, { raw: true })),
    );
    assert.equal(render(subgraph), JSON.stringify(objectNodeLink(subgraph, {})));
  });

  it("renders queries, tenants, empty graphs and graphs without links", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 3);
    const requests: [TopologyRequest, typeof admin][] = [
      [{ ...allTenants, query: { "==": { vitrage_type: "nova.host" } } }, admin],
      [{ ...allTenants, query: { "==": { vitrage_type: "none" } } }, admin],
      [{ ...allTenants, query: { "!=": { vitrage_type: "none" } } }, admin],
      [
        { ...allTenants, allTenants: false },
        { projectId: "p-1", userId: "u-1", isAdmin: false },
      ],
      [{ ...allTenants, allTenants: false }, admin],
      [{ ...allTenants, root: "cluster", depth: 2, query: { "!=": { vitrage_type: "x" } } }, admin],
    ];
    for (const [request, tenant] of requests) {
      const subgraph = getTopology(graph, request, tenant);
      const expected = JSON.stringify(objectNodeLink(subgraph, { raw: true }));
      assert.equal(render(subgraph, { raw: true }), expected);
      assert.deepEqual(JSON.parse(expected).raw, true);
    }
    assert.equal(
      render({ vertices: [], edges: [] }, { raw: true }),
      '{"directed":true,"multigraph":true,"graph":{},"nodes":[],"links":[],"raw":true}',
    );
  });

  it("selects the same subgraphs as the queries and traversals they replace", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 3);
    const live = (edge: Edge) => !edge.vitrage_is_deleted;
    const queries: GraphQuery[] = [
      { "==": { vitrage_category: "RESOURCE" } },
      { "!=": { vitrage_type: "nova.instance" } },
      { "==": { vitrage_type: "none" } },
    ];
    for (const query of queries) {
      const ids = graph.queryVertices(query).map((vertex) => vertex.vitrage_id);
      assert.deepEqual(graph.querySubgraph(query, live), graph.inducedSubgraph(ids, live));
      for (const depth of [undefined, 1, 2]) {
        const request: TopologyRequest = { ...allTenants, graphType: "tree", depth, query };
        const matching = new Set(ids);
        const traversal = graph.traverse("cluster", {
          depth,
          direction: "both",
          vertexFilter: (vertex) => matching.has(vertex.vitrage_id),
          edgeFilter: live,
        });
        assert.deepEqual(getTopology(graph, request, admin), traversal);
      }
    }
  });

  it("adds the shortest paths from the root for a project", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 3);
    const member = { projectId: "p-1", userId: "u-1", isAdmin: false };
    const query: GraphQuery = { "==": { vitrage_type: "nova.instance" } };
    const ids = new Set(
      graph.queryVertices(withProject(query, "p-1", false)).map((vertex) => vertex.vitrage_id),
    );
    const paths = graph.shortestPathsFrom("cluster");
    for (const target of [...ids]) {
      for (const id of paths.get(target) ?? []) {
        ids.add(id);
      }
    }
    const live = (edge: Edge) => !edge.vitrage_is_deleted;
    const request: TopologyRequest = { ...allTenants, allTenants: false, query };
    const selected = getTopology(graph, request, member);
    assert.deepEqual(selected, graph.inducedSubgraph(ids, live));
    assert.equal(selected.vertices.filter((vertex) => vertex.vitrage_type === "switch").length, 3);
  });

  it("shows a change of a vertex in the next answer", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 1);
    const before = render(getTopology(graph, allTenants, admin));
    graph.updateVertex("h0-0", { state: "ERROR" });
    const subgraph = getTopology(graph, allTenants, admin);
    const after = render(subgraph);
    assert.notEqual(after, before);
    assert.equal(after, JSON.stringify(objectNodeLink(subgraph, {})));
    const host = JSON.parse(after).nodes.find((node: Vertex) => node.vitrage_id === "h0-0");
    assert.equal(host.state, "ERROR");
  });

  it("builds trees equal to the object form, with and without depth", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 3);
    for (const depth of [undefined, 1, 2, 3]) {
      const request: TopologyRequest = {
        ...allTenants,
        graphType: "tree",
        depth,
        query: { "==": { vitrage_category: "RESOURCE" } },
      };
      const subgraph = getTopology(graph, request, admin);
      assert.equal(
        JSON.stringify(toTree(subgraph, "cluster")),
        JSON.stringify(objectTree(subgraph, "cluster")),
      );
    }
    assert.deepEqual(toTree({ vertices: [], edges: [] }, "cluster"), {});
  });

  it("keeps a vertex's own children and graph_index in place in a tree", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 1);
    const request: TopologyRequest = {
      ...allTenants,
      graphType: "tree",
      root: "odd",
      query: { "!=": { vitrage_type: "nova.instance" } },
    };
    const subgraph = getTopology(graph, request, admin);
    const text = JSON.stringify(toTree(subgraph, "odd"));
    assert.equal(text, JSON.stringify(objectTree(subgraph, "odd")));
    assert.ok(text.indexOf('"graph_index":0,"children":[{') < text.indexOf('"vitrage_category"'));
  });

  it("refuses subgraphs that are not trees", () => {
    const graph = createEntityGraph();
    fillTopology(graph, 1);
    graph.updateEdge("h0-0", "h0-1", "attached");
    const request: TopologyRequest = {
      ...allTenants,
      graphType: "tree",
      query: { "==": { vitrage_category: "RESOURCE" } },
    };
    const subgraph = getTopology(graph, request, admin);
    assert.throws(() => toTree(subgraph, "cluster"), /not a tree/);
    const reachedTwice: SubGraph = {
      vertices: subgraph.vertices.slice(0, 3),
      edges: [
        {
          source_id: "cluster",
          target_id: "s0",
          relationship_type: "contains",
          vitrage_is_deleted: false,
        },
        {
          source_id: "cluster",
          target_id: "s0",
          relationship_type: "x",
          vitrage_is_deleted: false,
        },
      ],
    };
    assert.throws(() => toTree(reachedTwice, "cluster"), /not a tree/);
  });

  it("builds a chain of 20,000 vertices without recursion", () => {
    const vertices: Vertex[] = [];
    const edges: Edge[] = [];
    for (let index = 0; index < 20000; index++) {
      vertices.push({
        vitrage_id: `v${index}`,
        vitrage_is_deleted: false,
        vitrage_is_placeholder: false,
      });
      if (index > 0) {
        edges.push({
          source_id: `v${index - 1}`,
          target_id: `v${index}`,
          relationship_type: "contains",
          vitrage_is_deleted: false,
        });
      }
    }
    let node = toTree({ vertices, edges }, "v0");
    let length = 1;
    while (node.children !== undefined) {
      node = node.children[0] as typeof node;
      length++;
    }
    assert.equal(length, 20000);
  });
});

describe("topology answers over HTTP", () => {
  let database: TestDatabase;
  let service: RcaService;
  let core: TestCore;
  let url: string;

  before(async () => {
    database = await createTestDatabase("sqlite");
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": database.url,
        "auth.mode": "noauth",
        "datasources.types": [],
      },
    });
    service = await createRcaService(config, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
      createCore: (options) => {
        core = createTestCore(options);
        return core;
      },
    });
    await service.whenReady();
    fillTopology(core.entityGraph, 40);
    url = await service.listen();
  });

  after(async () => {
    await service.close();
    await database.drop();
  });

  const headers = {
    "content-type": "application/json",
    "x-user-id": "u-admin",
    "x-user-name": "admin",
    "x-project-id": "p-admin",
    "x-roles": "admin",
  };

  /** Posts with node:http and returns the status, headers and the raw body bytes. */
  const post = (body: unknown) =>
    new Promise<{ status: number; type: string | undefined; body: Buffer }>((resolve, reject) => {
      const request = httpRequest(`${url}/v1/topology`, { method: "POST", headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            type: response.headers["content-type"],
            body: Buffer.concat(chunks),
          }),
        );
        response.on("error", reject);
      });
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });

  it("streams the graph of all tenants byte for byte as the object form", async () => {
    const response = await post({ graph_type: "graph", all_tenants: true, query: null });
    assert.equal(response.status, 200);
    assert.equal(response.type, "application/json; charset=utf-8");
    const subgraph = getTopology(core.entityGraph, allTenants, admin);
    assert.ok(response.body.length > 300_000);
    assert.equal(
      response.body.toString("utf8"),
      JSON.stringify(objectNodeLink(subgraph, { raw: true })),
    );
  });

  it("streams queried and rooted graphs exactly", async () => {
    const query = {
      or: [{ "==": { vitrage_type: "switch" } }, { "==": { vitrage_type: "nagios" } }],
    };
    const queried = await post({ all_tenants: true, query: JSON.stringify(query) });
    assert.equal(
      queried.body.toString("utf8"),
      JSON.stringify(
        objectNodeLink(getTopology(core.entityGraph, { ...allTenants, query }, admin), {
          raw: true,
        }),
      ),
    );
    const everything = { "!=": { vitrage_type: "x" } };
    const rooted = await post({
      all_tenants: true,
      root: "cluster",
      depth: 2,
      query: JSON.stringify(everything),
    });
    const request = { ...allTenants, root: "cluster", depth: 2, query: everything };
    assert.equal(
      rooted.body.toString("utf8"),
      JSON.stringify(objectNodeLink(getTopology(core.entityGraph, request, admin), { raw: true })),
    );
  });

  it("gives the real vitrage client the same graph and tree", {
    skip: vitrageCliUnavailable(),
  }, async () => {
    const endpoint = url;
    const graph = await vitrageJson(endpoint, ["topology", "show", "--all-tenants"]);
    const expected = objectNodeLink(getTopology(core.entityGraph, allTenants, admin), {
      raw: true,
    });
    assert.deepEqual(graph, JSON.parse(JSON.stringify(expected)));

    const query = { "==": { vitrage_type: "switch" } };
    const tree = await vitrageJson(endpoint, [
      "topology",
      "show",
      "--all-tenants",
      "--graph-type",
      "tree",
      "--filter",
      JSON.stringify({ or: [query, { "==": { vitrage_type: "openstack.cluster" } }] }),
    ]);
    const request: TopologyRequest = {
      ...allTenants,
      graphType: "tree",
      query: { or: [query, { "==": { vitrage_type: "openstack.cluster" } }] },
    };
    const expectedTree = objectTree(getTopology(core.entityGraph, request, admin), "cluster");
    assert.deepEqual(tree, JSON.parse(JSON.stringify(expectedTree)));
  });

  it("returns trees exactly and 404 for cycles", async () => {
    const query = { "==": { vitrage_category: "RESOURCE" } };
    const response = await post({
      graph_type: "tree",
      all_tenants: true,
      query: JSON.stringify(query),
    });
    assert.equal(response.status, 200);
    assert.equal(response.type, "application/json; charset=utf-8");
    const request: TopologyRequest = { ...allTenants, graphType: "tree", query };
    assert.equal(
      response.body.toString("utf8"),
      JSON.stringify(objectTree(getTopology(core.entityGraph, request, admin), "cluster")),
    );

    core.entityGraph.updateEdge("h0-0", "h0-1", "attached");
    const cyclic = await post({
      graph_type: "tree",
      all_tenants: true,
      query: JSON.stringify(query),
    });
    assert.equal(cyclic.status, 404);
    assert.deepEqual(JSON.parse(cyclic.body.toString("utf8")), {
      code: 404,
      title: "Not Found",
      description: "Failed to get topology.",
    });
  });
});
