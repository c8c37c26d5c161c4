/**
 * The contract between datasources and the core: the entity event format every datasource
 * produces, the {@link Datasource} module interface, and the {@link RcaCore} facade the service
 * wires up.
 *
 * @module
 */
import type { Logger } from "@openstack-ts/kernel";
import type { ActiveActionStore, RcaNotificationListener } from "../evaluator/evaluator-types.js";
import type { EntityCategoryName, EntityGraphReader } from "../graph/graph-types.js";
import type { TemplateService, TemplateStore } from "../templates/template-service.js";

/**
 * The change an entity event reports.
 *
 * - `snapshot`: the entity is part of a full listing of the datasource (see
 *   {@link DatasourceSink.snapshot}).
 * - `update`: the entity was created or changed.
 * - `delete`: the entity is gone, or (for alarms) the alarm was cleared. The vertex and its edges
 *   are marked deleted.
 */
export type EntityAction = "snapshot" | "update" | "delete";

/**
 * A reference from an entity to a neighbour, which becomes an edge. When the neighbour is not in
 * the graph yet, a placeholder vertex (only type and id) represents it until its own event
 * arrives.
 */
export interface EntityRelationship {
  /** The edge label (`contains`, `on`, `attached`, `comprised`, ...). */
  relationshipType: string;
  /**
   * `outgoing` when the entity is the edge's source (host `contains` instance, alarm `on`
   * resource); `incoming` when the neighbour is.
   */
  direction: "outgoing" | "incoming";
  neighbor: NeighborReference;
}

/** A neighbour as an event names it. */
export interface NeighborReference {
  /** The neighbour's vitrage_type, such as `nova.host`. */
  type: string;
  /**
   * The neighbour's datasource id. When omitted, `name` must be given: the processor resolves
   * the neighbour to the one non-deleted vertex of `type` with that name (the Nagios and
   * Prometheus mappings name resources that way), and drops the relationship when none or several
   * match.
   */
  id?: string;
  name?: string;
  /** Defaults to `RESOURCE`. */
  category?: EntityCategoryName;
  /**
   * Properties the event carries about the neighbour (such as a host's state from a zone listing).
   * They are written to the neighbour's vertex when `placeholder` is false.
   */
  properties?: Record<string, unknown>;
  /**
   * True (the default) when the event only references the neighbour: a new vertex is created
   * as a placeholder, and an existing one is left unchanged.
   */
  placeholder?: boolean;
}

/**
 * One entity as a datasource reports it. The processor turns it into a vertex keyed by
 * (category, type, id) and edges to its neighbours.
 */
export interface EntityEvent {
  action: EntityAction;
  /** Name of the datasource that produced the event (`static`, `nova`, `nagios`, ...). */
  datasource: string;
  category: EntityCategoryName;
  /** The vitrage_type (`nova.instance`, `switch`, `nagios`, ...). */
  type: string;
  /** The datasource's id of the entity; unique within the type. */
  id: string;
  name?: string;
  /** Raw state of a resource, normalised through the state tables (`ACTIVE`, `available`). */
  state?: string;
  /** Raw severity of an alarm (`CRITICAL`, `WARNING`, ...). */
  severity?: string;
  projectId?: string;
  /**
   * When the datasource observed the entity: ISO-8601 (any precision) or a Date; defaults to
   * the time the processor receives the event. Events older than the stored vertex are ignored.
   */
  sampleTimestamp?: string | Date;
  /** When the entity changed at its source; defaults to the sample timestamp. */
  updateTimestamp?: string | Date;
  /** Further vertex properties (`rawtext`, `host_id`, `info`, ...), stored as given. */
  properties?: Record<string, unknown>;
  /**
   * The entity's neighbours. On `snapshot` and `update`, an existing edge to a neighbour of a
   * type listed here but no longer referenced is marked deleted (an instance that moved host
   * loses its old `contains` edge). Edges to neighbour types not listed are left alone.
   */
  relationships?: EntityRelationship[];
}

/** The queue a running datasource delivers events to. Both methods only append to it. */
export interface DatasourceSink {
  /** Queues changes, applied in order. */
  update(events: readonly EntityEvent[]): void;
  /**
   * Queues a full listing of the datasource. After it is applied, every vertex of this
   * datasource that the listing does not contain is marked deleted (when the datasource's
   * `deletesVanishedEntities` is true).
   */
  snapshot(events: readonly EntityEvent[]): void;
}

/**
 * A datasource module. Every datasource has this same small surface, so adding one touches no
 * other code: the service builds the list from its configuration and hands it to
 * {@link RcaCore.start}.
 */
export interface Datasource {
  /** Name written as `vitrage_datasource_name` on the vertices it reports. */
  readonly name: string;
  /**
   * Whether vertices of this datasource that are missing from a full listing are marked
   * deleted. True for pull datasources that list everything (static, Nagios); false for push
   * datasources whose listings are partial.
   */
  readonly deletesVanishedEntities: boolean;
  /** Returns the full current listing, used once at start before the evaluator is enabled. */
  getAll(): Promise<readonly EntityEvent[]>;
  /**
   * Starts delivering changes (push notifications, periodic pulls, periodic full listings) to
   * the sink. Called after every datasource's initial listing has been applied.
   */
  start(sink: DatasourceSink): Promise<void> | void;
  /** Stops delivering events and releases connections and timers. */
  stop(): Promise<void> | void;
}

/** The event processor: one ordered queue that applies events to the graph. */
export interface EventProcessor {
  /** Queues changes from a datasource or the API (`POST /v1/event`). */
  submit(events: readonly EntityEvent[]): void;
  /** Queues a full listing of one datasource; see {@link DatasourceSink.snapshot}. */
  submitSnapshot(datasource: Datasource | string, events: readonly EntityEvent[]): void;
  /** Resolves once the queue is empty and every queued event has been applied. */
  whenIdle(): Promise<void>;
  /** Number of events waiting. */
  readonly queueLength: number;
}

/**
 * The core of the RCA service: entity graph, event processor, evaluator and template service.
 * The API, datasources, persistence and notifiers use it through this interface.
 */
export interface RcaCore {
  /** The entity graph, read-only. */
  readonly graph: EntityGraphReader;
  readonly processor: EventProcessor;
  readonly templates: TemplateService;
  /**
   * True once the initial listings are applied and the evaluator has run over the graph; the
   * API reports `vitrage-graph is not ready` until then.
   */
  readonly ready: boolean;
  /**
   * Loads the stored templates, applies every datasource's initial listing with the evaluator
   * off, enables the evaluator and runs it over the whole graph (so `not` conditions do not fire
   * on a half-built graph), then starts the datasources.
   */
  start(datasources: readonly Datasource[]): Promise<void>;
  /** Stops the datasources and waits for the queue to drain. */
  stop(): Promise<void>;
  /** Registers a notification listener; returns the function that removes it. */
  onNotification(listener: RcaNotificationListener): () => void;
}

/** Dependencies and settings of {@link RcaCore}. */
export interface RcaCoreOptions {
  logger: Logger;
  /** Template storage: SQL in the service, memory in unit tests. */
  templateStore: TemplateStore;
  /**
   * Storage of active evaluator actions. Upstream clears them when the graph is built from
   * scratch, which is what {@link RcaCore.start} does.
   */
  activeActionStore?: ActiveActionStore;
  /** Folder of state normalisation tables; defaults to the tables shipped in src/states. */
  statesDirectory?: string;
  /**
   * The configured datasource types (upstream's `[datasources] types`). A type listed here that
   * has no state table gets `undefined datasource` as its operational state, as upstream does.
   */
  datasourceTypes?: readonly string[];
  /** Creates the `openstack.cluster` root vertex at start (upstream gets it from nova.zone). */
  createClusterVertex?: boolean;
  /** Seconds between consistency passes (removal of deleted vertices); 0 turns them off. */
  consistencyIntervalSeconds?: number;
  /** Seconds a deleted vertex stays in the graph before a consistency pass removes it. */
  deletedRetentionSeconds?: number;
  /** Clock for timestamps; tests pass a fixed one. */
  now?: () => Date;
}
