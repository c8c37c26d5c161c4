/**
 * Renders `POST /v1/topology` responses in the forms upstream returns: a networkx node-link graph (each node
 * is the vertex's properties followed by `graph_index`, each link the edge's properties without
 * `source_id`/`target_id`, followed by `source`, `target` and `key`) or networkx's nested tree.
 *
 * The node-link graph is produced as a sequence of JSON text pieces, a few hundred nodes or links
 * at a time, so a 100,000-vertex response (61 MB) is never held whole. Each slice of node copies
 * is serialized by `JSON.stringify` and dropped, and the text goes out as the client reads it.
 * The concatenated pieces equal `JSON.stringify` of the whole document.
 *
 * @module
 */
import type { Edge, SubGraph, Vertex } from "../../graph/graph-types.js";

/** Nodes or links serialized per piece, about 300 KB of text for vertices of 15 properties. */
const SLICE = 500;

/** One node of a topology tree: the vertex properties, its index and its children, if any. */
export type TreeNode = Record<string, unknown> & { children?: TreeNode[] };

/**
 * Yields `{"directed":true,"multigraph":true,"graph":{},"nodes":[...],"links":[...], ...extra}`
 * in pieces. Node `i` carries `graph_index: i`; edges whose ends are not both among the vertices
 * are left out. `extra` contains further top-level keys (upstream's topology adds `"raw": true`),
 * none of them one of the document's own.
 *
 * The subgraph's arrays must not change while the pieces are read. The graph never mutates a
 * stored vertex or edge, because every change stores a new object, so a subgraph it returned
 * stays as it was.
 */
export function* nodeLinkPieces(
  subgraph: SubGraph,
  extra: Readonly<Record<string, unknown>> = {},
): Generator<string> {
  const { vertices, edges } = subgraph;
  const indexes = new Map<string, number>();
  yield '{"directed":true,"multigraph":true,"graph":{},"nodes":[';
  for (let start = 0; start < vertices.length; start += SLICE) {
    const nodes: Record<string, unknown>[] = [];
    const end = Math.min(start + SLICE, vertices.length);
    for (let index = start; index < end; index++) {
      const vertex = vertices[index] as Vertex;
      indexes.set(vertex.vitrage_id, index);
      nodes.push(toNode(vertex, index));
    }
    yield* listItems(nodes, start > 0);
  }

  yield '],"links":[';
  let written = false;
  for (let start = 0; start < edges.length; start += SLICE) {
    const links: Record<string, unknown>[] = [];
    const end = Math.min(start + SLICE, edges.length);
    for (let position = start; position < end; position++) {
      const edge = edges[position] as Edge;
      const source = indexes.get(edge.source_id);
      const target = indexes.get(edge.target_id);
      if (source !== undefined && target !== undefined) {
        links.push(toLink(edge, source, target));
      }
    }
    if (links.length > 0) {
      yield* listItems(links, written);
      written = true;
    }
  }

  const tail = JSON.stringify(extra);
  yield tail === "{}" ? "]}" : `],${tail.slice(1)}`;
}

/** Yields the items of a list as they appear inside `[...]`, after a comma when they follow others. */
function* listItems(items: readonly unknown[], afterOthers: boolean): Generator<string> {
  if (afterOthers) {
    yield ",";
  }
  const text = JSON.stringify(items);
  yield text.slice(1, -1);
}

/**
 * Copies a vertex for a node. Copies are needed because `graph_index` is added; `Object.assign`
 * keeps the vertex's property order, which the JSON text follows.
 */
function toNode(vertex: Vertex, index: number): Record<string, unknown> {
  const node: Record<string, unknown> = Object.assign({}, vertex);
  node.graph_index = index;
  return node;
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

/**
 * Builds the nested tree networkx's `tree_data` builds from a root, following edges from source
 * to target: each node is the vertex's properties, its `graph_index` (its position among the
 * subgraph's vertices) and, when it has any, its `children`. Vertices reached only against an
 * edge's direction are left out; an empty subgraph gives `{}`.
 *
 * @throws {Error} when the subgraph is not a tree: its edge count is not one less than its vertex
 *   count, or a vertex is reached twice.
 */
export function toTree(subgraph: SubGraph, rootId: string): TreeNode {
  const { vertices, edges } = subgraph;
  if (vertices.length === 0) {
    return {};
  }
  if (edges.length !== vertices.length - 1) {
    throw new Error("the topology is not a tree");
  }
  const nodes = new Map<string, TreeNode>();
  vertices.forEach((vertex, index) => {
    nodes.set(vertex.vitrage_id, toNode(vertex, index));
  });
  const children = new Map<string, string[]>();
  for (const edge of edges) {
    const list = children.get(edge.source_id);
    if (list === undefined) {
      children.set(edge.source_id, [edge.target_id]);
    } else {
      list.push(edge.target_id);
    }
  }

  // Depth-first from the root with an explicit stack, so a long chain of vertices cannot
  // overflow the call stack here.
  const visited = new Set<string>();
  const nodeOf = (id: string): TreeNode => {
    const node = nodes.get(id);
    if (node === undefined || visited.has(id)) {
      throw new Error("the topology is not a tree");
    }
    visited.add(id);
    return node;
  };
  const root = nodeOf(rootId);
  const stack = [rootId];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const kids = children.get(id);
    if (kids !== undefined) {
      (nodes.get(id) as TreeNode).children = kids.map(nodeOf);
      for (const kid of kids) {
        stack.push(kid);
      }
    }
  }
  return root;
}
