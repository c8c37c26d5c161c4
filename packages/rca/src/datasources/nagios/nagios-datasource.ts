import type { Logger } from "@openstack-ts/kernel";
import type { Datasource, DatasourceSink, EntityEvent } from "../../processor/processor-types.js";
import { AlarmCache, type AlarmChange } from "../alarm-cache.js";
import { mapNagiosHost, type NagiosHostMapping } from "./nagios-mapping.js";
import { type NagiosServiceStatus, parseNagiosStatusPageStrictly } from "./nagios-parser.js";

export interface NagiosDatasourceOptions {
  /** The status.cgi URL; the datasource adds `host=all&limit=0`. */
  url: string;
  user: string;
  password: string;
  mappings: NagiosHostMapping[];
  intervalSeconds: number;
  timeoutSeconds: number;
  logger: Logger;
}

/** A Nagios service status with the graph resource its host maps to. */
export interface NagiosAlarm extends NagiosServiceStatus {
  resourceType: string;
  resourceName: string;
}

const OK = "OK";
/** Status of a service that has not been checked yet; it is neither raised nor cleared. */
const PENDING = "PENDING";

/**
 * The Nagios datasource: every interval it reads the status page with basic authentication and
 * reports the services that changed status. A CRITICAL, WARNING or UNKNOWN service is an alarm
 * `on` the resource its host maps to. An OK status deletes the alarm, and so does a raised service
 * that disappears from the page. Hosts that match no mapping are ignored.
 */
export function createNagiosDatasource(options: NagiosDatasourceOptions): Datasource {
  const { logger } = options;
  const cache = new AlarmCache<NagiosAlarm>({
    key: (alarm) => `${alarm.host}\u0000${alarm.service}`,
    isErroneous: (alarm) => alarm.status !== OK,
    isValid: (alarm) => alarm.status !== PENDING,
    statusChanged: (current, previous) => current.status !== previous.status,
  });
  let timer: NodeJS.Timeout | undefined;

  async function readAlarms(): Promise<NagiosAlarm[]> {
    const html = await fetchStatusPage(options);
    return mapAlarms(parseNagiosStatusPageStrictly(html), options.mappings);
  }

  return {
    name: "nagios",
    deletesVanishedEntities: true,

    async getAll() {
      try {
        return toEntityEvents(cache.readAll(await readAlarms()), "snapshot");
      } catch (error) {
        logger.warn({ err: error, url: options.url }, "Nagios status page could not be read");
        return [];
      }
    },

    start(sink: DatasourceSink) {
      // A poll still waiting for a slow Nagios makes the next ones skip, so readings are applied
      // in the order they were taken.
      let polling = false;
      const poll = async () => {
        if (polling) {
          return;
        }
        polling = true;
        try {
          const events = toEntityEvents(cache.readChanges(await readAlarms()), "update");
          if (events.length > 0) {
            sink.update(events);
          }
        } catch (error) {
          logger.warn({ err: error, url: options.url }, "Nagios status page could not be read");
        } finally {
          polling = false;
        }
      };
      timer = setInterval(() => void poll(), options.intervalSeconds * 1000);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

async function fetchStatusPage(options: NagiosDatasourceOptions): Promise<string> {
  const url = new URL(options.url);
  url.searchParams.set("host", "all");
  url.searchParams.set("limit", "0");
  const credentials = Buffer.from(`${options.user}:${options.password}`).toString("base64");
  const response = await fetch(url, {
    headers: { authorization: `Basic ${credentials}` },
    signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Nagios returned HTTP ${response.status}`);
  }
  return response.text();
}

/** Keeps the services whose host maps to a resource, with that resource. */
export function mapAlarms(
  services: NagiosServiceStatus[],
  mappings: NagiosHostMapping[],
): NagiosAlarm[] {
  const alarms: NagiosAlarm[] = [];
  for (const service of services) {
    const resource = mapNagiosHost(mappings, service.host);
    if (resource !== undefined) {
      alarms.push({ ...service, resourceType: resource.type, resourceName: resource.name });
    }
  }
  return alarms;
}

/** Turns alarm changes into entity events; an OK status or a vanished alarm is a delete. */
export function toEntityEvents(
  changes: AlarmChange<NagiosAlarm>[],
  action: "snapshot" | "update",
): EntityEvent[] {
  return changes.map(({ alarm, action: change }) => {
    const cleared = change === "delete" || alarm.status === OK;
    const updated = parseNagiosTime(alarm.lastCheck);
    return {
      action: cleared ? "delete" : action,
      datasource: "nagios",
      category: "ALARM",
      type: "nagios",
      id: `${alarm.resourceType}:${alarm.resourceName}:${alarm.service}`,
      name: alarm.service,
      severity: alarm.status,
      state: cleared ? "Inactive" : "Active",
      ...(updated === undefined ? {} : { updateTimestamp: updated }),
      properties: {
        resource_id: alarm.resourceName,
        info: alarm.statusInfo,
        nagios_host: alarm.host,
      },
      relationships: [
        {
          relationshipType: "on",
          direction: "outgoing",
          neighbor: { type: alarm.resourceType, name: alarm.resourceName },
        },
      ],
    };
  });
}

/**
 * Reads the "Last Check" column, written in the Nagios server's local time as
 * `MM-DD-YYYY HH:MM:SS` (date_format=us, the default) or `YYYY-MM-DD HH:MM:SS` (iso8601).
 * Returns undefined for other formats, so the sample time is used instead.
 */
export function parseNagiosTime(text: string): Date | undefined {
  const us = /^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(text);
  const iso = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)$/.exec(text);
  let parts: number[];
  if (us !== null) {
    const [, month, day, year, hour, minute, second] = us.map(Number) as number[];
    parts = [year, month, day, hour, minute, second] as number[];
  } else if (iso !== null) {
    parts = iso.slice(1).map(Number);
  } else {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = parts as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hour, minute, second);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
