/** Columns of Neutron's standard attributes as stored. */
export interface StandardRow {
  id: string;
  project_id: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number | string;
}

/** Formats a stored timestamp the way Neutron shows it: `2026-01-31T12:00:00Z`. */
export function apiTimestamp(stored: string): string {
  return `${stored.slice(0, 19)}Z`;
}

/** Returns the standard attributes of a resource: project, description, tags, timestamps, revision. */
export function standardAttributeValues(row: StandardRow, tags: string[]) {
  return {
    tenant_id: row.project_id,
    project_id: row.project_id,
    description: row.description,
    tags,
    created_at: apiTimestamp(row.created_at),
    updated_at: apiTimestamp(row.updated_at),
    revision_number: Number(row.revision_number),
  };
}

/** Keeps only the requested fields; an empty request keeps everything. */
export function selectFields(
  item: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  if (fields.length === 0) {
    return item;
  }
  const selected: Record<string, unknown> = {};
  for (const field of fields) {
    if (field in item) {
      selected[field] = item[field];
    }
  }
  return selected;
}

/** Groups rows by a key, keeping their order. */
export function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group === undefined) {
      groups.set(key(row), [row]);
    } else {
      group.push(row);
    }
  }
  return groups;
}

/** Parses a JSON column, falling back to an empty object for damaged text. */
export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
