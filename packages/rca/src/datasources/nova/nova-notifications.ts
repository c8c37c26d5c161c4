/** A Nova versioned notification after the oslo.messaging envelope is removed. */
export interface NovaNotification {
  event_type: string;
  publisher_id?: string;
  priority?: string;
  timestamp?: string;
  payload: { "nova_object.name"?: string; "nova_object.data"?: Record<string, unknown> };
}

/** What a notification means for the graph. */
export type NovaChange =
  | { kind: "instance"; action: "update" | "delete"; instance: NovaInstance; timestamp: string }
  | { kind: "host"; host: NovaHost; timestamp: string };

export interface NovaInstance {
  id: string;
  name: string;
  /** Nova's vm_state in upper case, such as ACTIVE, BUILDING, PAUSED, STOPPED, DELETED. */
  state: string;
  projectId: string | null;
  host: string | null;
  properties: Record<string, unknown>;
}

export interface NovaHost {
  id: string;
  /** AVAILABLE, SUBOPTIMAL (disabled) or ERROR (forced down). */
  state: string;
  properties: Record<string, unknown>;
}

/**
 * Removes the oslo.messaging v2 envelope (`{"oslo.version": "2.0", "oslo.message": "<json>"}`)
 * when there is one and returns the notification, or undefined when the body is not one.
 */
export function openEnvelope(body: unknown): NovaNotification | undefined {
  let message = body;
  if (isRecord(message) && typeof message["oslo.message"] === "string") {
    try {
      message = JSON.parse(message["oslo.message"]) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isRecord(message) || typeof message.event_type !== "string") {
    return undefined;
  }
  if (!isRecord(message.payload)) {
    return undefined;
  }
  return message as unknown as NovaNotification;
}

/**
 * Interprets an `instance.*` or `service.update` notification. Other event types, and instance
 * notifications without a uuid, return undefined.
 */
export function interpretNovaNotification(
  notification: NovaNotification,
  receivedAt: string,
): NovaChange | undefined {
  const data = notification.payload["nova_object.data"];
  if (!isRecord(data)) {
    return undefined;
  }
  const timestamp = normaliseTimestamp(notification.timestamp) ?? receivedAt;
  if (notification.event_type.startsWith("instance.")) {
    const instance = readInstance(data);
    if (instance === undefined) {
      return undefined;
    }
    const deleted =
      notification.event_type === "instance.delete.end" || instance.state === "DELETED";
    return { kind: "instance", action: deleted ? "delete" : "update", instance, timestamp };
  }
  if (notification.event_type === "service.update" && data.binary === "nova-compute") {
    const host = readHost(data);
    return host === undefined ? undefined : { kind: "host", host, timestamp };
  }
  return undefined;
}

function readInstance(data: Record<string, unknown>): NovaInstance | undefined {
  const id = data.uuid;
  if (typeof id !== "string" || id === "") {
    return undefined;
  }
  const name = typeof data.display_name === "string" ? data.display_name : id;
  const state = typeof data.state === "string" ? data.state.toUpperCase() : "N/A";
  const projectId = typeof data.tenant_id === "string" ? data.tenant_id : null;
  const host = typeof data.host === "string" && data.host !== "" ? data.host : null;
  return {
    id,
    name,
    state,
    projectId,
    host,
    properties: {
      id,
      name,
      state,
      project_id: projectId,
      host_id: host,
      power_state: data.power_state ?? null,
      task_state: data.task_state ?? null,
      availability_zone: data.availability_zone ?? null,
    },
  };
}

function readHost(data: Record<string, unknown>): NovaHost | undefined {
  const id = data.host;
  if (typeof id !== "string" || id === "") {
    return undefined;
  }
  const state =
    data.forced_down === true ? "ERROR" : data.disabled === true ? "SUBOPTIMAL" : "AVAILABLE";
  return { id, state, properties: { id, name: id, state } };
}

/** oslo.messaging writes `2026-01-31 12:00:00.123456`; the graph keeps ISO-8601 UTC. */
function normaliseTimestamp(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = value.includes("T") ? value : value.replace(" ", "T");
  const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
