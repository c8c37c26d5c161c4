/**
 * Turns datasource {@link EntityEvent}s into graph operations: the entity's vertex keyed by
 * (type, id), with a new vitrage_id for an entity the graph does not have (or has only as
 * deleted), placeholders for unknown neighbours, and the edges to them.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@openstack-ts/kernel";
import {
  AlarmState,
  EntityCategory,
  type EntityGraphReader,
  type Vertex,
} from "../graph/graph-types.js";
import type { GraphOperation, NeighborDraft, VertexDraft } from "./graph-operations.js";
import type { EntityEvent, EntityRelationship } from "./processor-types.js";
import { md5Hex, normaliseTimestamp } from "./timestamps.js";

/** Properties the processor sets itself; an event's `properties` cannot override them. */
const RESERVED_PROPERTIES = new Set([
  "vitrage_id",
  "vitrage_type",
  "vitrage_category",
  "vitrage_is_deleted",
  "vitrage_is_placeholder",
  "vitrage_sample_timestamp",
  "vitrage_cached_id",
  "vitrage_datasource_name",
  "vitrage_state",
  "vitrage_aggregated_state",
  "vitrage_operational_state",
  "vitrage_aggregated_severity",
  "vitrage_operational_severity",
  "is_real_vitrage_id",
]);

/** Dependencies of {@link transformEntityEvent}. */
export interface TransformContext {
  graph: EntityGraphReader;
  now: Date;
  logger: Pick<Logger, "debug">;
}

/** Raised for an event that lacks a required field. */
export class InvalidEntityEventError extends Error {
  readonly code = "invalid_entity_event";

  constructor(message: string) {
    super(message);
    this.name = "InvalidEntityEventError";
  }
}

/** Returns the key that identifies an event's entity within its datasource's listing. */
export function entityKeyOf(event: Pick<EntityEvent, "type" | "id">): string {
  return `${event.type}\u001f${event.id}`;
}

/**
 * Turns an event into the operation that applies it; undefined for a delete of an entity the
 * graph does not have.
 *
 * @throws {InvalidEntityEventError} for an event without type, id, category or action.
 */
export function transformEntityEvent(
  event: EntityEvent,
  context: TransformContext,
): GraphOperation | undefined {
  checkEvent(event);
  const id = String(event.id);
  const existing = context.graph.findVertex(event.type, id);
  const sampleTimestamp = normaliseTimestamp(event.sampleTimestamp, context.now);

  if (event.action === "delete") {
    if (existing === undefined) {
      context.logger.debug(
        { type: event.type, id },
        "delete of an entity not in the graph ignored",
      );
      return undefined;
    }
    return { kind: "delete_entity", vitrageId: existing.vitrage_id, sampleTimestamp };
  }

  const vertex = buildVertex(event, id, existing, sampleTimestamp);
  const neighbors: NeighborDraft[] = [];
  for (const relationship of event.relationships ?? []) {
    const neighbor = buildNeighbor(vertex, relationship, sampleTimestamp, context);
    if (neighbor !== undefined) {
      neighbors.push(neighbor);
    }
  }
  return { kind: "upsert_entity", vertex, neighbors };
}

function checkEvent(event: EntityEvent): void {
  for (const field of ["action", "datasource", "category", "type", "id"] as const) {
    const value = event[field];
    if (value === undefined || value === null || value === "") {
      throw new InvalidEntityEventError(`entity event without ${field}: ${describe(event)}`);
    }
  }
  if (event.category !== EntityCategory.RESOURCE && event.category !== EntityCategory.ALARM) {
    throw new InvalidEntityEventError(`entity event with invalid category: ${describe(event)}`);
  }
  if (event.action !== "snapshot" && event.action !== "update" && event.action !== "delete") {
    throw new InvalidEntityEventError(`entity event with invalid action: ${describe(event)}`);
  }
}

function buildVertex(
  event: EntityEvent,
  id: string,
  existing: Vertex | undefined,
  sampleTimestamp: string,
): VertexDraft {
  const vertex: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.properties ?? {})) {
    if (!RESERVED_PROPERTIES.has(key) && value !== undefined) {
      vertex[key] = value;
    }
  }
  const isAlarm = event.category === EntityCategory.ALARM;
  const state = event.state ?? (isAlarm ? AlarmState.ACTIVE : undefined);
  Object.assign(vertex, {
    vitrage_id: existing?.vitrage_id ?? randomUUID(),
    id,
    vitrage_type: event.type,
    vitrage_category: event.category,
    vitrage_sample_timestamp: sampleTimestamp,
    update_timestamp:
      event.updateTimestamp === undefined
        ? sampleTimestamp
        : normaliseTimestamp(event.updateTimestamp, new Date(sampleTimestamp)),
    vitrage_is_deleted: false,
    vitrage_is_placeholder: false,
    vitrage_cached_id: existing?.vitrage_cached_id ?? cachedId(event.category, event.type, id),
    is_real_vitrage_id: true,
    vitrage_datasource_name: event.datasource,
  });
  setIfDefined(vertex, "name", event.name);
  setIfDefined(vertex, "state", state);
  setIfDefined(vertex, "severity", event.severity);
  setIfDefined(vertex, "project_id", event.projectId);
  return vertex as VertexDraft;
}

function buildNeighbor(
  entity: VertexDraft,
  relationship: EntityRelationship,
  sampleTimestamp: string,
  context: TransformContext,
): NeighborDraft | undefined {
  const reference = relationship.neighbor;
  const category = reference.category ?? EntityCategory.RESOURCE;
  const existing = resolveNeighbor(reference, context);
  if (existing === null) {
    return undefined;
  }
  const id = reference.id ?? existing?.id;
  if (id === undefined) {
    return undefined;
  }

  const placeholder = reference.placeholder ?? true;
  const vertex: Record<string, unknown> = { ...(reference.properties ?? {}) };
  Object.assign(vertex, {
    vitrage_id: existing?.vitrage_id ?? randomUUID(),
    id: String(id),
    vitrage_type: reference.type,
    vitrage_category: category,
    vitrage_sample_timestamp: sampleTimestamp,
    vitrage_is_deleted: false,
    vitrage_is_placeholder: placeholder,
    vitrage_cached_id:
      existing?.vitrage_cached_id ?? cachedId(category, reference.type, String(id)),
    is_real_vitrage_id: true,
  });
  if (!placeholder) {
    vertex.vitrage_datasource_name ??= entity.vitrage_datasource_name;
  }

  const neighborId = vertex.vitrage_id as string;
  const [sourceId, targetId] =
    relationship.direction === "outgoing"
      ? [entity.vitrage_id, neighborId]
      : [neighborId, entity.vitrage_id];
  return {
    vertex: vertex as VertexDraft,
    edge: { sourceId, targetId, label: relationship.relationshipType },
  };
}

/**
 * Finds the neighbour's vertex: by id, or by name when the reference has no id. Returns
 * undefined when an id-referenced neighbour is new, and null when a name matches no vertex or
 * several.
 */
function resolveNeighbor(
  reference: EntityRelationship["neighbor"],
  context: TransformContext,
): Vertex | undefined | null {
  if (reference.id !== undefined && reference.id !== null && reference.id !== "") {
    return context.graph.findVertex(reference.type, String(reference.id));
  }
  if (reference.name === undefined) {
    context.logger.debug({ type: reference.type }, "neighbour without id or name dropped");
    return null;
  }
  const candidates = context.graph.findVerticesByName(reference.type, reference.name);
  if (candidates.length !== 1) {
    context.logger.debug(
      { type: reference.type, name: reference.name, matches: candidates.length },
      "neighbour name matches no vertex or several; relationship dropped",
    );
    return null;
  }
  return candidates[0];
}

/** MD5 of the entity key `category:type:id`, as upstream's `vitrage_cached_id`. */
function cachedId(category: string, type: string, id: string): string {
  return md5Hex(`${category}:${type}:${id}`);
}

function setIfDefined(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== null) {
    target[key] = value;
  }
}

function describe(event: EntityEvent): string {
  return JSON.stringify({
    action: event?.action,
    datasource: event?.datasource,
    type: event?.type,
    id: event?.id,
  });
}
