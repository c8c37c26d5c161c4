/**
 * Timestamps in the form upstream stores on vertices and edges: `YYYY-MM-DDTHH:MM:SSZ` (UTC,
 * whole seconds). Strings of this fixed width compare in time order.
 *
 * @module
 */
import { createHash } from "node:crypto";

let lastSecond = Number.NaN;
let lastFormatted = "";

/** Formats a time as `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatTimestamp(time: Date): string {
  const second = Math.floor(time.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastFormatted = `${time.toISOString().slice(0, 19)}Z`;
  }
  return lastFormatted;
}

/**
 * Normalises a timestamp from a datasource (ISO-8601 string of any precision, or a Date). An
 * unparsable value yields `fallback`.
 */
export function normaliseTimestamp(value: string | Date | undefined, fallback: Date): string {
  if (value === undefined) {
    return formatTimestamp(fallback);
  }
  const time = value instanceof Date ? value : new Date(value);
  return Number.isNaN(time.getTime()) ? formatTimestamp(fallback) : formatTimestamp(time);
}

/** Returns the hex MD5 digest of a string (upstream's `vitrage_cached_id` and trigger ids). */
export function md5Hex(text: string): string {
  return createHash("md5").update(text).digest("hex");
}
