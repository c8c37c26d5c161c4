/**
 * Formats a parsed JSON value as Python's `repr()` would, because upstream's validation messages
 * come from jsonschema, which quotes the offending value that way ("123 is not of type 'string'").
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) {
    return "None";
  }
  if (value === true) {
    return "True";
  }
  if (value === false) {
    return "False";
  }
  if (typeof value === "number") {
    return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : pythonFloat(value);
  }
  if (typeof value === "string") {
    return pythonString(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonRepr).join(", ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonRepr(item)}`).join(", ")}}`;
}

/** Formats a list of strings as Python prints it: `['a', 'b']`. */
export function pythonList(values: readonly string[]): string {
  return `[${values.map(pythonString).join(", ")}]`;
}

function pythonFloat(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const character of text) {
    body += escapeCharacter(character, quote);
  }
  return `${quote}${body}${quote}`;
}

function escapeCharacter(character: string, quote: string): string {
  switch (character) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      break;
  }
  if (character === quote) {
    return `\\${quote}`;
  }
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) {
    return `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return character;
}
