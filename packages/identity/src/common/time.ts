/**
 * Time formats on the wire. Keystone writes token times with microseconds and a `Z`
 * (`2026-12-04T18:00:00.000000Z`); this service keeps milliseconds, so the last three digits are 0.
 */
export function keystoneTime(stored: string): string {
  return `${stored.slice(0, 23)}000Z`;
}

/** Formats a stored timestamp as `2026-12-04T18:00:00.000000` with no zone, as Python's isoformat. */
export function pythonIsoTime(storedMicros: string): string {
  const withoutZone = storedMicros.endsWith("Z") ? storedMicros.slice(0, -1) : storedMicros;
  return withoutZone.endsWith(".000000") ? withoutZone.slice(0, 19) : withoutZone;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO-8601 time from a request into fixed-width UTC text with microseconds
 * (`2026-12-04T18:00:00.123456Z`), keeping the microseconds a JavaScript Date would drop. A time
 * without a zone is UTC. Returns undefined when the text is not such a time, or names a day or
 * time that does not exist (February 30, 24:00), which `Date.parse` would roll over.
 */
export function parseRequestTime(text: string): string | undefined {
  const match = ISO_TIME.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second = "00", fraction = "", zone = "Z"] = match;
  const micros = fraction.padEnd(6, "0");
  if (!isCalendarTime(Number(year), Number(month), Number(day), hour, minute, second)) {
    return undefined;
  }
  const base = Date.parse(
    `${year}-${month}-${day}T${hour}:${minute}:${second}${normalizeZone(zone)}`,
  );
  if (Number.isNaN(base)) {
    return undefined;
  }
  return `${new Date(base).toISOString().slice(0, 19)}.${micros}Z`;
}

function isCalendarTime(
  year: number,
  month: number,
  day: number,
  ...clock: Array<string | undefined>
): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  const [hour, minute, second] = clock.map(Number) as [number, number, number];
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

function normalizeZone(zone: string): string {
  if (zone === "Z" || zone.includes(":")) {
    return zone;
  }
  return `${zone.slice(0, 3)}:${zone.slice(3)}`;
}
