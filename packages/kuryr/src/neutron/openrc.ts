import { readFileSync } from "node:fs";

/**
 * Reads the `OS_*` variables of an openrc file (`export OS_USERNAME=admin`, values optionally in
 * single or double quotes). The file is parsed, never run by a shell. Returns an empty map when the
 * file does not exist.
 */
export function readOpenrc(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return {};
    }
    throw error;
  }
  return parseOpenrc(text);
}

/** Parses openrc text into its `OS_*` assignments; other lines are ignored. */
export function parseOpenrc(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split("\n")) {
    const match = /^\s*(?:export\s+)?(OS_[A-Z0-9_]+)=(.*)$/.exec(rawLine);
    if (match === null) {
      continue;
    }
    const [, name, rawValue] = match as unknown as [string, string, string];
    values[name] = unquote(rawValue.trim());
  }
  return values;
}

function unquote(value: string): string {
  const first = value[0];
  if ((first === '"' || first === "'") && value.endsWith(first) && value.length >= 2) {
    return value.slice(1, -1);
  }
  return value;
}
