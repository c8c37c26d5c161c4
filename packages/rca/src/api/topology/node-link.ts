import type { Edge, SubGraph, Vertex } from "../../graph/graph-types.js";

/** A graph in networkx node-link form, as upstream Vitrage returns topologies and RCA graphs. */
export interface NodeLinkGraph {
  directed: true;
  multigraph: true;
  graph: Record<string, never>;
  nodes: Record<string, unknown>[];
  links: Record<string, unknown>[];
  [extra: string]: unknown;
}

/**
 * Renders vertices and edges as node-link JSON: each node carries its properties and its
 * `graph_index`, and each link names its source and target by index, with `key` set to the
 * relationship type. Edges whose ends are not among the vertices are left out.
 */
export function toNodeLink(
  graph: { vertices: readonly Vertex[]; edges: readonly Edge[] },
  extra: Record<string, unknown> = {},
): NodeLinkGraph {
  const indexById = new Map<string, number>();
  const nodes = graph.vertices.map((vertex, index) => {
    indexById.set(vertex.vitrage_id, index);
    const node: Record<string, unknown> = Object.assign({}, vertex);
    node.graph_index = index;
    return node;
  });
  const links: Record<string, unknown>[] = [];
  for (const edge of graph.edges) {
    const source = indexById.get(edge.source_id);
    const target = indexById.get(edge.target_id);
    if (source === undefined || target === undefined) {
      continue;
    }
    links.push(toLink(edge, source, target));
  }
  return { directed: true, multigraph: true, graph: {}, nodes, links, ...extra };
}

/**
 * Copies an edge's properties for a link. The endpoint ids are set to undefined, which
 * JSON.stringify leaves out, because removing them with rest destructuring or `delete` takes
 * V8's slow paths, 10 to 40 times slower on 10,000 edges.
 */
function toLink(edge: Edge, source: number, target: number): Record<string, unknown> {
  const link: Record<string, unknown> = Object.assign({}, edge);
  link.source_id = undefined;
  link.target_id = undefined;
  link.source = source;
  link.target = target;
  link.key = edge.relationship_type;
  return link;
}

/** A node of a topology tree: the vertex properties and its children, if it has any. */
export type TreeNode = Record<string, unknown> & { children?: TreeNode[] };

/**
 * Turns a subgraph into the nested tree networkx's `tree_data` builds from a root, following
 * edges from source to target. Throws when the graph is not a tree (edge count, or a vertex
 * reached twice). Vertices reached only against an edge's direction are left out.
 */
export function toTree(graph: SubGraph, rootId: string): TreeNode {
  if (graph.vertices.length === 0) {
    return {};
  }
  if (graph.edges.length !== graph.vertices.length - 1) {
    throw new Error("the topology is not a tree");
  }
  const nodeLink = toNodeLink(graph);
  const byId = new Map(nodeLink.nodes.map((node) => [node.vitrage_id as string, node]));
  const children = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const list = children.get(edge.source_id) ?? [];
    list.push(edge.target_id);
    children.set(edge.source_id, list);
  }
  const visited = new Set<string>();
  const build = (id: string): TreeNode => {
    if (visited.has(id)) {
      throw new Error("the topology is not a tree");
    }
    visited.add(id);
    const node: TreeNode = { ...(byId.get(id) as Record<string, unknown>) };
    const kids = children.get(id) ?? [];
    if (kids.length > 0) {
      node.children = kids.map(build);
    }
    return node;
  };
  return build(rootId);
}
