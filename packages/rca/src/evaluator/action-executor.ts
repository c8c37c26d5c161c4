/**
 * Turns actions to perform into graph operations (and, for execute_mistral, an external action
 * notification), as upstream's action recipes do:
 *
 * | action                  | do                                       | undo                      |
 * | ----------------------- | ---------------------------------------- | ------------------------- |
 * | raise_alarm             | deduced alarm `on` the target (+ causes) | deduced alarm deleted     |
 * | set_state               | `vitrage_state` of the target            | `vitrage_state` removed   |
 * | mark_down               | `is_marked_down: true`                   | `is_marked_down: false`   |
 * | add_causal_relationship | `causes` edge source to target           | that edge marked deleted  |
 * | execute_mistral         | `vitrage.execute_external_action`        | nothing                   |
 *
 * @module
 */
import { EdgeLabel } from "../graph/graph-types.js";
import type { GraphOperation } from "../processor/graph-operations.js";
import type { ActionInfo } from "./action-tracker.js";
import { ActionType, NotificationType, type RcaNotification } from "./evaluator-types.js";

/** The effects of performing actions. */
export interface ActionEffects {
  readonly operations: GraphOperation[];
  readonly notifications: RcaNotification[];
}

/** Returns the graph operations and notifications of the actions, in order. */
export function executeActions(actions: readonly ActionInfo[]): ActionEffects {
  const effects: ActionEffects = { operations: [], notifications: [] };
  for (const action of actions) {
    executeAction(action, effects);
  }
  return effects;
}

function executeAction(action: ActionInfo, effects: ActionEffects): void {
  const { spec, mode } = action;
  const targetId = spec.target.vitrage_id;
  switch (spec.type) {
    case ActionType.RAISE_ALARM: {
      const alarmName = String(spec.properties.alarm_name ?? "");
      if (mode === "undo") {
        effects.operations.push({ kind: "clear_deduced_alarm", alarmName, targetId });
        return;
      }
      const causing = spec.properties.causing_alarm;
      effects.operations.push({
        kind: "raise_deduced_alarm",
        alarmName,
        severity: String(spec.properties.severity ?? ""),
        targetId,
        ...(typeof causing === "string" && causing !== "" ? { causingAlarmId: causing } : {}),
      });
      return;
    }
    case ActionType.SET_STATE:
      effects.operations.push({
        kind: "update_vertex",
        vitrageId: targetId,
        changes: { vitrage_state: mode === "do" ? String(spec.properties.state ?? "") : null },
      });
      return;
    case ActionType.MARK_DOWN:
      effects.operations.push({
        kind: "update_vertex",
        vitrageId: targetId,
        changes: { is_marked_down: mode === "do" },
      });
      return;
    case ActionType.ADD_CAUSAL_RELATIONSHIP: {
      if (spec.source === undefined) {
        return;
      }
      const edge = { sourceId: spec.source.vitrage_id, targetId, label: EdgeLabel.CAUSES };
      effects.operations.push(
        mode === "do" ? { kind: "add_relationship", edge } : { kind: "delete_relationship", edge },
      );
      return;
    }
    case ActionType.EXECUTE_MISTRAL:
      if (mode === "do") {
        effects.notifications.push({
          type: NotificationType.EXECUTE_EXTERNAL_ACTION,
          payload: { ...spec.properties, execution_engine: "mistral" },
        });
      }
      return;
  }
}
