/**
 * Splits the attributes of a request object that the API does not define, which Keystone keeps
 * and returns as given (such as a user's `email`). `id` and `links` are never kept.
 */
export function extraAttributes(
  body: Record<string, unknown>,
  known: readonly string[],
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!known.includes(key) && key !== "id" && key !== "links") {
      extra[key] = value;
    }
  }
  return extra;
}
