/**
 * Notifications derived from graph changes, as upstream's graph and persistence notifiers send
 * them: an alarm (deduced or not) becoming active or inactive, a resource marked down or up, a
 * `causes` edge appearing or going, an active alarm's operational severity or resource project
 * changing.
 *
 * An element is active when it exists and is neither deleted nor a placeholder.
 *
 * @module
 */
import {
  DEDUCED_ALARM_TYPE,
  type Edge,
  EdgeLabel,
  EntityCategory,
  type EntityGraphReader,
  type GraphChange,
  type Vertex,
} from "../graph/graph-types.js";
import {
  NotificationType,
  type NotificationTypeName,
  type RcaNotification,
} from "./evaluator-types.js";

/** Returns the notifications of one graph change, in upstream's order. */
export function notificationsFor(change: GraphChange, graph: EntityGraphReader): RcaNotification[] {
  if (change.kind === "edge") {
    const type = transition(change.before, change.current, isActiveCausesEdge, [
      NotificationType.ACTIVATE_CAUSAL_RELATION,
      NotificationType.DEACTIVATE_CAUSAL_RELATION,
    ]);
    const edge = change.current ?? change.before;
    return type === undefined || edge === undefined ? [] : [{ type, payload: { ...edge } }];
  }

  const { before, current } = change;
  const types: NotificationTypeName[] = [];
  const add = (type: NotificationTypeName | undefined) => {
    if (type !== undefined) {
      types.push(type);
    }
  };
  add(
    transition(before, current, isActiveDeducedAlarm, [
      NotificationType.ACTIVATE_DEDUCED_ALARM,
      NotificationType.DEACTIVATE_DEDUCED_ALARM,
    ]),
  );
  add(
    transition(before, current, isActiveAlarm, [
      NotificationType.ACTIVATE_ALARM,
      NotificationType.DEACTIVATE_ALARM,
    ]),
  );
  add(
    transition(before, current, isMarkedDown, [
      NotificationType.ACTIVATE_MARK_DOWN,
      NotificationType.DEACTIVATE_MARK_DOWN,
    ]),
  );
  if (isActiveAlarm(before) && isActiveAlarm(current)) {
    if (before?.vitrage_operational_severity !== current?.vitrage_operational_severity) {
      types.push(NotificationType.CHANGE_IN_ALARM);
    }
    if (before?.vitrage_resource_project_id !== current?.vitrage_resource_project_id) {
      types.push(NotificationType.CHANGE_PROJECT_ID);
    }
  }
  if (types.length === 0) {
    return [];
  }
  const payload = vertexPayload(current ?? (before as Vertex), graph);
  return types.map((type) => ({ type, payload }));
}

function vertexPayload(vertex: Vertex, graph: EntityGraphReader): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...vertex };
  if (vertex.vitrage_resource_id !== undefined) {
    const resource = graph.getVertex(vertex.vitrage_resource_id);
    if (resource !== undefined) {
      payload.resource = resource;
    }
  }
  return payload;
}

function transition<T>(
  before: T | undefined,
  current: T | undefined,
  isActive: (element: T | undefined) => boolean,
  [activate, deactivate]: readonly [NotificationTypeName, NotificationTypeName],
): NotificationTypeName | undefined {
  const wasActive = isActive(before);
  const isNowActive = isActive(current);
  if (!wasActive && isNowActive) {
    return activate;
  }
  if (wasActive && !isNowActive) {
    return deactivate;
  }
  return undefined;
}

function isRelevant(vertex: Vertex): boolean {
  return !vertex.vitrage_is_deleted && !vertex.vitrage_is_placeholder;
}

function isActiveAlarm(vertex: Vertex | undefined): boolean {
  return vertex?.vitrage_category === EntityCategory.ALARM && isRelevant(vertex);
}

function isActiveDeducedAlarm(vertex: Vertex | undefined): boolean {
  return isActiveAlarm(vertex) && vertex?.vitrage_type === DEDUCED_ALARM_TYPE;
}

function isMarkedDown(vertex: Vertex | undefined): boolean {
  return (
    vertex?.vitrage_category === EntityCategory.RESOURCE &&
    vertex.is_marked_down === true &&
    isRelevant(vertex)
  );
}

function isActiveCausesEdge(edge: Edge | undefined): boolean {
  return edge?.relationship_type === EdgeLabel.CAUSES && !edge.vitrage_is_deleted;
}
