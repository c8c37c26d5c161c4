/**
 * The entity graph's data model: vertex and edge property names, the categories and edge labels
 * Vitrage uses, and the read and write interfaces of the graph.
 *
 * Invariant: vertex and edge objects handed out by the graph are never mutated afterwards. Every
 * change stores a new object, so a reader may keep a reference as a snapshot, and a change
 * notification passes the old and the new object without copying.
 *
 * @module
 */

/** Vertex property names, spelled as upstream Vitrage spells them on the wire. */
export const VProps = {
  VITRAGE_ID: "vitrage_id",
  VITRAGE_TYPE: "vitrage_type",
  VITRAGE_CATEGORY: "vitrage_category",
  VITRAGE_STATE: "vitrage_state",
  VITRAGE_IS_DELETED: "vitrage_is_deleted",
  VITRAGE_IS_PLACEHOLDER: "vitrage_is_placeholder",
  VITRAGE_SAMPLE_TIMESTAMP: "vitrage_sample_timestamp",
  VITRAGE_AGGREGATED_STATE: "vitrage_aggregated_state",
  VITRAGE_OPERATIONAL_STATE: "vitrage_operational_state",
  VITRAGE_AGGREGATED_SEVERITY: "vitrage_aggregated_severity",
  VITRAGE_OPERATIONAL_SEVERITY: "vitrage_operational_severity",
  VITRAGE_RESOURCE_ID: "vitrage_resource_id",
  VITRAGE_RESOURCE_TYPE: "vitrage_resource_type",
  VITRAGE_RESOURCE_PROJECT_ID: "vitrage_resource_project_id",
  VITRAGE_CACHED_ID: "vitrage_cached_id",
  VITRAGE_DATASOURCE_NAME: "vitrage_datasource_name",
  IS_REAL_VITRAGE_ID: "is_real_vitrage_id",
  IS_MARKED_DOWN: "is_marked_down",
  ID: "id",
  NAME: "name",
  STATE: "state",
  SEVERITY: "severity",
  PROJECT_ID: "project_id",
  UPDATE_TIMESTAMP: "update_timestamp",
  RESOURCE_ID: "resource_id",
  RESOURCE: "resource",
  RAWTEXT: "rawtext",
  GRAPH_INDEX: "graph_index",
} as const;

/** Edge property names. */
export const EProps = {
  RELATIONSHIP_TYPE: "relationship_type",
  VITRAGE_IS_DELETED: "vitrage_is_deleted",
  UPDATE_TIMESTAMP: "update_timestamp",
  SOURCE_ID: "source_id",
  TARGET_ID: "target_id",
} as const;

/**
 * The edge labels upstream defines. Datasources may use other labels too. Direction: container
 * to contained, alarm to resource (`on`), cause to effect (`causes`), volume or port to instance
 * (`attached`).
 */
export const EdgeLabel = {
  ON: "on",
  CONTAINS: "contains",
  CAUSES: "causes",
  ATTACHED: "attached",
  ATTACHED_PUBLIC: "attached_public",
  ATTACHED_PRIVATE: "attached_private",
  CONNECT: "connect",
  MANAGED_BY: "managed_by",
  COMPRISED: "comprised",
} as const;

/** Vertex categories. */
export const EntityCategory = {
  RESOURCE: "RESOURCE",
  ALARM: "ALARM",
} as const;

/** `RESOURCE` or `ALARM`. */
export type EntityCategoryName = (typeof EntityCategory)[keyof typeof EntityCategory];

/** The vitrage_type of the synthetic cluster vertex that is the default topology root. */
export const OPENSTACK_CLUSTER_TYPE = "openstack.cluster";

/** The id of the synthetic cluster vertex. */
export const OPENSTACK_CLUSTER_ID = "OpenStack Cluster";

/** The vitrage_type of alarms the evaluator deduces (raise_alarm). */
export const DEDUCED_ALARM_TYPE = "vitrage";

/** Alarm `state` values. */
export const AlarmState = {
  ACTIVE: "Active",
  INACTIVE: "Inactive",
} as const;

/**
 * A vertex: the properties of one entity. Properties beyond the named ones come from the
 * datasource (for example `rawtext`, `host_id`, `info`).
 */
export interface Vertex {
  /** UUID that identifies the vertex in the graph and in the API. */
  readonly vitrage_id: string;
  readonly vitrage_type?: string;
  readonly vitrage_category?: EntityCategoryName;
  /** The datasource's own id of the entity. */
  readonly id?: string;
  readonly name?: string;
  /** The raw state reported by the datasource (resources; `Active`/`Inactive` for alarms). */
  readonly state?: string;
  /** The raw severity reported by the datasource (alarms). */
  readonly severity?: string;
  /** The state a template's set_state action gives the resource. */
  readonly vitrage_state?: string;
  readonly vitrage_operational_state?: string;
  readonly vitrage_aggregated_state?: string;
  readonly vitrage_operational_severity?: string;
  readonly vitrage_aggregated_severity?: string;
  readonly vitrage_is_deleted: boolean;
  readonly vitrage_is_placeholder: boolean;
  /** When the datasource observed the entity, as `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly vitrage_sample_timestamp?: string;
  /** When the entity last changed at its source, as `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly update_timestamp?: string;
  readonly project_id?: string;
  readonly vitrage_datasource_name?: string;
  /** MD5 of the entity key (category, type and id), as upstream stores it. */
  readonly vitrage_cached_id?: string;
  readonly is_real_vitrage_id?: boolean;
  readonly is_marked_down?: boolean;
  /** For alarms: the vitrage_id, type and project of the resource the alarm is on. */
  readonly vitrage_resource_id?: string;
  readonly vitrage_resource_type?: string;
  readonly vitrage_resource_project_id?: string;
  readonly [property: string]: unknown;
}

/**
 * An edge. There is at most one edge per (source, target, relationship_type): the graph is a
 * directed multigraph keyed by the label.
 */
export interface Edge {
  readonly source_id: string;
  readonly target_id: string;
  readonly relationship_type: string;
  readonly vitrage_is_deleted: boolean;
  readonly update_timestamp?: string;
  readonly [property: string]: unknown;
}

/** One change of the graph: the element before and after it. */
export type GraphChange =
  | { readonly kind: "vertex"; readonly before?: Vertex; readonly current?: Vertex }
  | { readonly kind: "edge"; readonly before?: Edge; readonly current?: Edge };

/** Receives every graph change synchronously, in the order the changes happen. */
export type GraphListener = (change: GraphChange) => void;

/** Edge direction to follow from a vertex. */
export type Direction = "in" | "out" | "both";

/**
 * A query over element properties in upstream's JSON form, as `vitrage topology show --filter`
 * sends it: `{"==": {field: value}}` (also `!=`, `<`, `<=`, `>`, `>=`, and several fields under one
 * operator are and-ed), `{"and": [...]}`, `{"or": [...]}`. A field that is absent compares as
 * `null`.
 */
export type GraphQuery =
  | { readonly and: readonly GraphQuery[] }
  | { readonly or: readonly GraphQuery[] }
  | { readonly [operator: string]: Readonly<Record<string, unknown>> | readonly GraphQuery[] };

/** A predicate over vertices or edges. */
export type ElementPredicate<T> = (element: T) => boolean;

/** Vertices and the edges among them, as topology queries return them. */
export interface SubGraph {
  readonly vertices: readonly Vertex[];
  readonly edges: readonly Edge[];
}

/** Options of {@link EntityGraphReader.neighbors}. */
export interface NeighborOptions {
  direction?: Direction;
  vertexFilter?: ElementPredicate<Vertex>;
  edgeFilter?: ElementPredicate<Edge>;
}

/** Options of {@link EntityGraphReader.traverse}. */
export interface TraverseOptions {
  /** Levels to expand from the root; `undefined` or 0 expands without limit. */
  depth?: number;
  direction?: Direction;
  vertexFilter?: ElementPredicate<Vertex>;
  edgeFilter?: ElementPredicate<Edge>;
}

/** Read access to the entity graph, for the API and the evaluator. */
export interface EntityGraphReader {
  readonly vertexCount: number;
  readonly edgeCount: number;

  /** Returns the vertex with this vitrage_id. */
  getVertex(vitrageId: string): Vertex | undefined;

  /**
   * Returns the vertex a datasource identifies as (vitrage_type, id), skipping deleted vertices.
   * Placeholders are included.
   */
  findVertex(vitrageType: string, id: string): Vertex | undefined;

  /** Returns the vertices of this type with this name that are not deleted. */
  findVerticesByName(vitrageType: string, name: string): Vertex[];

  /** Returns the edge (source, target, label). */
  getEdge(sourceId: string, targetId: string, label: string): Edge | undefined;

  /** Returns every vertex, or those of one category or one type (both indexed). */
  vertices(selector?: { category?: EntityCategoryName; type?: string }): Vertex[];

  /** Returns the vertices one datasource reported (indexed by vitrage_datasource_name). */
  verticesOfDatasource(datasourceName: string): Vertex[];

  /** Returns the vertices that match an upstream JSON query; every vertex without one. */
  queryVertices(query?: GraphQuery): Vertex[];

  /** Returns the edges of a vertex. */
  edgesOf(vitrageId: string, direction?: Direction, filter?: ElementPredicate<Edge>): Edge[];

  /**
   * Returns the neighbours of a vertex over the edges that pass `edgeFilter`, once per connecting
   * edge (so a neighbour linked twice appears twice, as upstream returns it).
   */
  neighbors(vitrageId: string, options?: NeighborOptions): Vertex[];

  /**
   * Breadth-first traversal from a root: the root (when it passes `vertexFilter`), every vertex
   * reached over edges passing `edgeFilter` through vertices passing `vertexFilter`, and the
   * edges followed. Upstream's `graph_query_vertices`.
   */
  traverse(rootId: string, options?: TraverseOptions): SubGraph;

  /** Returns the given vertices and the edges among them that pass `edgeFilter`. */
  inducedSubgraph(vitrageIds: Iterable<string>, edgeFilter?: ElementPredicate<Edge>): SubGraph;

  /**
   * Returns the vertices that match a query, in graph order, and the edges among them that pass
   * `edgeFilter`: the same as `inducedSubgraph` of `queryVertices(query)`, in one pass.
   */
  querySubgraph(query: GraphQuery, edgeFilter?: ElementPredicate<Edge>): SubGraph;

  /**
   * Returns, for every vertex reachable from `rootId` along edge directions, one shortest path
   * (the list of vitrage_ids from the root to it, both included).
   */
  shortestPathsFrom(rootId: string): Map<string, string[]>;

  /**
   * Returns the same shortest paths as a map from each reachable vertex to the vertex before it
   * on its path (`null` for the root), in breadth-first order, without building every path.
   */
  shortestPathParents(rootId: string): Map<string, string | null>;

  /** Registers a listener for every later change; returns the function that removes it. */
  subscribe(listener: GraphListener): () => void;
}

/** Write access, used by the event processor only. */
export interface EntityGraph extends EntityGraphReader {
  /**
   * Merges `changes` into the vertex (creating it when absent). A key whose value is `undefined`
   * or `null` is removed. With `overwrite` false only keys the vertex lacks are added. A merge
   * that changes nothing stores nothing and notifies no listener.
   */
  updateVertex(
    vitrageId: string,
    changes: Readonly<Record<string, unknown>>,
    overwrite?: boolean,
  ): Vertex;

  /** Removes a vertex and its edges. */
  removeVertex(vitrageId: string): void;

  /** Merges `changes` into the edge (creating it when absent); `undefined`/`null` removes a key. */
  updateEdge(
    sourceId: string,
    targetId: string,
    label: string,
    changes?: Readonly<Record<string, unknown>>,
  ): Edge;

  /** Removes an edge. */
  removeEdge(sourceId: string, targetId: string, label: string): void;

  /** Removes every vertex and edge, without notifications. */
  clear(): void;
}
