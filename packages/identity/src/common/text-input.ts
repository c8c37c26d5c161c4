/** An unpaired UTF-16 surrogate, which has no UTF-8 encoding and so cannot be stored as text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns why a string from a request cannot be stored, or undefined when it can. PostgreSQL
 * rejects NUL in text columns, and drivers replace an unpaired surrogate with U+FFFD, so the
 * stored value would differ from the one the client sent.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) {
    return "contains a NUL character";
  }
  if (LONE_SURROGATE.test(text)) {
    return "contains an unpaired UTF-16 surrogate";
  }
  return undefined;
}

/** A string of a request body that cannot be stored: its dotted field path and the reason. */
export interface InvalidText {
  path: string;
  problem: string;
}

/**
 * Finds the first key or string value of a parsed JSON body that cannot be stored. The walk uses
 * its own stack, because a body within the size limit can nest tens of thousands of levels deep.
 */
export function findInvalidText(value: unknown): InvalidText | undefined {
  const pending: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const found = checkNode(next.value, next.path, pending);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function checkNode(
  value: unknown,
  path: string[],
  pending: Array<{ value: unknown; path: string[] }>,
): InvalidText | undefined {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem === undefined ? undefined : { path: path.join("."), problem };
  }
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const problem = textProblem(key);
    if (problem !== undefined) {
      return { path: path.join("."), problem: `a field name ${problem}` };
    }
    pending.push({ value: child, path: [...path, key] });
  }
  return undefined;
}
