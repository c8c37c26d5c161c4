import type { Logger } from "@openstack-ts/kernel";
import { NotificationType, type RcaNotification } from "../evaluator/evaluator-types.js";
import type { AlarmHistoryRepo, AlarmRecord } from "./alarm-history-repo.js";

/**
 * Writes the alarm history from the core's notifications, as upstream's persistor does: alarm
 * activation, change and deactivation, and causal edges. Writes are applied one at a time in
 * notification order; a failed write is logged and the next one goes on.
 */
export function createHistoryRecorder(options: {
  history: Pick<
    AlarmHistoryRepo,
    "activate" | "change" | "deactivate" | "activateEdge" | "deactivateEdge"
  >;
  logger: Logger;
  now?: () => Date;
}) {
  const { history, logger } = options;
  const now = options.now ?? (() => new Date());
  let queue: Promise<void> = Promise.resolve();

  async function record(notification: RcaNotification, at: string): Promise<void> {
    const payload = notification.payload as Record<string, unknown>;
    switch (notification.type) {
      case NotificationType.ACTIVATE_ALARM:
      case NotificationType.ACTIVATE_DEDUCED_ALARM:
        await history.activate(alarmRecord(payload), at);
        return;
      case NotificationType.CHANGE_IN_ALARM:
      case NotificationType.CHANGE_PROJECT_ID:
        await history.change(alarmRecord(payload), at);
        return;
      case NotificationType.DEACTIVATE_ALARM:
      case NotificationType.DEACTIVATE_DEDUCED_ALARM:
        await history.deactivate(String(payload.vitrage_id), at);
        return;
      case NotificationType.ACTIVATE_CAUSAL_RELATION:
        await history.activateEdge(
          {
            sourceId: String(payload.source_id),
            targetId: String(payload.target_id),
            label: String(payload.relationship_type ?? "causes"),
            payload: edgePayload(payload),
          },
          at,
        );
        return;
      case NotificationType.DEACTIVATE_CAUSAL_RELATION:
        await history.deactivateEdge(
          String(payload.source_id),
          String(payload.target_id),
          String(payload.relationship_type ?? "causes"),
          at,
        );
        return;
      default:
        return;
    }
  }

  return {
    /** Queues one notification. A failed write is logged, so this never throws. */
    handle(notification: RcaNotification): void {
      const at = now().toISOString();
      queue = queue
        .then(() => record(notification, at))
        .catch((error: unknown) => {
          logger.error({ err: error, type: notification.type }, "alarm history write failed");
        });
    },
    /** Resolves when every queued write has finished. */
    whenIdle(): Promise<void> {
      return queue;
    },
  };
}

export type HistoryRecorder = ReturnType<typeof createHistoryRecorder>;

/** Builds the stored alarm from an alarm notification (vertex properties plus `resource`). */
export function alarmRecord(payload: Record<string, unknown>): AlarmRecord {
  const { resource: rawResource, ...properties } = payload;
  const resource = (rawResource ?? {}) as Record<string, unknown>;
  const text = (value: unknown) =>
    value === undefined || value === null || value === "" ? null : String(value);
  const resourceId = text(properties.vitrage_resource_id) ?? text(resource.vitrage_id);
  const resourceType = text(properties.vitrage_resource_type) ?? text(resource.vitrage_type);
  const resourceProjectId =
    text(properties.vitrage_resource_project_id) ?? text(resource.project_id);
  const stored: Record<string, unknown> = { ...properties };
  stored.vitrage_resource_id ??= resourceId;
  stored.vitrage_resource_type ??= resourceType;
  stored.vitrage_resource_project_id ??= resourceProjectId;
  return {
    vitrageId: String(properties.vitrage_id),
    name: String(properties.name ?? ""),
    vitrageType: String(properties.vitrage_type ?? ""),
    aggregatedSeverity: String(
      properties.vitrage_aggregated_severity ?? properties.severity ?? "N/A",
    ),
    operationalSeverity: String(properties.vitrage_operational_severity ?? "N/A"),
    projectId: text(properties.project_id),
    resourceType,
    resourceId,
    resourceProjectId,
    payload: stored,
  };
}

function edgePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const { source_id: _source, target_id: _target, ...properties } = payload;
  return properties;
}
