import type { StoredAlarm } from "../../storage/alarm-history-repo.js";

/**
 * Formats a stored timestamp as Python's `str()` of an aware UTC datetime, the way upstream
 * returns `start_timestamp` and `end_timestamp`: `2026-01-31 12:00:00.123000+00:00`, without the
 * fraction when it is zero.
 */
export function pythonUtcTimestamp(stored: string): string {
  const date = stored.slice(0, 10);
  const time = stored.slice(11, 19);
  const millis = stored.slice(20, 23);
  const fraction = millis === "" || millis === "000" ? "" : `.${millis}000`;
  return `${date} ${time}${fraction}+00:00`;
}

/**
 * An alarm as alarm lists and RCA graphs return it: its stored properties with its start time,
 * and for an ended alarm its end time, severity OK and state Inactive.
 */
export function renderAlarm(alarm: StoredAlarm): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    ...alarm.payload,
    start_timestamp: pythonUtcTimestamp(alarm.startTimestamp),
  };
  if (!alarm.active) {
    rendered.end_timestamp = pythonUtcTimestamp(alarm.endTimestamp);
    rendered.vitrage_operational_severity = "OK";
    rendered.state = "Inactive";
  }
  return rendered;
}
