/** Docker driver options: `-o key=value` and `--ipam-opt key=value` arrive as a string map. */
export type OptionMap = Record<string, unknown>;

/** Returns the option as text, or "" when it is missing or not a scalar. */
export function stringOption(options: OptionMap | null | undefined, key: string): string {
  const value = options?.[key];
  if (typeof value === "string") {
    return value.trim();
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return "";
}

/**
 * Reads a boolean option the way oslo's `bool_from_string` does (`true`, `yes`, `on`, `1`, any
 * case); returns undefined when the option is missing.
 */
export function booleanOption(
  options: OptionMap | null | undefined,
  key: string,
): boolean | undefined {
  const text = stringOption(options, key);
  if (text === "") {
    return undefined;
  }
  return ["true", "yes", "on", "1", "y", "t"].includes(text.toLowerCase());
}
