import type { Datasource, DatasourceSink, EntityEvent } from "../../processor/processor-types.js";
import { AlarmCache } from "../alarm-cache.js";
import type { PostedEvent } from "./event-types.js";

/** A doctor event with the time its current status began. */
interface DoctorAlarm extends PostedEvent {
  updateTime: string;
}

const detail = (alarm: PostedEvent | undefined, name: string): unknown => alarm?.details[name];

/** A push datasource that events posted through the API feed. */
export interface PushDatasource extends Datasource {
  /** Handles one posted event; returns false when the event is not for this datasource. */
  post(event: PostedEvent): boolean;
}

/**
 * Creates the doctor datasource. An event posted with `details.status` `down` raises an alarm
 * named after the event type `on` the nova.host whose id is `details.hostname`, and `up` clears
 * it. A repeated event with an unchanged status keeps the alarm's original update time.
 */
export function createDoctorDatasource(): PushDatasource {
  const cache = new AlarmCache<DoctorAlarm>({
    key: (alarm) => `${alarm.type}\u0000${String(detail(alarm, "hostname"))}`,
    isErroneous: (alarm) => detail(alarm, "status") !== "up",
    isValid: (alarm) =>
      typeof detail(alarm, "status") === "string" && typeof detail(alarm, "hostname") === "string",
    statusChanged: (current, previous) => detail(current, "status") !== detail(previous, "status"),
  });
  const pending: EntityEvent[] = [];
  let sink: DatasourceSink | undefined;

  const deliver = (event: EntityEvent) => {
    if (sink === undefined) {
      pending.push(event);
    } else {
      sink.update([event]);
    }
  };

  return {
    name: "doctor",
    deletesVanishedEntities: false,

    post(event: PostedEvent): boolean {
      const status = detail(event, "status");
      if (status !== "up" && status !== "down") {
        return false;
      }
      const previous = cache.previous({ ...event, updateTime: event.time });
      const unchanged = previous !== undefined && detail(previous, "status") === status;
      const alarm: DoctorAlarm = {
        ...event,
        updateTime: unchanged ? previous.updateTime : event.time,
      };
      if (cache.push(alarm)) {
        deliver(toEntityEvent(alarm));
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

function toEntityEvent(alarm: DoctorAlarm): EntityEvent {
  const hostname = String(detail(alarm, "hostname"));
  const cleared = detail(alarm, "status") === "up";
  const severity = typeof alarm.details.severity === "string" ? alarm.details.severity : "critical";
  return {
    action: cleared ? "delete" : "update",
    datasource: "doctor",
    category: "ALARM",
    type: "doctor",
    id: `${alarm.type}:${hostname}`,
    name: alarm.type,
    severity,
    state: cleared ? "Inactive" : "Active",
    sampleTimestamp: new Date(),
    updateTimestamp: alarm.updateTime,
    properties: { ...alarm.details, severity, time: vitrageTime(alarm.time) },
    relationships: [
      {
        relationshipType: "on",
        direction: "outgoing",
        neighbor: { type: "nova.host", id: hostname },
      },
    ],
  };
}

/**
 * Rewrites the event time as `YYYY-MM-DDTHH:MM:SSZ`, the format upstream stores on doctor
 * alarms. Upstream only changes the format, so the date and time are kept as sent, without a
 * time-zone conversion. Text in another format is kept unchanged.
 */
export function vitrageTime(time: string): string {
  const match = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)/.exec(time);
  return match === null ? time : `${match[1]}T${match[2]}Z`;
}
