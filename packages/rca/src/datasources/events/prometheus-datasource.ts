import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { EntityGraphReader, Vertex } from "../../graph/graph-types.js";
import type { DatasourceSink, EntityEvent } from "../../processor/processor-types.js";
import { AlarmCache } from "../alarm-cache.js";
import type { PushDatasource } from "./doctor-datasource.js";
import { type PostedEvent, PROMETHEUS_EVENT_TYPE } from "./event-types.js";

/** One entry of prometheus_conf.yaml: alerts with these labels are on the resource described. */
export interface AlertMapping {
  key: Record<string, string>;
  /** Vertex property name to alert label name. */
  resource: Record<string, string>;
}

interface Alert {
  status?: string;
  labels?: Record<string, unknown>;
  startsAt?: string;
  endsAt?: string;
  annotations?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Reads prometheus_conf.yaml: `alerts: [{key: {label: value}, resource: {field: label}}]`. */
export function loadAlertMappings(file: string): AlertMapping[] {
  const document = parseYaml(readFileSync(file, "utf8")) as { alerts?: unknown } | null;
  const alerts = document?.alerts;
  if (!Array.isArray(alerts)) {
    throw new Error(`${file}: expected a top-level "alerts" list`);
  }
  return alerts.map((entry: unknown, index) => {
    const { key, resource } = (entry ?? {}) as { key?: unknown; resource?: unknown };
    if (
      typeof key !== "object" ||
      key === null ||
      typeof resource !== "object" ||
      resource === null
    ) {
      throw new Error(`${file}: alert ${index + 1} needs a key and a resource mapping`);
    }
    return {
      key: stringValues(key as Record<string, unknown>),
      resource: stringValues(resource as Record<string, unknown>),
    };
  });
}

/**
 * The Prometheus datasource: each alert of an Alertmanager webhook is an alarm named after its
 * `alertname` label with its `severity` label, raised while `firing` and cleared when
 * `resolved`. The mapping whose key labels all match the alert gives the resource properties
 * (such as `id: instance`), and the alarm is `on` the one live resource with those properties.
 */
export function createPrometheusDatasource(
  mappings: AlertMapping[],
  graph: Pick<EntityGraphReader, "queryVertices">,
): PushDatasource {
  const cache = new AlarmCache<Alert & { uniqueProps: string }>({
    key: (alert) => `${String(alert.labels?.alertname)}\u0000${alert.uniqueProps}`,
    isErroneous: (alert) => alert.status === "firing",
    isValid: (alert) => typeof alert.status === "string",
    statusChanged: (current, previous) => current.status !== previous.status,
  });
  let sink: DatasourceSink | undefined;
  const pending: EntityEvent[] = [];

  return {
    name: "prometheus",
    deletesVanishedEntities: false,

    post(event: PostedEvent): boolean {
      if (event.type !== PROMETHEUS_EVENT_TYPE) {
        return false;
      }
      const events: EntityEvent[] = [];
      for (const alert of readAlerts(event.details.alerts)) {
        const props = resourceProperties(alert, mappings);
        const entry = { ...alert, uniqueProps: JSON.stringify(props) };
        if (cache.push(entry)) {
          events.push(toEntityEvent(entry, findResource(graph, props)));
        }
      }
      if (events.length > 0) {
        if (sink === undefined) {
          pending.push(...events);
        } else {
          sink.update(events);
        }
      }
      return true;
    },

    async getAll() {
      return [];
    },

    start(target: DatasourceSink) {
      sink = target;
      if (pending.length > 0) {
        target.update(pending.splice(0));
      }
    },

    stop() {
      sink = undefined;
    },
  };
}

/**
 * Returns the alerts of a webhook body that are objects, each with `labels` as an object (empty
 * when missing or of another type), so a malformed alert is skipped instead of failing the post.
 */
function readAlerts(value: unknown): Alert[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter(isRecord).map((alert) => ({
    ...alert,
    labels: isRecord(alert.labels) ? alert.labels : {},
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resourceProperties(alert: Alert, mappings: AlertMapping[]): Record<string, string> {
  const labels = alert.labels ?? {};
  const mapping = mappings.find((candidate) =>
    Object.entries(candidate.key).every(([label, value]) => String(labels[label]) === value),
  );
  const props: Record<string, string> = {};
  for (const [field, label] of Object.entries(mapping?.resource ?? {})) {
    props[field] = String(labels[label]);
  }
  return props;
}

function findResource(
  graph: Pick<EntityGraphReader, "queryVertices">,
  props: Record<string, string>,
): Vertex | undefined {
  const fields = Object.entries(props);
  if (fields.length === 0) {
    return undefined;
  }
  const matches = graph.queryVertices({
    and: [
      { "==": { vitrage_category: "RESOURCE" } },
      { "==": { vitrage_is_deleted: false } },
      ...fields.map(([field, value]) => ({ "==": { [field]: value } })),
    ],
  });
  return matches.length === 1 ? matches[0] : undefined;
}

function toEntityEvent(
  alert: Alert & { uniqueProps: string },
  resource: Vertex | undefined,
): EntityEvent {
  const labels = alert.labels ?? {};
  const name = String(labels.alertname ?? "prometheus alert");
  const cleared = alert.status !== "firing";
  const severity = typeof labels.severity === "string" ? labels.severity : "warning";
  const updated = cleared ? alert.endsAt : alert.startsAt;
  return {
    action: cleared ? "delete" : "update",
    datasource: "prometheus",
    category: "ALARM",
    type: "prometheus",
    id: `${name}:${alert.uniqueProps}`,
    name,
    severity,
    state: cleared ? "Inactive" : "Active",
    ...(typeof updated === "string" && !Number.isNaN(Date.parse(updated))
      ? { updateTimestamp: updated }
      : {}),
    properties: { status: alert.status, labels, annotations: alert.annotations ?? {} },
    relationships:
      resource === undefined || resource.vitrage_type === undefined || resource.id === undefined
        ? []
        : [
            {
              relationshipType: "on",
              direction: "outgoing",
              neighbor: { type: resource.vitrage_type, id: resource.id },
            },
          ],
  };
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
}
