/** Reads a JSON object column, returning an empty object for anything else. */
export function parseJsonObject(text: string | null | undefined): Record<string, unknown> {
  const value = parseJson(text);
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Reads a JSON array column, returning an empty array for anything else. */
export function parseJsonArray<T>(text: string | null | undefined): T[] {
  const value = parseJson(text);
  return Array.isArray(value) ? (value as T[]) : [];
}

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === "") {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
