/**
 * Parser and evaluator for oslo.policy rule expressions, such as
 * `role:admin or (role:member and project_id:%(target.secret.project_id)s)`.
 *
 * Checks: `@` (always), `!` (never), `rule:<name>`, `role:<name>` (case-insensitive), and the
 * generic `<left>:<right>`, where `<right>` may contain `%(key)s` substitutions from the target and
 * `<left>` is either a literal (`True`, `'member'`, `42`) or a dotted path into the credentials.
 * Operators: `and` binds tighter than `or`, `not` applies to one term, parentheses group. The empty
 * rule always passes.
 */
export type PolicyRule =
  | { kind: "always" }
  | { kind: "never" }
  | { kind: "rule"; name: string }
  | { kind: "role"; match: string }
  | { kind: "generic"; left: string; match: string }
  | { kind: "and"; rules: PolicyRule[] }
  | { kind: "or"; rules: PolicyRule[] }
  | { kind: "not"; rule: PolicyRule };

export class PolicySyntaxError extends Error {
  constructor(expression: string, reason: string) {
    super(`invalid policy rule "${expression}": ${reason}`);
    this.name = "PolicySyntaxError";
  }
}

type Token = { type: "(" | ")" | "and" | "or" | "not" } | { type: "check"; text: string };

export function parsePolicyRule(expression: string): PolicyRule {
  const tokens = tokenize(expression);
  if (tokens.length === 0) {
    return { kind: "always" };
  }
  const parser = new Parser(tokens, expression);
  const rule = parser.parseOr();
  if (!parser.atEnd()) {
    throw new PolicySyntaxError(expression, "unexpected text after the end of the rule");
  }
  return rule;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  for (const word of expression.split(/\s+/).filter((part) => part !== "")) {
    let text = word;
    while (text.startsWith("(")) {
      tokens.push({ type: "(" });
      text = text.slice(1);
    }
    let closing = 0;
    while (text.endsWith(")")) {
      closing += 1;
      text = text.slice(0, -1);
    }
    if (text !== "") {
      const lower = text.toLowerCase();
      if (lower === "and" || lower === "or" || lower === "not") {
        tokens.push({ type: lower });
      } else {
        tokens.push({ type: "check", text });
      }
    }
    for (let index = 0; index < closing; index += 1) {
      tokens.push({ type: ")" });
    }
  }
  return tokens;
}

class Parser {
  #position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly expression: string,
  ) {}

  atEnd(): boolean {
    return this.#position >= this.tokens.length;
  }

  parseOr(): PolicyRule {
    const rules = [this.parseAnd()];
    while (this.#peek()?.type === "or") {
      this.#position += 1;
      rules.push(this.parseAnd());
    }
    return rules.length === 1 ? (rules[0] as PolicyRule) : { kind: "or", rules };
  }

  parseAnd(): PolicyRule {
    const rules = [this.parseNot()];
    while (this.#peek()?.type === "and") {
      this.#position += 1;
      rules.push(this.parseNot());
    }
    return rules.length === 1 ? (rules[0] as PolicyRule) : { kind: "and", rules };
  }

  parseNot(): PolicyRule {
    const token = this.#peek();
    if (token === undefined) {
      throw new PolicySyntaxError(this.expression, "the rule ends where a check was expected");
    }
    this.#position += 1;
    if (token.type === "not") {
      return { kind: "not", rule: this.parseNot() };
    }
    if (token.type === "(") {
      const inner = this.parseOr();
      if (this.#peek()?.type !== ")") {
        throw new PolicySyntaxError(this.expression, "missing closing parenthesis");
      }
      this.#position += 1;
      return inner;
    }
    if (token.type === "check") {
      return parseCheck(token.text, this.expression);
    }
    throw new PolicySyntaxError(this.expression, `unexpected "${token.type}"`);
  }

  #peek(): Token | undefined {
    return this.tokens[this.#position];
  }
}

function parseCheck(text: string, expression: string): PolicyRule {
  if (text === "@") {
    return { kind: "always" };
  }
  if (text === "!") {
    return { kind: "never" };
  }
  const colon = text.indexOf(":");
  if (colon <= 0) {
    throw new PolicySyntaxError(expression, `"${text}" is not of the form kind:match`);
  }
  const left = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (left === "rule") {
    return { kind: "rule", name: match };
  }
  if (left === "role") {
    return { kind: "role", match };
  }
  return { kind: "generic", left, match };
}

export type RuleLookup = (name: string) => PolicyRule | undefined;

/** Evaluates a parsed rule against a target (flat dotted keys or nested objects) and credentials. */
export function evaluatePolicyRule(
  rule: PolicyRule,
  target: Record<string, unknown>,
  credentials: Record<string, unknown>,
  lookup: RuleLookup,
  depth = 0,
): boolean {
  if (depth > 50) {
    throw new Error("policy rules refer to each other in a loop");
  }
  switch (rule.kind) {
    case "always":
      return true;
    case "never":
      return false;
    case "and":
      return rule.rules.every((inner) =>
        evaluatePolicyRule(inner, target, credentials, lookup, depth + 1),
      );
    case "or":
      return rule.rules.some((inner) =>
        evaluatePolicyRule(inner, target, credentials, lookup, depth + 1),
      );
    case "not":
      return !evaluatePolicyRule(rule.rule, target, credentials, lookup, depth + 1);
    case "rule": {
      const referenced = lookup(rule.name);
      return (
        referenced !== undefined &&
        evaluatePolicyRule(referenced, target, credentials, lookup, depth + 1)
      );
    }
    case "role": {
      const match = substitute(rule.match, target);
      if (match === undefined) {
        return false;
      }
      const roles = Array.isArray(credentials.roles) ? (credentials.roles as unknown[]) : [];
      return roles.some((role) => String(role).toLowerCase() === match.toLowerCase());
    }
    case "generic":
      return evaluateGeneric(rule.left, rule.match, target, credentials);
  }
}

function evaluateGeneric(
  left: string,
  matchTemplate: string,
  target: Record<string, unknown>,
  credentials: Record<string, unknown>,
): boolean {
  const match = substitute(matchTemplate, target);
  if (match === undefined) {
    return false;
  }
  const literal = parseLiteral(left);
  if (literal !== undefined) {
    return match === literal;
  }
  return findInCredentials(credentials, left.split("."), match);
}

function findInCredentials(value: unknown, path: string[], match: string): boolean {
  if (Array.isArray(value)) {
    return value.some((item) => findInCredentials(item, path, match));
  }
  if (path.length === 0) {
    return match === pythonString(value);
  }
  if (value === null || typeof value !== "object") {
    return false;
  }
  const [key, ...rest] = path as [string, ...string[]];
  if (!(key in value)) {
    return false;
  }
  return findInCredentials((value as Record<string, unknown>)[key], rest, match);
}

/** Replaces `%(key)s` with target values; returns undefined when a key is missing. */
function substitute(template: string, target: Record<string, unknown>): string | undefined {
  let missing = false;
  const result = template.replace(/%\(([^)]+)\)s/g, (_whole, key: string) => {
    const value = lookupTarget(target, key);
    if (value === undefined) {
      missing = true;
      return "";
    }
    return pythonString(value);
  });
  return missing ? undefined : result;
}

function lookupTarget(target: Record<string, unknown>, key: string): unknown {
  if (key in target) {
    return target[key];
  }
  let node: unknown = target;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Formats a value as Python's `str()` would, because oslo.policy compares strings made that way. */
function pythonString(value: unknown): string {
  if (value === true) {
    return "True";
  }
  if (value === false) {
    return "False";
  }
  if (value === null || value === undefined) {
    return "None";
  }
  return String(value);
}

/** Returns the string form of a Python literal on the left of a check, or undefined if it is a path. */
function parseLiteral(text: string): string | undefined {
  if (text === "True" || text === "False" || text === "None") {
    return text;
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return String(Number(text));
  }
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted !== null) {
    return quoted[2];
  }
  return undefined;
}
