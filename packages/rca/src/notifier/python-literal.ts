/**
 * Parses the Python literals that upstream Vitrage stores for webhook `headers` and
 * `regex_filter` and reads with `ast.literal_eval`: dicts, lists, tuples, strings in single or
 * double quotes, numbers, True, False and None. JSON documents parse too. Throws a SyntaxError
 * naming the position of the first problem.
 */
export function parsePythonLiteral(text: string): unknown {
  const parser = new LiteralParser(text);
  const value = parser.value();
  parser.end();
  return value;
}

/** Parses a dict literal whose values are all strings; throws when it is anything else. */
export function parseStringDict(text: string): Record<string, string> {
  const value = parsePythonLiteral(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("expected a dict literal");
  }
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    result[key] = typeof entry === "string" ? entry : String(entry);
  }
  return result;
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "/": "/",
  b: "\b",
  f: "\f",
};

class LiteralParser {
  readonly #text: string;
  #index = 0;

  constructor(text: string) {
    this.#text = text;
  }

  value(): unknown {
    this.#skipSpace();
    const char = this.#text[this.#index];
    if (char === "{") {
      return this.#dict();
    }
    if (char === "[" || char === "(") {
      return this.#list(char === "[" ? "]" : ")");
    }
    if (char === "'" || char === '"') {
      return this.#string(char);
    }
    return this.#word();
  }

  end(): void {
    this.#skipSpace();
    if (this.#index < this.#text.length) {
      this.#fail("unexpected text after the literal");
    }
  }

  #dict(): Record<string, unknown> {
    this.#index += 1;
    const result: Record<string, unknown> = {};
    for (;;) {
      this.#skipSpace();
      if (this.#consume("}")) {
        return result;
      }
      const key = this.value();
      this.#skipSpace();
      if (!this.#consume(":")) {
        this.#fail("expected ':'");
      }
      result[String(key)] = this.value();
      this.#skipSpace();
      if (!this.#consume(",")) {
        this.#skipSpace();
        if (!this.#consume("}")) {
          this.#fail("expected ',' or '}'");
        }
        return result;
      }
    }
  }

  #list(close: string): unknown[] {
    this.#index += 1;
    const result: unknown[] = [];
    for (;;) {
      this.#skipSpace();
      if (this.#consume(close)) {
        return result;
      }
      result.push(this.value());
      this.#skipSpace();
      if (!this.#consume(",")) {
        this.#skipSpace();
        if (!this.#consume(close)) {
          this.#fail(`expected ',' or '${close}'`);
        }
        return result;
      }
    }
  }

  #string(quote: string): string {
    this.#index += 1;
    let result = "";
    while (this.#index < this.#text.length) {
      const char = this.#text[this.#index] as string;
      this.#index += 1;
      if (char === quote) {
        return result;
      }
      if (char !== "\\") {
        result += char;
        continue;
      }
      const next = this.#text[this.#index] ?? "";
      this.#index += 1;
      if (next === "u") {
        result += String.fromCharCode(
          Number.parseInt(this.#text.slice(this.#index, this.#index + 4), 16),
        );
        this.#index += 4;
      } else {
        result += ESCAPES[next] ?? `\\${next}`;
      }
    }
    return this.#fail("unterminated string");
  }

  #word(): unknown {
    const match = /^(?:True|False|None|true|false|null|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)/.exec(
      this.#text.slice(this.#index),
    );
    if (match === null) {
      return this.#fail("expected a value");
    }
    this.#index += match[0].length;
    switch (match[0]) {
      case "True":
      case "true":
        return true;
      case "False":
      case "false":
        return false;
      case "None":
      case "null":
        return null;
      default:
        return Number(match[0]);
    }
  }

  #consume(char: string): boolean {
    if (this.#text[this.#index] === char) {
      this.#index += 1;
      return true;
    }
    return false;
  }

  #skipSpace(): void {
    while (/\s/.test(this.#text[this.#index] ?? "")) {
      this.#index += 1;
    }
  }

  #fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.#index}`);
  }
}
