/**
 * Template property matching: whether an element carries every property a template entity or
 * relationship requires. Keys ending in `.regex` match the property without the suffix against
 * a regular expression anchored at the start, as Python's `re.match` does.
 *
 * @module
 */

import { type AnchoredPattern, compileAnchoredPattern } from "./anchored-pattern.js";

const REGEX_SUFFIX = ".regex";

/**
 * Returns true when `data` has every property of `filter` with an equal value (strict
 * equality), skipping the keys in `ignoredKeys`. An array in the filter accepts any of its
 * values.
 */
export function matchesFilter(
  data: Readonly<Record<string, unknown>>,
  filter: Readonly<Record<string, unknown>>,
  ignoredKeys?: ReadonlySet<string>,
): boolean {
  for (const key in filter) {
    if (ignoredKeys?.has(key)) {
      continue;
    }
    if (!matchesProperty(data, key, filter[key])) {
      return false;
    }
  }
  return true;
}

function matchesProperty(
  data: Readonly<Record<string, unknown>>,
  key: string,
  expected: unknown,
): boolean {
  const accepted = Array.isArray(expected) ? expected : [expected];
  if (accepted.includes(data[key])) {
    return true;
  }
  if (!key.toLowerCase().endsWith(REGEX_SUFFIX)) {
    return false;
  }
  const property = key.slice(0, -REGEX_SUFFIX.length);
  return matchesPattern(data[property], String(accepted[0]));
}

/** Returns true when `value` is a string that `pattern` matches from its first character. */
export function matchesPattern(value: unknown, pattern: string): boolean {
  if (typeof value !== "string") {
    return false;
  }
  return compilePattern(pattern).test(value);
}

/**
 * Compiles a template regular expression, anchored at the start like Python's `re.match`, on
 * the linear-time engine of {@link compileAnchoredPattern}.
 *
 * @throws {SyntaxError} when the pattern is invalid (validation code 47).
 */
export function compilePattern(pattern: string): AnchoredPattern {
  return compileAnchoredPattern(pattern);
}
