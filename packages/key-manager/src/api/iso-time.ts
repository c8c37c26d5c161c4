const ISO_PATTERN =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date or date-time as upstream's `parse_isotime` accepts it: a date alone, or
 * a date and time with optional seconds, fraction and zone. A value without a zone is UTC.
 * Returns undefined for anything else, including impossible dates such as February 30 and zone
 * offsets of 24 hours or more, which Python's `timezone` rejects.
 */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO_PATTERN.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const milliseconds = Math.floor(Number(`0.${fraction ?? "0"}`) * 1000);
  const utc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0),
    milliseconds,
  );
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== Number(year) ||
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    Number(hour ?? 0) > 23 ||
    Number(minute ?? 0) > 59 ||
    Number(second ?? 0) > 59
  ) {
    return undefined;
  }
  const offset = zoneOffsetMs(zone);
  if (Math.abs(offset) >= 24 * 60 * 60_000) {
    return undefined;
  }
  return new Date(utc - offset);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") {
    return 0;
  }
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

/** Returns the time truncated to whole seconds. */
export function floorToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Returns the time rounded up to whole seconds. */
export function ceilToSecond(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / 1000) * 1000);
}
