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
    values[name] = shellWord(rawValue.trim());
  }
  return values;
}

/**
 * Reads one POSIX shell word without expansions: `'...'` is literal, `"..."` honours `\"` and
 * `\\`, and adjacent parts join, so the stack's `'pa'\''ss'` reads as `pa'ss`.
 */
function shellWord(text: string): string {
  let value = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === "'") {
      const end = text.indexOf("'", index + 1);
      const stop = end === -1 ? text.length : end;
      value += text.slice(index + 1, stop);
      index = stop + 1;
    } else if (char === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') {
        const next = text[index + 1];
        if (text[index] === "\\" && (next === '"' || next === "\\")) {
          index += 1;
        }
        value += text[index];
        index += 1;
      }
      index += 1;
    } else if (char === "\\" && index + 1 < text.length) {
      value += text[index + 1];
      index += 2;
    } else {
      value += char;
      index += 1;
    }
  }
  return value;
}
