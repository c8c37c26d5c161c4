/**
 * Formats a value as Python's `str()` prints it, because cliff's table, value and shell formats
 * print the values of python-barbicanclient that way: `None`, `True`, and dicts as
 * `{'default': 'text/plain'}`.
 */
export function pythonText(value: unknown): string {
  if (typeof value === "string") {
    return value;
  }
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) {
    return "None";
  }
  if (typeof value === "boolean") {
    return value ? "True" : "False";
  }
  if (typeof value === "number") {
    return String(value);
  }
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    return `${quote}${value.replaceAll("\\", "\\\\")}${quote}`;
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonRepr).join(", ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(", ")}}`;
}
