/**
 * Subgraph matching: finds every occurrence of a small pattern (one and-clause of a template
 * condition) in the entity graph around an anchor, the element whose change triggered the
 * evaluation.
 *
 * Semantics, as upstream's evaluator has them:
 * - A pattern vertex matches a graph vertex that carries its properties (see
 *   {@link matchesFilter}); patterns ask for `vitrage_is_deleted: false` and
 *   `vitrage_is_placeholder: false`. Two pattern vertices never map to one graph vertex.
 * - A positive pattern edge needs a graph edge with its label, direction and properties, not
 *   marked deleted.
 * - A negative pattern edge (`not a_on_b`) forbids such an edge. A pattern vertex reached only
 *   through negative edges is not mapped: the match holds when no neighbour carries the
 *   forbidden edge.
 *
 * @module
 */
import { matchesFilter } from "./graph-filter.js";
import type { Edge, EntityGraphReader, Vertex } from "./graph-types.js";

/** A pattern vertex: a template entity with the properties a graph vertex must carry. */
export interface PatternVertex {
  readonly id: string;
  readonly filter: Readonly<Record<string, unknown>>;
}

/** A pattern edge: a template relationship, positive or negated. */
export interface PatternEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  /** Edge properties to match besides label and deletion (template relationship properties). */
  readonly filter: Readonly<Record<string, unknown>>;
  readonly negative: boolean;
}

/** The pattern of one and-clause. */
export interface PatternGraph {
  readonly vertices: ReadonlyMap<string, PatternVertex>;
  readonly edges: readonly PatternEdge[];
  /** The pattern edges touching each pattern vertex. */
  readonly edgesByVertex: ReadonlyMap<string, readonly PatternEdge[]>;
}

/** A match: pattern vertex id to graph vertex. Vertices behind negative edges are absent. */
export type PatternMatch = ReadonlyMap<string, Vertex>;

/** The starting binding of a match: a pattern vertex bound to a graph vertex, or an edge to an edge. */
export type MatchAnchor =
  | { readonly kind: "vertex"; readonly patternVertexId: string; readonly vertex: Vertex }
  | { readonly kind: "edge"; readonly patternEdge: PatternEdge; readonly edge: Edge };

const DELETION_KEYS: ReadonlySet<string> = new Set(["vitrage_is_deleted"]);

/** Builds a pattern from its vertices and edges. */
export function createPatternGraph(
  vertices: readonly PatternVertex[],
  edges: readonly PatternEdge[],
): PatternGraph {
  const vertexMap = new Map(vertices.map((vertex) => [vertex.id, vertex]));
  const edgesByVertex = new Map<string, PatternEdge[]>();
  for (const vertex of vertices) {
    edgesByVertex.set(vertex.id, []);
  }
  for (const edge of edges) {
    edgesByVertex.get(edge.source)?.push(edge);
    if (edge.target !== edge.source) {
      edgesByVertex.get(edge.target)?.push(edge);
    }
  }
  return { vertices: vertexMap, edges, edgesByVertex };
}

/**
 * Finds every match of `pattern` that contains the anchor. The anchor itself is not checked: a
 * vertex anchor may be the state before a change, and an edge anchor binds the edge's two ends
 * (which must not be placeholders) whatever its own state.
 */
export function matchPattern(
  graph: EntityGraphReader,
  pattern: PatternGraph,
  anchor: MatchAnchor,
): PatternMatch[] {
  const initial = bindAnchor(graph, pattern, anchor);
  if (initial === undefined) {
    return [];
  }
  const skippedEdge = anchor.kind === "edge" ? anchor.patternEdge : undefined;
  if (!boundEdgesHold(graph, pattern, initial, skippedEdge)) {
    return [];
  }

  const results = new Map<string, PatternMatch>();
  const stack: Binding[] = [initial];
  while (stack.length > 0) {
    const binding = stack.pop() as Binding;
    if (binding.mapped.size === pattern.vertices.size) {
      addResult(results, binding);
      continue;
    }
    stack.push(...expand(graph, pattern, binding));
  }
  return [...results.values()];
}

interface Binding {
  /** Pattern vertex id to graph vertex, or null for a vertex reached only by negative edges. */
  readonly mapped: ReadonlyMap<string, Vertex | null>;
  readonly used: ReadonlySet<string>;
}

function bindAnchor(
  graph: EntityGraphReader,
  pattern: PatternGraph,
  anchor: MatchAnchor,
): Binding | undefined {
  if (anchor.kind === "vertex") {
    if (!pattern.vertices.has(anchor.patternVertexId)) {
      return undefined;
    }
    return {
      mapped: new Map([[anchor.patternVertexId, anchor.vertex]]),
      used: new Set([anchor.vertex.vitrage_id]),
    };
  }

  const source = graph.getVertex(anchor.edge.source_id);
  const target = graph.getVertex(anchor.edge.target_id);
  if (source === undefined || target === undefined) {
    return undefined;
  }
  if (source.vitrage_is_placeholder || target.vitrage_is_placeholder) {
    return undefined;
  }
  const { source: sourceId, target: targetId } = anchor.patternEdge;
  if (sourceId === targetId) {
    return source.vitrage_id === target.vitrage_id
      ? { mapped: new Map([[sourceId, source]]), used: new Set([source.vitrage_id]) }
      : undefined;
  }
  if (source.vitrage_id === target.vitrage_id) {
    return undefined;
  }
  return {
    mapped: new Map([
      [sourceId, source],
      [targetId, target],
    ]),
    used: new Set([source.vitrage_id, target.vitrage_id]),
  };
}

function boundEdgesHold(
  graph: EntityGraphReader,
  pattern: PatternGraph,
  binding: Binding,
  skippedEdge: PatternEdge | undefined,
): boolean {
  for (const edge of pattern.edges) {
    if (edge === skippedEdge) {
      continue;
    }
    const source = binding.mapped.get(edge.source);
    const target = binding.mapped.get(edge.target);
    if (!source || !target) {
      continue;
    }
    if (!edgeConstraintHolds(graph, edge, source, target)) {
      return false;
    }
  }
  return true;
}

/** Returns the bindings that map one more pattern vertex. */
function expand(graph: EntityGraphReader, pattern: PatternGraph, binding: Binding): Binding[] {
  const next = chooseNextVertex(pattern, binding);
  if (next === undefined) {
    return [];
  }
  const { vertex, positive, negative } = next;
  if (positive.length === 0) {
    return bindNegativeOnly(graph, binding, vertex, negative);
  }

  const expansions: Binding[] = [];
  for (const candidate of positiveCandidates(graph, binding, vertex, positive[0] as PatternEdge)) {
    const extended = withMapping(binding, vertex.id, candidate);
    const holds = [...positive, ...negative].every((edge) =>
      edgeConstraintHolds(
        graph,
        edge,
        extended.mapped.get(edge.source) as Vertex,
        extended.mapped.get(edge.target) as Vertex,
      ),
    );
    if (holds) {
      expansions.push(extended);
    }
  }
  return expansions;
}

interface NextVertex {
  vertex: PatternVertex;
  positive: PatternEdge[];
  negative: PatternEdge[];
}

/**
 * Chooses an unmapped pattern vertex next to a mapped one, preferring one joined by a positive
 * edge, so negative checks run once the positive part is bound.
 */
function chooseNextVertex(pattern: PatternGraph, binding: Binding): NextVertex | undefined {
  let negativeOnly: NextVertex | undefined;
  for (const vertex of pattern.vertices.values()) {
    if (binding.mapped.has(vertex.id)) {
      continue;
    }
    const positive: PatternEdge[] = [];
    const negative: PatternEdge[] = [];
    for (const edge of pattern.edgesByVertex.get(vertex.id) ?? []) {
      const other = edge.source === vertex.id ? edge.target : edge.source;
      if (!binding.mapped.get(other)) {
        continue;
      }
      (edge.negative ? negative : positive).push(edge);
    }
    if (positive.length > 0) {
      return { vertex, positive, negative };
    }
    if (negative.length > 0 && negativeOnly === undefined) {
      negativeOnly = { vertex, positive, negative };
    }
  }
  return negativeOnly;
}

function bindNegativeOnly(
  graph: EntityGraphReader,
  binding: Binding,
  vertex: PatternVertex,
  negative: readonly PatternEdge[],
): Binding[] {
  for (const edge of negative) {
    const otherId = edge.source === vertex.id ? edge.target : edge.source;
    const other = binding.mapped.get(otherId) as Vertex;
    const candidates = graph.neighbors(other.vitrage_id, {
      vertexFilter: (neighbor) =>
        !binding.used.has(neighbor.vitrage_id) && matchesFilter(neighbor, vertex.filter),
    });
    for (const candidate of candidates) {
      const [source, target] = edge.source === vertex.id ? [candidate, other] : [other, candidate];
      if (!edgeConstraintHolds(graph, edge, source, target)) {
        return [];
      }
    }
  }
  return [withMapping(binding, vertex.id, null)];
}

function positiveCandidates(
  graph: EntityGraphReader,
  binding: Binding,
  vertex: PatternVertex,
  edge: PatternEdge,
): Vertex[] {
  const outgoing = edge.target === vertex.id;
  const anchorId = outgoing ? edge.source : edge.target;
  const anchor = binding.mapped.get(anchorId) as Vertex;
  const seen = new Set<string>();
  return graph.neighbors(anchor.vitrage_id, {
    direction: outgoing ? "out" : "in",
    edgeFilter: (graphEdge) => graphEdge.relationship_type === edge.label,
    vertexFilter: (neighbor) => {
      if (binding.used.has(neighbor.vitrage_id) || seen.has(neighbor.vitrage_id)) {
        return false;
      }
      seen.add(neighbor.vitrage_id);
      return matchesFilter(neighbor, vertex.filter);
    },
  });
}

function edgeConstraintHolds(
  graph: EntityGraphReader,
  edge: PatternEdge,
  source: Vertex,
  target: Vertex,
): boolean {
  const found = graph.getEdge(source.vitrage_id, target.vitrage_id, edge.label);
  const present =
    found !== undefined &&
    !found.vitrage_is_deleted &&
    matchesFilter(found, edge.filter, DELETION_KEYS);
  return edge.negative ? !present : present;
}

function withMapping(binding: Binding, patternVertexId: string, vertex: Vertex | null): Binding {
  const mapped = new Map(binding.mapped);
  mapped.set(patternVertexId, vertex);
  if (vertex === null) {
    return { mapped, used: binding.used };
  }
  const used = new Set(binding.used);
  used.add(vertex.vitrage_id);
  return { mapped, used };
}

function addResult(results: Map<string, PatternMatch>, binding: Binding): void {
  const match = new Map<string, Vertex>();
  for (const [patternVertexId, vertex] of binding.mapped) {
    if (vertex !== null) {
      match.set(patternVertexId, vertex);
    }
  }
  const signature = [...match.entries()]
    .map(([patternVertexId, vertex]) => `${patternVertexId}=${vertex.vitrage_id}`)
    .sort()
    .join(",");
  results.set(signature, match);
}
