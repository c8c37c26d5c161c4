/**
 * The operations the processor applies to the graph. Datasource events and evaluator actions
 * are both turned into these.
 *
 * @module
 */

/** Vertex properties to write; `vitrage_id` names the vertex. */
export type VertexDraft = Readonly<Record<string, unknown>> & { readonly vitrage_id: string };

/** A neighbour of an entity and the edge that joins them. */
export interface NeighborDraft {
  readonly vertex: VertexDraft;
  readonly edge: EdgeDraft;
}

/** An edge to write. */
export interface EdgeDraft {
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** Creates or updates an entity and its neighbours (upstream's update_entity). */
export interface UpsertEntityOperation {
  readonly kind: "upsert_entity";
  readonly vertex: VertexDraft;
  readonly neighbors: readonly NeighborDraft[];
}

/** Marks an entity and its edges deleted (upstream's delete_entity). */
export interface DeleteEntityOperation {
  readonly kind: "delete_entity";
  readonly vitrageId: string;
  /** When the deletion was observed; an older observation than the vertex's is ignored. */
  readonly sampleTimestamp: string;
}

/** Removes a vertex that was marked deleted (upstream's remove_deleted_entity). */
export interface RemoveDeletedEntityOperation {
  readonly kind: "remove_deleted_entity";
  readonly vitrageId: string;
}

/** Writes properties of an existing vertex: a template's state or mark-down. */
export interface UpdateVertexOperation {
  readonly kind: "update_vertex";
  readonly vitrageId: string;
  /** Properties to write; null removes one. */
  readonly changes: Readonly<Record<string, unknown>>;
}

/** Raises (or re-raises with a new severity) a deduced alarm on a resource. */
export interface RaiseDeducedAlarmOperation {
  readonly kind: "raise_deduced_alarm";
  readonly alarmName: string;
  readonly severity: string;
  readonly targetId: string;
  /** vitrage_id of the alarm that causes this one (version 3 `causing_alarm`). */
  readonly causingAlarmId?: string;
}

/** Clears a deduced alarm. */
export interface ClearDeducedAlarmOperation {
  readonly kind: "clear_deduced_alarm";
  readonly alarmName: string;
  readonly targetId: string;
}

/** Adds an edge between existing vertices, or revives a deleted one. */
export interface AddRelationshipOperation {
  readonly kind: "add_relationship";
  readonly edge: EdgeDraft;
}

/** Marks an edge deleted. */
export interface DeleteRelationshipOperation {
  readonly kind: "delete_relationship";
  readonly edge: EdgeDraft;
}

/** Any graph operation. */
export type GraphOperation =
  | UpsertEntityOperation
  | DeleteEntityOperation
  | RemoveDeletedEntityOperation
  | UpdateVertexOperation
  | RaiseDeducedAlarmOperation
  | ClearDeducedAlarmOperation
  | AddRelationshipOperation
  | DeleteRelationshipOperation;
