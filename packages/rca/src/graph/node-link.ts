/**
 * Renders a subgraph in the networkx node-link form upstream's topology and RCA APIs return.
 *
 * @module
 */
import type { SubGraph } from "./graph-types.js";

/** One node of a node-link graph: the vertex properties plus `id` and `graph_index`. */
export type NodeLinkNode = Record<string, unknown>;

/** One link: the edge properties with `source` and `target` as node indexes and `key`. */
export type NodeLinkLink = Record<string, unknown> & {
  source: number;
  target: number;
  key: string;
};

/** The node-link document. */
export interface NodeLinkGraph {
  directed: true;
  multigraph: true;
  graph: Record<string, unknown>;
  nodes: NodeLinkNode[];
  links: NodeLinkLink[];
  [extra: string]: unknown;
}

/**
 * Renders vertices and edges as networkx node-link data, the way upstream's API does: a node's
 * `id` is the datasource id when the vertex has one (with `graph_index` set to the node's
 * position), and the vitrage_id otherwise (without `graph_index`). Edges whose ends are not both
 * among the vertices are left out. `extra` keys are added at the top level (upstream adds
 * `"raw": true`, and `inspected_index` for RCA).
 */
export function toNodeLinkGraph(
  subgraph: SubGraph,
  extra: Readonly<Record<string, unknown>> = {},
): NodeLinkGraph {
  const indexes = new Map<string, number>();
  const nodes = subgraph.vertices.map((vertex, index) => {
    indexes.set(vertex.vitrage_id, index);
    if (vertex.id === undefined) {
      return { ...vertex, id: vertex.vitrage_id };
    }
    return { ...vertex, graph_index: index };
  });

  const links: NodeLinkLink[] = [];
  for (const edge of subgraph.edges) {
    const source = indexes.get(edge.source_id);
    const target = indexes.get(edge.target_id);
    if (source === undefined || target === undefined) {
      continue;
    }
    const { source_id: _source, target_id: _target, ...properties } = edge;
    links.push({ ...properties, source, target, key: edge.relationship_type });
  }

  return { directed: true, multigraph: true, graph: {}, nodes, links, ...extra };
}
