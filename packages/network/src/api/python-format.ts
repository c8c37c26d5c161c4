/**
 * Neutron builds its error messages with Python's `%s` formatting, so a list shows as
 * `['a', 'b']` and a boolean as `True`. Clients and tempest match on those messages; these helpers
 * print JavaScript values the same way.
 */

/** Formats a value as Python's `str()` would. */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") {
    return value;
  }
  return pythonRepr(value);
}

/** Formats a value as Python's `repr()` would. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) {
    return "None";
  }
  if (value === true) {
    return "True";
  }
  if (value === false) {
    return "False";
  }
  if (typeof value === "string") {
    return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value}'`;
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonRepr).join(", ")}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`,
    );
    return `{${entries.join(", ")}}`;
  }
  return String(value);
}
