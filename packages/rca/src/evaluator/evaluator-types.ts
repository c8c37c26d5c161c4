/**
 * Types the evaluator shares with the rest of the service: template actions, the notifications
 * it emits, and the records of active actions that persistence stores.
 *
 * @module
 */

/** The template action types. */
export const ActionType = {
  SET_STATE: "set_state",
  RAISE_ALARM: "raise_alarm",
  ADD_CAUSAL_RELATIONSHIP: "add_causal_relationship",
  MARK_DOWN: "mark_down",
  EXECUTE_MISTRAL: "execute_mistral",
} as const;

/** One of the template action types. */
export type ActionTypeName = (typeof ActionType)[keyof typeof ActionType];

/** The action types in upstream's order, as validation messages list them. */
export const ACTION_TYPES: readonly ActionTypeName[] = [
  ActionType.SET_STATE,
  ActionType.RAISE_ALARM,
  ActionType.ADD_CAUSAL_RELATIONSHIP,
  ActionType.MARK_DOWN,
  ActionType.EXECUTE_MISTRAL,
];

/** Whether an action is performed (the condition started to hold) or reverted. */
export type ActionMode = "do" | "undo";

/** Notification event types, as upstream names them on its `vitrage_notifications` topic. */
export const NotificationType = {
  ACTIVATE_DEDUCED_ALARM: "vitrage.deduced_alarm.activate",
  DEACTIVATE_DEDUCED_ALARM: "vitrage.deduced_alarm.deactivate",
  ACTIVATE_ALARM: "vitrage.alarm.activate",
  DEACTIVATE_ALARM: "vitrage.alarm.deactivate",
  CHANGE_IN_ALARM: "vitrage.alarm.change",
  CHANGE_PROJECT_ID: "vitrage.alarm.change_project_id",
  ACTIVATE_MARK_DOWN: "vitrage.mark_down.activate",
  DEACTIVATE_MARK_DOWN: "vitrage.mark_down.deactivate",
  EXECUTE_EXTERNAL_ACTION: "vitrage.execute_external_action",
  ACTIVATE_CAUSAL_RELATION: "vitrage.causal_relationship.activate",
  DEACTIVATE_CAUSAL_RELATION: "vitrage.causal_relationship.deactivate",
} as const;

/** One of the notification event types. */
export type NotificationTypeName = (typeof NotificationType)[keyof typeof NotificationType];

/**
 * A notification about a graph change or an external action.
 *
 * Payloads, as upstream sends them:
 * - alarm, deduced alarm and mark-down events: the vertex properties; an alarm on a resource
 *   also carries that resource's vertex under `resource`.
 * - causal relationship events: the edge properties plus `source_id` and `target_id`.
 * - `vitrage.alarm.change`: the alarm after its operational severity changed.
 * - `vitrage.execute_external_action`: `{ workflow, input }` with functions such as
 *   `get_attr(host, name)` already resolved, and `execution_engine: "mistral"`.
 */
export interface RcaNotification {
  readonly type: NotificationTypeName;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * Receives notifications synchronously while an event is processed. A listener must not throw
 * and should hand slow work (HTTP posts, SQL writes) to its own queue.
 */
export type RcaNotificationListener = (notification: RcaNotification) => void;

/**
 * One active action: a template action whose condition holds for one match in the graph. When
 * several actions of the same type compete for one target (two templates setting a host's
 * state), the one with the highest score is performed. When it is undone, the next one takes
 * over.
 */
export interface ActiveActionRecord {
  actionType: ActionTypeName;
  /** The alarm name for raise_alarm; null for the other types. */
  extraInfo: string | null;
  /** vitrage_id of the action's source (add_causal_relationship), or null. */
  sourceVertexId: string | null;
  /** vitrage_id of the action's target. */
  targetVertexId: string;
  /** The template action id, `<template name>-scenario<i>-action<j>`. */
  actionId: string;
  /** MD5 of the sorted vitrage_ids of the matched vertices. */
  trigger: string;
  /** Priority of the state or severity the action sets (see the state tables); 1 otherwise. */
  score: number;
  /** When the action became active, ISO-8601 with milliseconds; breaks score ties (older wins). */
  createdAt: string;
}

/** The active actions added and removed by one evaluation. */
export interface ActiveActionChanges {
  added: readonly ActiveActionRecord[];
  removed: readonly { trigger: string; actionId: string }[];
}

/**
 * Storage for active actions (upstream's `active_actions` table). The evaluator keeps the
 * authoritative copy in memory and sends every change here in order. Writes are serialised, and
 * a failed write is logged and not retried.
 */
export interface ActiveActionStore {
  /** Stores the changes of one evaluation. */
  save(changes: ActiveActionChanges): Promise<void>;
  /** Returns every stored action, to restore them together with a stored graph. */
  loadAll(): Promise<ActiveActionRecord[]>;
  /** Deletes every stored action; done when the graph is built from scratch. */
  clear(): Promise<void>;
}
