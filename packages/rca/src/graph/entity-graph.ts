/**
 * The entity graph on graphology: a directed multigraph keyed by vitrage_id, with at most one
 * edge per (source, label, target), plus indexes by type, category, datasource, (type, id) and
 * (type, name).
 *
 * @module
 */
import { MultiDirectedGraph } from "graphology";
import { compileGraphQuery } from "./graph-query.js";
import type {
  Direction,
  Edge,
  ElementPredicate,
  EntityCategoryName,
  EntityGraph,
  GraphChange,
  GraphListener,
  GraphQuery,
  NeighborOptions,
  SubGraph,
  TraverseOptions,
  Vertex,
} from "./graph-types.js";

const KEY_SEPARATOR = "\u001f";

/** Raised when an edge refers to a vertex that is not in the graph. */
export class GraphElementNotFoundError extends Error {
  readonly code = "graph_element_not_found";

  constructor(message: string) {
    super(message);
    this.name = "GraphElementNotFoundError";
  }
}

/** Creates an empty entity graph. */
export function createEntityGraph(): EntityGraph {
  return new GraphologyEntityGraph();
}

/** Builds the graphology key of the edge (source, label, target). */
export function edgeKey(sourceId: string, targetId: string, label: string): string {
  return `${sourceId}${KEY_SEPARATOR}${label}${KEY_SEPARATOR}${targetId}`;
}

class SetIndex {
  private readonly sets = new Map<string, Set<string>>();

  add(key: string | undefined, vitrageId: string): void {
    if (key === undefined) {
      return;
    }
    let members = this.sets.get(key);
    if (members === undefined) {
      members = new Set();
      this.sets.set(key, members);
    }
    members.add(vitrageId);
  }

  delete(key: string | undefined, vitrageId: string): void {
    if (key === undefined) {
      return;
    }
    const members = this.sets.get(key);
    members?.delete(vitrageId);
    if (members?.size === 0) {
      this.sets.delete(key);
    }
  }

  get(key: string): ReadonlySet<string> {
    return this.sets.get(key) ?? EMPTY_SET;
  }

  clear(): void {
    this.sets.clear();
  }
}

const EMPTY_SET: ReadonlySet<string> = new Set();

/**
 * An index whose keys mostly hold one member (vertex names): a single member is stored as the
 * string itself, so a graph of unique names allocates no set per vertex.
 */
class SparseIndex {
  private readonly entries = new Map<string, string | Set<string>>();

  add(key: string, vitrageId: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, vitrageId);
    } else if (typeof entry === "string") {
      if (entry !== vitrageId) {
        this.entries.set(key, new Set([entry, vitrageId]));
      }
    } else {
      entry.add(vitrageId);
    }
  }

  delete(key: string, vitrageId: string): void {
    const entry = this.entries.get(key);
    if (entry === vitrageId) {
      this.entries.delete(key);
    } else if (typeof entry === "object") {
      entry.delete(vitrageId);
      if (entry.size === 1) {
        this.entries.set(key, entry.values().next().value as string);
      }
    }
  }

  get(key: string): ReadonlySet<string> {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return EMPTY_SET;
    }
    return typeof entry === "string" ? new Set([entry]) : entry;
  }

  clear(): void {
    this.entries.clear();
  }
}

class GraphologyEntityGraph implements EntityGraph {
  private readonly graph = new MultiDirectedGraph<Vertex, Edge>({ allowSelfLoops: true });
  private readonly byType = new SetIndex();
  private readonly byCategory = new SetIndex();
  private readonly byDatasource = new SetIndex();
  private readonly byName = new SparseIndex();
  private readonly byEntityId = new Map<string, string>();
  private listeners: GraphListener[] = [];

  get vertexCount(): number {
    return this.graph.order;
  }

  get edgeCount(): number {
    return this.graph.size;
  }

  getVertex(vitrageId: string): Vertex | undefined {
    return this.graph.hasNode(vitrageId) ? this.graph.getNodeAttributes(vitrageId) : undefined;
  }

  findVertex(vitrageType: string, id: string): Vertex | undefined {
    const vitrageId = this.byEntityId.get(entityKey(vitrageType, id));
    return vitrageId === undefined ? undefined : this.getVertex(vitrageId);
  }

  findVerticesByName(vitrageType: string, name: string): Vertex[] {
    return this.resolve(this.byName.get(entityKey(vitrageType, name)));
  }

  getEdge(sourceId: string, targetId: string, label: string): Edge | undefined {
    const key = edgeKey(sourceId, targetId, label);
    return this.graph.hasEdge(key) ? this.graph.getEdgeAttributes(key) : undefined;
  }

  vertices(selector: { category?: EntityCategoryName; type?: string } = {}): Vertex[] {
    if (selector.type !== undefined) {
      const ofType = this.resolve(this.byType.get(selector.type));
      return selector.category === undefined
        ? ofType
        : ofType.filter((vertex) => vertex.vitrage_category === selector.category);
    }
    if (selector.category !== undefined) {
      return this.resolve(this.byCategory.get(selector.category));
    }
    const all: Vertex[] = [];
    this.graph.forEachNode((_id, attributes) => {
      all.push(attributes);
    });
    return all;
  }

  verticesOfDatasource(datasourceName: string): Vertex[] {
    return this.resolve(this.byDatasource.get(datasourceName));
  }

  queryVertices(query?: GraphQuery): Vertex[] {
    if (query === undefined) {
      return this.vertices();
    }
    const predicate = compileGraphQuery(query);
    const matching: Vertex[] = [];
    this.graph.forEachNode((_id, attributes) => {
      if (predicate(attributes)) {
        matching.push(attributes);
      }
    });
    return matching;
  }

  edgesOf(
    vitrageId: string,
    direction: Direction = "both",
    filter?: ElementPredicate<Edge>,
  ): Edge[] {
    const edges: Edge[] = [];
    this.forEachEdgeOf(vitrageId, direction, (edge) => {
      if (filter === undefined || filter(edge)) {
        edges.push(edge);
      }
    });
    return edges;
  }

  neighbors(vitrageId: string, options: NeighborOptions = {}): Vertex[] {
    const { direction = "both", vertexFilter, edgeFilter } = options;
    const found: Vertex[] = [];
    this.forEachEdgeOf(vitrageId, direction, (edge, neighbor) => {
      if (edgeFilter !== undefined && !edgeFilter(edge)) {
        return;
      }
      if (vertexFilter === undefined || vertexFilter(neighbor)) {
        found.push(neighbor);
      }
    });
    return found;
  }

  traverse(rootId: string, options: TraverseOptions = {}): SubGraph {
    const { depth, direction = "both", vertexFilter, edgeFilter } = options;
    const root = this.getVertex(rootId);
    if (root === undefined || (vertexFilter !== undefined && !vertexFilter(root))) {
      return { vertices: [], edges: [] };
    }

    const vertices = new Map<string, Vertex>([[rootId, root]]);
    // The graph stores one object per edge, so a set of edge objects has no duplicate edges.
    const edges = new Set<Edge>();
    const visited = new Set<string>();
    const queue: [string, number][] = [[rootId, 0]];
    for (let index = 0; index < queue.length; index++) {
      const [vertexId, level] = queue[index] as [string, number];
      if (visited.has(vertexId) || (depth !== undefined && depth > 0 && level >= depth)) {
        continue;
      }
      visited.add(vertexId);
      this.forEachEdgeOf(vertexId, direction, (edge, neighbor) => {
        if (edgeFilter !== undefined && !edgeFilter(edge)) {
          return;
        }
        if (vertexFilter !== undefined && !vertexFilter(neighbor)) {
          return;
        }
        vertices.set(neighbor.vitrage_id, neighbor);
        edges.add(edge);
        queue.push([neighbor.vitrage_id, level + 1]);
      });
    }
    return { vertices: [...vertices.values()], edges: [...edges] };
  }

  inducedSubgraph(vitrageIds: Iterable<string>, edgeFilter?: ElementPredicate<Edge>): SubGraph {
    const members = new Set<string>();
    const vertices: Vertex[] = [];
    for (const vitrageId of vitrageIds) {
      const vertex = this.getVertex(vitrageId);
      if (vertex !== undefined && !members.has(vitrageId)) {
        members.add(vitrageId);
        vertices.push(vertex);
      }
    }
    return { vertices, edges: this.edgesAmong(members, edgeFilter) };
  }

  querySubgraph(query: GraphQuery, edgeFilter?: ElementPredicate<Edge>): SubGraph {
    const predicate = compileGraphQuery(query);
    const members = new Set<string>();
    const vertices: Vertex[] = [];
    this.graph.forEachNode((vitrageId, vertex) => {
      if (predicate(vertex)) {
        members.add(vitrageId);
        vertices.push(vertex);
      }
    });
    return { vertices, edges: this.edgesAmong(members, edgeFilter) };
  }

  shortestPathsFrom(rootId: string): Map<string, string[]> {
    const parents = this.shortestPathParents(rootId);
    const paths = new Map<string, string[]>();
    for (const [vertexId, parent] of parents) {
      paths.set(vertexId, parent === null ? [vertexId] : [...(paths.get(parent) ?? []), vertexId]);
    }
    return paths;
  }

  shortestPathParents(rootId: string): Map<string, string | null> {
    const parents = new Map<string, string | null>();
    if (!this.graph.hasNode(rootId)) {
      return parents;
    }
    parents.set(rootId, null);
    const queue = [rootId];
    for (let index = 0; index < queue.length; index++) {
      const vertexId = queue[index] as string;
      this.graph.forEachOutNeighbor(vertexId, (neighborId) => {
        if (!parents.has(neighborId)) {
          parents.set(neighborId, vertexId);
          queue.push(neighborId);
        }
      });
    }
    return parents;
  }

  subscribe(listener: GraphListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((registered) => registered !== listener);
    };
  }

  updateVertex(
    vitrageId: string,
    changes: Readonly<Record<string, unknown>>,
    overwrite = true,
  ): Vertex {
    const before = this.getVertex(vitrageId);
    if (before !== undefined && !changesAnything(before, changes, overwrite)) {
      return before;
    }
    const current = mergeProperties(before, changes, overwrite, {
      vitrage_id: vitrageId,
      vitrage_is_deleted: false,
      vitrage_is_placeholder: false,
    }) as unknown as Vertex;

    if (before === undefined) {
      this.graph.addNode(vitrageId, current);
      this.index(current);
    } else {
      this.graph.replaceNodeAttributes(vitrageId, current);
      if (indexedFieldsDiffer(before, current)) {
        this.unindex(before);
        this.index(current);
      }
    }
    this.notify({ kind: "vertex", before, current });
    return current;
  }

  removeVertex(vitrageId: string): void {
    const before = this.getVertex(vitrageId);
    if (before === undefined) {
      return;
    }
    this.graph.dropNode(vitrageId);
    this.unindex(before);
    this.notify({ kind: "vertex", before, current: undefined });
  }

  updateEdge(
    sourceId: string,
    targetId: string,
    label: string,
    changes: Readonly<Record<string, unknown>> = {},
  ): Edge {
    if (!this.graph.hasNode(sourceId) || !this.graph.hasNode(targetId)) {
      throw new GraphElementNotFoundError(
        `cannot add edge ${sourceId} -[${label}]-> ${targetId}: a vertex is missing`,
      );
    }
    const key = edgeKey(sourceId, targetId, label);
    const before = this.graph.hasEdge(key) ? this.graph.getEdgeAttributes(key) : undefined;
    const current = mergeProperties(before, changes, true, {
      source_id: sourceId,
      target_id: targetId,
      relationship_type: label,
      vitrage_is_deleted: false,
    }) as unknown as Edge;

    if (before === undefined) {
      this.graph.addDirectedEdgeWithKey(key, sourceId, targetId, current);
    } else {
      this.graph.replaceEdgeAttributes(key, current);
    }
    this.notify({ kind: "edge", before, current });
    return current;
  }

  removeEdge(sourceId: string, targetId: string, label: string): void {
    const key = edgeKey(sourceId, targetId, label);
    if (!this.graph.hasEdge(key)) {
      return;
    }
    const before = this.graph.getEdgeAttributes(key);
    this.graph.dropEdge(key);
    this.notify({ kind: "edge", before, current: undefined });
  }

  clear(): void {
    this.graph.clear();
    this.byType.clear();
    this.byCategory.clear();
    this.byDatasource.clear();
    this.byName.clear();
    this.byEntityId.clear();
  }

  private forEachEdgeOf(
    vitrageId: string,
    direction: Direction,
    callback: (edge: Edge, neighbor: Vertex) => void,
  ): void {
    if (!this.graph.hasNode(vitrageId)) {
      return;
    }
    if (direction !== "out") {
      this.graph.forEachInEdge(vitrageId, (_key, edge, _source, _target, sourceVertex) => {
        callback(edge, sourceVertex);
      });
    }
    if (direction !== "in") {
      this.graph.forEachOutEdge(vitrageId, (_key, edge, _source, _target, _sv, targetVertex) => {
        callback(edge, targetVertex);
      });
    }
  }

  /** Returns the out-edges of the members, in member order, whose target is also a member. */
  private edgesAmong(members: ReadonlySet<string>, edgeFilter?: ElementPredicate<Edge>): Edge[] {
    const edges: Edge[] = [];
    for (const vitrageId of members) {
      this.graph.forEachOutEdge(vitrageId, (_key, edge, _source, target) => {
        if (members.has(target) && (edgeFilter === undefined || edgeFilter(edge))) {
          edges.push(edge);
        }
      });
    }
    return edges;
  }

  private resolve(vitrageIds: ReadonlySet<string>): Vertex[] {
    const resolved: Vertex[] = [];
    for (const vitrageId of vitrageIds) {
      resolved.push(this.graph.getNodeAttributes(vitrageId));
    }
    return resolved;
  }

  private index(vertex: Vertex): void {
    const vitrageId = vertex.vitrage_id;
    this.byType.add(vertex.vitrage_type, vitrageId);
    this.byCategory.add(vertex.vitrage_category, vitrageId);
    this.byDatasource.add(vertex.vitrage_datasource_name, vitrageId);
    if (vertex.vitrage_is_deleted || vertex.vitrage_type === undefined) {
      return;
    }
    if (vertex.id !== undefined) {
      this.byEntityId.set(entityKey(vertex.vitrage_type, String(vertex.id)), vitrageId);
    }
    if (vertex.name !== undefined) {
      this.byName.add(entityKey(vertex.vitrage_type, String(vertex.name)), vitrageId);
    }
  }

  private unindex(vertex: Vertex): void {
    const vitrageId = vertex.vitrage_id;
    this.byType.delete(vertex.vitrage_type, vitrageId);
    this.byCategory.delete(vertex.vitrage_category, vitrageId);
    this.byDatasource.delete(vertex.vitrage_datasource_name, vitrageId);
    if (vertex.vitrage_type === undefined) {
      return;
    }
    if (vertex.id !== undefined) {
      const key = entityKey(vertex.vitrage_type, String(vertex.id));
      if (this.byEntityId.get(key) === vitrageId) {
        this.byEntityId.delete(key);
      }
    }
    if (vertex.name !== undefined) {
      this.byName.delete(entityKey(vertex.vitrage_type, String(vertex.name)), vitrageId);
    }
  }

  private notify(change: GraphChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }
}

/**
 * Builds the next version of an element without mutating the stored one: the stored properties
 * in their order, then new ones. A `null` or `undefined` change removes the property; with
 * `overwrite` false an existing property keeps its value. Properties are never deleted from an
 * object, because V8 turns objects with deleted properties into slow dictionaries.
 */
function mergeProperties(
  before: Readonly<Record<string, unknown>> | undefined,
  changes: Readonly<Record<string, unknown>>,
  overwrite: boolean,
  identity: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const base = before ?? identity;
  for (const key in base) {
    if (!(key in changes)) {
      merged[key] = base[key];
      continue;
    }
    const value = changes[key];
    if (value !== undefined && value !== null) {
      merged[key] = overwrite || before === undefined ? value : base[key];
    }
  }
  for (const key in changes) {
    const value = changes[key];
    if (value !== undefined && value !== null && !(key in base)) {
      merged[key] = value;
    }
  }
  for (const key in identity) {
    if (key !== "vitrage_is_deleted" && key !== "vitrage_is_placeholder") {
      merged[key] = identity[key];
    }
  }
  return merged;
}

/** Returns true when merging `changes` into `before` would change any property. */
function changesAnything(
  before: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
  overwrite: boolean,
): boolean {
  for (const key in changes) {
    const value = changes[key];
    if (value === undefined || value === null) {
      if (key in before) {
        return true;
      }
    } else if (!(key in before) || (overwrite && before[key] !== value)) {
      return true;
    }
  }
  return false;
}

const INDEXED_FIELDS = [
  "vitrage_type",
  "vitrage_category",
  "vitrage_datasource_name",
  "vitrage_is_deleted",
  "id",
  "name",
] as const;

function indexedFieldsDiffer(before: Vertex, current: Vertex): boolean {
  return INDEXED_FIELDS.some((field) => before[field] !== current[field]);
}

function entityKey(vitrageType: string, id: string): string {
  return `${vitrageType}${KEY_SEPARATOR}${id}`;
}
