/** The body of `POST /v1/event`: `{time?, type, details}`, or a raw Alertmanager webhook. */
export interface PostedEvent {
  /** When the event happened, ISO-8601; the receive time when absent. */
  time: string;
  type: string;
  details: Record<string, unknown>;
}

/** Event type Alertmanager webhooks are given (their User-Agent starts with `Alertmanager`). */
export const PROMETHEUS_EVENT_TYPE = "prometheus.alarm";

/** Internal types of doctor events, chosen by `details.status`. */
export const DOCTOR_EVENT_DOWN = "vitrage.custom.event.down";
export const DOCTOR_EVENT_UP = "vitrage.custom.event.up";
