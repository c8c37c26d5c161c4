/**
 * Applies {@link GraphOperation}s to the entity graph with upstream's processor rules: events
 * older than the stored vertex are ignored, placeholders never overwrite real vertices' data,
 * deletion marks a vertex and its edges deleted and drops placeholders left without live edges,
 * an alarm records the resource it is on, and every written vertex gets its aggregated and
 * operational state or severity.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@openstack-ts/kernel";
import {
  AlarmState,
  DEDUCED_ALARM_TYPE,
  type Edge,
  EdgeLabel,
  EntityCategory,
  type EntityGraph,
  type Vertex,
} from "../graph/graph-types.js";
import type { StateNormaliser } from "../states/state-normaliser.js";
import type {
  EdgeDraft,
  GraphOperation,
  NeighborDraft,
  RaiseDeducedAlarmOperation,
  VertexDraft,
} from "./graph-operations.js";
import { formatTimestamp, md5Hex } from "./timestamps.js";

/** Dependencies of {@link GraphApplier}. */
export interface GraphApplierDependencies {
  graph: EntityGraph;
  normaliser: StateNormaliser;
  logger: Pick<Logger, "debug" | "warn">;
  now: () => Date;
}

/**
 * Applies graph operations; see the module documentation for the rules. An operation is consumed
 * by {@link GraphApplier.apply}: its drafts are completed in place and must not be reused.
 */
export class GraphApplier {
  private readonly deducedAlarmIds = new Map<string, string>();

  constructor(private readonly dependencies: GraphApplierDependencies) {}

  /** Applies one operation. */
  apply(operation: GraphOperation): void {
    switch (operation.kind) {
      case "upsert_entity":
        this.upsertEntity(operation.vertex, operation.neighbors);
        return;
      case "delete_entity":
        this.deleteEntity(operation.vitrageId, operation.sampleTimestamp);
        return;
      case "remove_deleted_entity":
        this.removeDeletedEntity(operation.vitrageId);
        return;
      case "update_vertex":
        this.updateVertex(operation.vitrageId, operation.changes);
        return;
      case "raise_deduced_alarm":
        this.raiseDeducedAlarm(operation);
        return;
      case "clear_deduced_alarm":
        this.clearDeducedAlarm(operation.alarmName, operation.targetId);
        return;
      case "add_relationship":
        this.addRelationship(operation.edge);
        return;
      case "delete_relationship":
        this.deleteRelationship(operation.edge);
        return;
    }
  }

  /** Returns the vitrage_id the deduced alarm `alarmName` on `targetId` has, if raised. */
  deducedAlarmId(alarmName: string, targetId: string): string | undefined {
    return this.deducedAlarmIds.get(deducedAlarmKey(alarmName, targetId));
  }

  /** Forgets every deduced alarm id, after the graph was cleared. */
  reset(): void {
    this.deducedAlarmIds.clear();
  }

  private get graph(): EntityGraph {
    return this.dependencies.graph;
  }

  private timestamp(): string {
    return formatTimestamp(this.dependencies.now());
  }

  private upsertEntity(draft: VertexDraft, neighbors: readonly NeighborDraft[]): void {
    const stored = this.graph.getVertex(draft.vitrage_id);
    if (stored !== undefined && !isNewer(stored, draft)) {
      this.dependencies.logger.debug(
        { vitrage_id: draft.vitrage_id, stored: stored.vitrage_sample_timestamp },
        "event older than the stored vertex ignored",
      );
      return;
    }
    const [vertex, enrichedNeighbors] = this.withResourceDetails(draft, neighbors);
    this.writeVertex(vertex, stored);
    this.updateNeighbors(vertex.vitrage_id, enrichedNeighbors);
  }

  private createEntity(draft: VertexDraft, neighbors: readonly NeighborDraft[]): void {
    const [vertex, enrichedNeighbors] = this.withResourceDetails(draft, neighbors);
    this.writeVertex(vertex, this.graph.getVertex(vertex.vitrage_id));
    this.connectNeighbors(enrichedNeighbors, new Set());
  }

  /**
   * Writes a vertex. A placeholder draft for a vertex that is real keeps it real (and deleted
   * if it was). A placeholder draft for a placeholder only adds missing properties.
   */
  private writeVertex(draft: VertexDraft, stored: Vertex | undefined): void {
    // Drafts belong to the operation being applied, so they are completed in place.
    const changes = draft as Record<string, unknown>;
    if (
      changes.vitrage_is_placeholder === true &&
      stored !== undefined &&
      !stored.vitrage_is_placeholder
    ) {
      changes.vitrage_is_placeholder = false;
      changes.vitrage_is_deleted = stored.vitrage_is_deleted;
    }
    const normalised = this.dependencies.normaliser.normalise(changes, stored);
    if (normalised !== undefined) {
      for (const key in normalised) {
        changes[key] = normalised[key];
      }
    }
    this.graph.updateVertex(draft.vitrage_id, changes, changes.vitrage_is_placeholder !== true);
  }

  /**
   * Marks deleted the edges to neighbours of the types the event lists but no longer
   * references, then writes the referenced neighbours and edges.
   */
  private updateNeighbors(vitrageId: string, neighbors: readonly NeighborDraft[]): void {
    const neighborTypes = new Set(neighbors.map((neighbor) => typeKey(neighbor.vertex)));
    const referenced = new Set(neighbors.map((neighbor) => draftKey(neighbor.edge)));
    const live = new Set<string>();
    for (const edge of this.graph.edgesOf(vitrageId)) {
      const otherId = edge.source_id === vitrageId ? edge.target_id : edge.source_id;
      const other = this.graph.getVertex(otherId);
      const key = edgeKeyOf(edge);
      if (other === undefined || !neighborTypes.has(typeKey(other))) {
        live.add(key);
      } else if (referenced.has(key)) {
        if (!edge.vitrage_is_deleted) {
          live.add(key);
        }
      } else {
        this.markEdgeDeleted(edge);
        this.removeOrphanPlaceholder(otherId);
      }
    }
    this.connectNeighbors(neighbors, live);
  }

  private connectNeighbors(
    neighbors: readonly NeighborDraft[],
    existing: ReadonlySet<string>,
  ): void {
    for (const { vertex, edge } of neighbors) {
      const stored = this.graph.getVertex(vertex.vitrage_id);
      if (stored?.vitrage_is_deleted) {
        continue;
      }
      if (stored === undefined || isNewer(stored, vertex)) {
        this.writeVertex(vertex, stored);
      }
      if (!existing.has(draftKey(edge))) {
        this.writeEdge(edge);
      }
    }
  }

  private writeEdge(edge: EdgeDraft): void {
    this.graph.updateEdge(edge.sourceId, edge.targetId, edge.label, {
      ...edge.properties,
      vitrage_is_deleted: false,
    });
  }

  private deleteEntity(vitrageId: string, sampleTimestamp: string): void {
    const stored = this.graph.getVertex(vitrageId);
    if (stored === undefined || stored.vitrage_is_deleted) {
      this.dependencies.logger.debug(
        { vitrage_id: vitrageId },
        "delete of a missing or deleted vertex ignored",
      );
      return;
    }
    if (!isNewer(stored, { vitrage_sample_timestamp: sampleTimestamp })) {
      this.dependencies.logger.debug(
        { vitrage_id: vitrageId },
        "delete older than the stored vertex ignored",
      );
      return;
    }
    const edges = this.graph.edgesOf(vitrageId);
    for (const edge of edges) {
      this.markEdgeDeleted(edge);
    }
    for (const edge of edges) {
      this.removeOrphanPlaceholder(edge.source_id === vitrageId ? edge.target_id : edge.source_id);
    }
    this.graph.updateVertex(vitrageId, {
      vitrage_is_deleted: true,
      vitrage_sample_timestamp: this.timestamp(),
    });
  }

  private removeDeletedEntity(vitrageId: string): void {
    if (this.graph.getVertex(vitrageId)?.vitrage_is_deleted) {
      this.graph.removeVertex(vitrageId);
    }
  }

  private updateVertex(vitrageId: string, changes: Readonly<Record<string, unknown>>): void {
    const stored = this.graph.getVertex(vitrageId);
    if (stored === undefined) {
      this.dependencies.logger.warn(
        { vitrage_id: vitrageId },
        "update of a vertex not in the graph ignored",
      );
      return;
    }
    this.writeVertex(
      {
        ...changes,
        vitrage_id: vitrageId,
        vitrage_is_placeholder: false,
        is_real_vitrage_id: true,
        update_timestamp: this.timestamp(),
      },
      stored,
    );
  }

  private raiseDeducedAlarm(operation: RaiseDeducedAlarmOperation): void {
    const target = this.graph.getVertex(operation.targetId);
    if (target === undefined) {
      this.dependencies.logger.warn(
        { target: operation.targetId, alarm: operation.alarmName },
        "deduced alarm on a vertex not in the graph ignored",
      );
      return;
    }
    const key = deducedAlarmKey(operation.alarmName, operation.targetId);
    const vitrageId = this.deducedAlarmIds.get(key) ?? randomUUID();
    this.deducedAlarmIds.set(key, vitrageId);

    const now = this.timestamp();
    const alarm: VertexDraft = {
      vitrage_id: vitrageId,
      vitrage_category: EntityCategory.ALARM,
      vitrage_type: DEDUCED_ALARM_TYPE,
      name: operation.alarmName,
      severity: operation.severity,
      state: AlarmState.ACTIVE,
      resource_id: operation.targetId,
      vitrage_sample_timestamp: now,
      update_timestamp: now,
      vitrage_is_deleted: false,
      vitrage_is_placeholder: false,
      vitrage_cached_id: md5Hex(
        `ALARM:${DEDUCED_ALARM_TYPE}:${operation.alarmName}:${operation.targetId}`,
      ),
      is_real_vitrage_id: true,
    };
    const neighbors: NeighborDraft[] = [
      {
        vertex: {
          vitrage_id: operation.targetId,
          vitrage_is_placeholder: true,
          vitrage_type: target.vitrage_type,
          vitrage_category: EntityCategory.RESOURCE,
          vitrage_sample_timestamp: now,
          update_timestamp: now,
          is_real_vitrage_id: true,
        },
        edge: {
          sourceId: vitrageId,
          targetId: operation.targetId,
          label: EdgeLabel.ON,
          properties: { update_timestamp: now },
        },
      },
    ];
    if (operation.causingAlarmId !== undefined && this.graph.getVertex(operation.causingAlarmId)) {
      neighbors.push({
        vertex: {
          vitrage_id: operation.causingAlarmId,
          vitrage_is_placeholder: true,
          update_timestamp: now,
        },
        edge: {
          sourceId: operation.causingAlarmId,
          targetId: vitrageId,
          label: EdgeLabel.CAUSES,
          properties: { update_timestamp: now },
        },
      });
    }
    this.createEntity(alarm, neighbors);
  }

  private clearDeducedAlarm(alarmName: string, targetId: string): void {
    const key = deducedAlarmKey(alarmName, targetId);
    const vitrageId = this.deducedAlarmIds.get(key);
    if (vitrageId === undefined) {
      this.dependencies.logger.debug(
        { target: targetId, alarm: alarmName },
        "clear of an unknown deduced alarm ignored",
      );
      return;
    }
    this.deducedAlarmIds.delete(key);
    this.deleteEntity(vitrageId, this.timestamp());
  }

  private addRelationship(edge: EdgeDraft): void {
    if (!this.graph.getVertex(edge.sourceId) || !this.graph.getVertex(edge.targetId)) {
      this.dependencies.logger.warn(
        { source: edge.sourceId, target: edge.targetId, label: edge.label },
        "edge to a vertex not in the graph ignored",
      );
      return;
    }
    this.graph.updateEdge(edge.sourceId, edge.targetId, edge.label, {
      ...edge.properties,
      vitrage_is_deleted: false,
      update_timestamp: this.timestamp(),
    });
  }

  private deleteRelationship(edge: EdgeDraft): void {
    const stored = this.graph.getEdge(edge.sourceId, edge.targetId, edge.label);
    if (stored !== undefined) {
      this.markEdgeDeleted(stored);
    }
  }

  private markEdgeDeleted(edge: Edge): void {
    if (edge.vitrage_is_deleted) {
      return;
    }
    this.graph.updateEdge(edge.source_id, edge.target_id, edge.relationship_type, {
      vitrage_is_deleted: true,
      update_timestamp: this.timestamp(),
    });
  }

  private removeOrphanPlaceholder(vitrageId: string): void {
    const vertex = this.graph.getVertex(vitrageId);
    if (!vertex?.vitrage_is_placeholder) {
      return;
    }
    const liveEdges = this.graph.edgesOf(vitrageId, "both", (edge) => !edge.vitrage_is_deleted);
    if (liveEdges.length === 0) {
      this.graph.removeVertex(vitrageId);
    }
  }

  /**
   * Copies the resource an alarm is on into the alarm: `vitrage_resource_id`, `_type` and
   * `_project_id` (from the resource, or its stored vertex).
   */
  private withResourceDetails(
    draft: VertexDraft,
    neighbors: readonly NeighborDraft[],
  ): [VertexDraft, readonly NeighborDraft[]] {
    if (neighbors.length === 0) {
      return [draft, neighbors];
    }
    if (draft.vitrage_category === EntityCategory.ALARM) {
      const resources = neighbors.filter(
        (neighbor) => neighbor.vertex.vitrage_category === EntityCategory.RESOURCE,
      );
      const resource = resources[resources.length - 1];
      return resource === undefined
        ? [draft, neighbors]
        : [this.describeResource(draft, resource.vertex), neighbors];
    }
    if (draft.vitrage_category !== EntityCategory.RESOURCE) {
      return [draft, neighbors];
    }
    const enriched = neighbors.map((neighbor) =>
      neighbor.vertex.vitrage_category === EntityCategory.ALARM
        ? { ...neighbor, vertex: this.describeResource(neighbor.vertex, draft) }
        : neighbor,
    );
    return [draft, enriched];
  }

  private describeResource(alarm: VertexDraft, resource: VertexDraft): VertexDraft {
    const projectId = resource.project_id ?? this.graph.getVertex(resource.vitrage_id)?.project_id;
    return {
      ...alarm,
      vitrage_resource_id: resource.vitrage_id,
      vitrage_resource_type: resource.vitrage_type,
      ...(projectId ? { vitrage_resource_project_id: projectId } : {}),
    };
  }
}

function isNewer(
  stored: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): boolean {
  const storedTime = stored.vitrage_sample_timestamp;
  const nextTime = next.vitrage_sample_timestamp;
  if (typeof storedTime !== "string" || typeof nextTime !== "string") {
    return true;
  }
  return storedTime <= nextTime;
}

function typeKey(vertex: Readonly<Record<string, unknown>>): string {
  return `${String(vertex.vitrage_category)}\u001f${String(vertex.vitrage_type)}`;
}

function edgeKeyOf(edge: Edge): string {
  return `${edge.source_id}\u001f${edge.relationship_type}\u001f${edge.target_id}`;
}

function draftKey(edge: EdgeDraft): string {
  return `${edge.sourceId}\u001f${edge.label}\u001f${edge.targetId}`;
}

function deducedAlarmKey(alarmName: string, targetId: string): string {
  return `${alarmName}\u001f${targetId}`;
}
