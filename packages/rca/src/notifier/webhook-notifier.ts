import { randomUUID } from "node:crypto";
import type { Logger } from "@openstack-ts/kernel";
import { compileAnchoredPattern } from "../graph/anchored-pattern.js";
import type { Webhook, WebhookRepo } from "../storage/webhook-repo.js";
import { parseStringDict } from "./python-literal.js";

/** Notification types that reach webhooks. */
export const WEBHOOK_EVENT_TYPES = new Set([
  "vitrage.deduced_alarm.activate",
  "vitrage.deduced_alarm.deactivate",
  "vitrage.alarm.activate",
  "vitrage.alarm.deactivate",
]);

/** Alarm fields a webhook receives; everything else is left out. */
const ALARM_FIELDS = new Set([
  "vitrage_id",
  "id",
  "resource",
  "name",
  "update_timestamp",
  "vitrage_operational_state",
  "vitrage_type",
  "project_id",
  "vitrage_category",
  "state",
  "vitrage_operational_severity",
]);

/** Fields of the alarm's resource a webhook receives. */
const RESOURCE_FIELDS = new Set([
  "vitrage_id",
  "id",
  "name",
  "vitrage_category",
  "update_timestamp",
  "vitrage_operational_state",
  "vitrage_type",
  "project_id",
  "vitrage_operational_severity",
]);

export interface WebhookNotifierOptions {
  repo: Pick<WebhookRepo, "list">;
  logger: Logger;
  /** Extra attempts after a POST that could not connect or got a 5xx. */
  maxRetries: number;
  timeoutSeconds: number;
}

/**
 * Posts alarm notifications to registered webhooks as upstream's webhook notifier does: the body
 * is `{"notification": <type>, "payload": <filtered alarm>}`, each webhook's regex filter must
 * match every field it names (case-insensitive, anchored at the start), and a webhook of a
 * non-admin project only gets alarms whose resource belongs to that project or to none.
 */
export function createWebhookNotifier(options: WebhookNotifierOptions) {
  const { repo, logger } = options;

  async function post(webhook: Webhook, type: string, payload: Record<string, unknown>) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-openstack-request-id": `req-${randomUUID()}`,
      ...customHeaders(webhook, logger),
    };
    const body = JSON.stringify({ notification: type, payload });
    for (let attempt = 0; attempt <= options.maxRetries; attempt += 1) {
      try {
        const response = await fetch(webhook.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
        });
        await response.body?.cancel();
        if (response.status < 500) {
          logger.info({ webhook: webhook.id, status: response.status, type }, "webhook notified");
          return;
        }
        logger.warn({ webhook: webhook.id, status: response.status, attempt }, "webhook failed");
      } catch (error) {
        logger.warn({ webhook: webhook.id, err: error, attempt }, "webhook POST failed");
      }
    }
  }

  return {
    /** Sends one notifier event to every matching webhook; failures are logged, not thrown. */
    async notify(type: string, alarm: Record<string, unknown>): Promise<void> {
      if (!WEBHOOK_EVENT_TYPES.has(type)) {
        return;
      }
      const webhooks = await repo.list();
      const payload = filterAlarmFields(alarm);
      const deliveries = webhooks
        .filter((webhook) => matchesFilter(webhook, payload, logger))
        .filter((webhook) => matchesTenant(webhook, payload))
        .map((webhook) => post(webhook, type, payload));
      await Promise.all(deliveries);
    },
  };
}

export type WebhookNotifier = ReturnType<typeof createWebhookNotifier>;

/** Keeps the alarm fields a webhook receives, and the listed fields of its resource. */
export function filterAlarmFields(alarm: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(alarm)) {
    if (ALARM_FIELDS.has(key)) {
      payload[key] = value;
    }
  }
  const resource = payload.resource;
  if (typeof resource === "object" && resource !== null) {
    payload.resource = Object.fromEntries(
      Object.entries(resource).filter(([key]) => RESOURCE_FIELDS.has(key)),
    );
  }
  return payload;
}

function matchesFilter(webhook: Webhook, payload: Record<string, unknown>, logger: Logger) {
  if (webhook.regex_filter === "") {
    return true;
  }
  let filters: Record<string, string>;
  try {
    filters = parseStringDict(webhook.regex_filter);
  } catch (error) {
    logger.warn({ webhook: webhook.id, err: error }, "webhook regex_filter is invalid; skipped");
    return false;
  }
  return Object.entries(filters).every(([field, pattern]) => {
    const value = payload[field];
    if (value === undefined || value === null) {
      return false;
    }
    try {
      return compileAnchoredPattern(pattern, { ignoreCase: true }).test(String(value));
    } catch (error) {
      logger.warn({ webhook: webhook.id, err: error }, "webhook regex_filter is invalid; skipped");
      return false;
    }
  });
}

function matchesTenant(webhook: Webhook, payload: Record<string, unknown>): boolean {
  if (webhook.is_admin_webhook) {
    return true;
  }
  const resource = payload.resource as Record<string, unknown> | undefined;
  const resourceProject = resource?.project_id;
  if (resourceProject === undefined || resourceProject === null || resourceProject === "") {
    return true;
  }
  return resourceProject === webhook.project_id;
}

function customHeaders(webhook: Webhook, logger: Logger): Record<string, string> {
  if (webhook.headers === "") {
    return {};
  }
  try {
    return parseStringDict(webhook.headers);
  } catch (error) {
    logger.warn({ webhook: webhook.id, err: error }, "webhook headers are invalid; not sent");
    return {};
  }
}
