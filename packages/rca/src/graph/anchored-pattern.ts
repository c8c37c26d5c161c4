/**
 * Regular expressions that callers supply (template `.regex` properties, webhook
 * `regex_filter`s), matched from the start of the value as Python's `re.match` does.
 *
 * They run on RE2JS, a linear-time engine, because a backtracking engine such as V8's RegExp
 * takes exponential time on patterns like `(a+)+$` and would stop the whole service on one
 * long name. RE2 syntax covers Python's common forms (named groups `(?P<name>...)`, inline
 * flags `(?i)`, POSIX classes); `\Z` is translated to RE2's `\z`.
 *
 * NOTE: back references (`(?P=name)`, `\1`) and lookaround (`(?=`, `(?!`, `(?<=`) have no
 * linear-time form, so such patterns are rejected as invalid (template code 47, webhook
 * "Invalid RegEx"), whereas upstream's Python `re` accepts them.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { RE2JS } from "re2js";

/** A compiled pattern anchored at the start of the value. */
export interface AnchoredPattern {
  /** Returns true when the pattern matches a prefix of `value` (possibly empty). */
  test(value: string): boolean;
}

/** Options of {@link compileAnchoredPattern}. */
export interface PatternOptions {
  ignoreCase?: boolean;
}

/** Compiled patterns by flags and source; bounded, because patterns come from callers. */
const cache = new LRUCache<string, AnchoredPattern>({ max: 4096 });

/**
 * Compiles `pattern` for matches anchored at the start of the value.
 *
 * @throws {SyntaxError} when the pattern is invalid or uses syntax without a linear-time form.
 */
export function compileAnchoredPattern(
  pattern: string,
  options: PatternOptions = {},
): AnchoredPattern {
  const key = `${options.ignoreCase === true ? "i" : "-"}${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const flags = options.ignoreCase === true ? RE2JS.CASE_INSENSITIVE : 0;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(`^(?:${translatePython(pattern)})`, flags);
  } catch (error) {
    throw new SyntaxError(`invalid regular expression ${JSON.stringify(pattern)}`, {
      cause: error,
    });
  }
  const anchored: AnchoredPattern = { test: (value) => compiled.test(value) };
  cache.set(key, anchored);
  return anchored;
}

/** Returns true when {@link compileAnchoredPattern} accepts the pattern. */
export function isValidPattern(pattern: string): boolean {
  try {
    compileAnchoredPattern(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rewrites Python's end-of-string `\Z` as `\z`. Escape pairs are read left to right, so an
 * escaped backslash followed by `Z` stays as it is.
 */
function translatePython(pattern: string): string {
  return pattern.replace(/\\(.)/gs, (pair, escaped: string) => (escaped === "Z" ? "\\z" : pair));
}
