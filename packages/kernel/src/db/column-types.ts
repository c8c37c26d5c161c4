import type { SqlDialect } from "./open-database.js";

/**
 * Column types that differ between dialects. Timestamps are stored as fixed-width ISO-8601 UTC
 * text (`2026-01-31T12:00:00.000Z`), which sorts and compares correctly as text on every dialect
 * and never passes through a driver's time-zone conversion.
 */
export function columnTypes(dialect: SqlDialect) {
  return {
    id: "varchar(36)",
    timestamp: "varchar(32)",
    binary: dialect === "postgres" ? "bytea" : dialect === "mysql" ? "longblob" : "blob",
    text: dialect === "mysql" ? "longtext" : "text",
    json: dialect === "mysql" ? "longtext" : "text",
  } as const;
}

/** Current time as stored in timestamp columns. */
export function nowTimestamp(): string {
  return new Date().toISOString();
}

/** Converts a Date to the stored timestamp text. */
export function toTimestamp(date: Date): string {
  return date.toISOString();
}

/** Formats a stored timestamp without fraction or zone, as `2026-01-31T12:00:00`. */
export function isoSeconds(stored: string | null | undefined): string | null {
  if (stored === null || stored === undefined) {
    return null;
  }
  return stored.slice(0, 19);
}
