/** Ids the API generates: lower-case version 4 UUIDs, the only form upstream accepts in paths. */
const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Returns true when `id` is a lower-case version 4 UUID. */
export function isUuidV4(id: string): boolean {
  return UUID_V4_PATTERN.test(id);
}

/**
 * Returns the id at the end of an entity reference, as upstream reads it: the last path segment,
 * or the one before a trailing slash.
 */
export function idFromRef(ref: string): string {
  const trimmed = ref.endsWith("/") ? ref.slice(0, -1) : ref;
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? trimmed : trimmed.slice(slash + 1);
}
