/**
 * Template conditions: boolean expressions over template ids with `and`, `or`, `not` and
 * parentheses, converted to disjunctive normal form (an or of and-clauses). Each and-clause
 * becomes one pattern the evaluator matches in the graph.
 *
 * Operators are recognised the way upstream rewrites them before parsing: ` and `/` AND `,
 * ` or `/` OR ` with a space on both sides, and `not `/`NOT ` followed by a space. Precedence is
 * Python's: `not` binds tightest, then `and`, then `or`.
 *
 * @module
 */

/** One literal of an and-clause: a template id, negated or not. */
export interface ConditionTerm {
  readonly symbol: string;
  readonly positive: boolean;
}

/** A condition in disjunctive normal form: the outer list is or-ed, each inner list and-ed. */
export type DnfCondition = readonly (readonly ConditionTerm[])[];

/** Raised when a condition cannot be parsed (validation code 85). */
export class ConditionParseError extends Error {
  readonly code = "invalid_condition";

  constructor(message: string) {
    super(message);
    this.name = "ConditionParseError";
  }
}

/** The largest number of and-clauses a condition may expand to. */
export const MAX_DNF_CLAUSES = 1024;

const OPERATOR_REWRITES: readonly [string, string][] = [
  [" and ", "&"],
  [" AND ", "&"],
  [" or ", "|"],
  [" OR ", "|"],
  [" not ", "~"],
  [" NOT ", "~"],
  ["not ", "~"],
  ["NOT ", "~"],
];

/** Python keywords, which cannot be template ids in a condition. */
const RESERVED_WORDS = new Set([
  "and",
  "or",
  "not",
  "in",
  "is",
  "if",
  "else",
  "lambda",
  "None",
  "True",
  "False",
  "for",
  "while",
  "def",
  "class",
  "return",
  "import",
  "from",
  "as",
  "with",
  "yield",
  "pass",
  "del",
  "global",
  "nonlocal",
  "assert",
  "break",
  "continue",
  "try",
  "except",
  "finally",
  "raise",
  "elif",
  "await",
  "async",
]);

type Expression =
  | { readonly kind: "symbol"; readonly name: string }
  | { readonly kind: "not"; readonly operand: Expression }
  | { readonly kind: "and" | "or"; readonly operands: readonly Expression[] };

/**
 * Parses a condition and converts it to DNF. Literals inside a clause are deduplicated and
 * sorted by name, and identical clauses are merged. Nothing else is simplified (`a or a and b`
 * keeps both clauses, `a and not a` stays a clause).
 *
 * @throws {ConditionParseError} for a syntax error or more than {@link MAX_DNF_CLAUSES} clauses.
 */
export function parseCondition(condition: string): DnfCondition {
  let rewritten = condition;
  for (const [operator, symbol] of OPERATOR_REWRITES) {
    rewritten = rewritten.replaceAll(operator, symbol);
  }
  const expression = new ConditionParser(rewritten).parse();
  return toDnf(expression, true);
}

/** Returns true when some clause has a positive literal. */
export function hasPositiveClause(condition: DnfCondition): boolean {
  return condition.some((clause) => clause.some((term) => term.positive));
}

/** Returns the symbols a condition names, in order of first appearance in its DNF. */
export function conditionSymbols(condition: DnfCondition): string[] {
  const symbols = new Set<string>();
  for (const clause of condition) {
    for (const term of clause) {
      symbols.add(term.symbol);
    }
  }
  return [...symbols];
}

class ConditionParser {
  private readonly tokens: string[];
  private position = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parse(): Expression {
    if (this.tokens.length === 0) {
      throw new ConditionParseError("condition is empty");
    }
    const expression = this.parseOr();
    if (this.position < this.tokens.length) {
      throw new ConditionParseError(
        `unexpected ${JSON.stringify(this.tokens[this.position])} in ${JSON.stringify(this.text)}`,
      );
    }
    return expression;
  }

  private parseOr(): Expression {
    const operands = [this.parseAnd()];
    while (this.peek() === "|") {
      this.position++;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? (operands[0] as Expression) : { kind: "or", operands };
  }

  private parseAnd(): Expression {
    const operands = [this.parseUnary()];
    while (this.peek() === "&") {
      this.position++;
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? (operands[0] as Expression) : { kind: "and", operands };
  }

  private parseUnary(): Expression {
    if (this.peek() === "~") {
      this.position++;
      return { kind: "not", operand: this.parseUnary() };
    }
    return this.parseAtom();
  }

  private parseAtom(): Expression {
    const token = this.peek();
    if (token === undefined) {
      throw new ConditionParseError(`unexpected end of ${JSON.stringify(this.text)}`);
    }
    this.position++;
    if (token === "(") {
      const inner = this.parseOr();
      if (this.peek() !== ")") {
        throw new ConditionParseError(`missing ")" in ${JSON.stringify(this.text)}`);
      }
      this.position++;
      return inner;
    }
    if (/^[A-Za-z_]\w*$/.test(token) && !RESERVED_WORDS.has(token)) {
      return { kind: "symbol", name: token };
    }
    throw new ConditionParseError(
      `unexpected ${JSON.stringify(token)} in ${JSON.stringify(this.text)}`,
    );
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:([A-Za-z_]\w*)|([&|~()])|(\S))/gy;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const [, word, operator, other] = match;
    if (other !== undefined) {
      throw new ConditionParseError(
        `invalid character ${JSON.stringify(other)} in ${JSON.stringify(text)}`,
      );
    }
    const token = word ?? operator;
    if (token !== undefined) {
      tokens.push(token);
    }
    if (pattern.lastIndex >= text.length) {
      break;
    }
  }
  return tokens;
}

/** Converts an expression to DNF; `positive` is false under an odd number of negations. */
function toDnf(expression: Expression, positive: boolean): DnfCondition {
  switch (expression.kind) {
    case "symbol":
      return [[{ symbol: expression.name, positive }]];
    case "not":
      return toDnf(expression.operand, !positive);
    case "and":
    case "or": {
      const conjunction = (expression.kind === "and") === positive;
      const parts = expression.operands.map((operand) => toDnf(operand, positive));
      return conjunction ? distribute(parts) : mergeClauses(parts.flat());
    }
  }
}

function distribute(parts: readonly DnfCondition[]): DnfCondition {
  let clauses: (readonly ConditionTerm[])[] = [[]];
  for (const part of parts) {
    const combined: ConditionTerm[][] = [];
    for (const left of clauses) {
      for (const right of part) {
        combined.push([...left, ...right]);
      }
    }
    if (combined.length > MAX_DNF_CLAUSES) {
      throw new ConditionParseError(`condition expands to more than ${MAX_DNF_CLAUSES} clauses`);
    }
    clauses = combined;
  }
  return mergeClauses(clauses);
}

function mergeClauses(clauses: readonly (readonly ConditionTerm[])[]): DnfCondition {
  const merged = new Map<string, ConditionTerm[]>();
  for (const clause of clauses) {
    const terms = new Map<string, ConditionTerm>();
    for (const term of clause) {
      terms.set(`${term.positive ? "+" : "-"}${term.symbol}`, term);
    }
    const sorted = [...terms.values()].sort(
      (left, right) =>
        left.symbol.localeCompare(right.symbol) || Number(right.positive) - Number(left.positive),
    );
    const key = sorted.map((term) => `${term.positive ? "+" : "-"}${term.symbol}`).join(" ");
    if (!merged.has(key)) {
      merged.set(key, sorted);
    }
  }
  if (merged.size > MAX_DNF_CLAUSES) {
    throw new ConditionParseError(`condition expands to more than ${MAX_DNF_CLAUSES} clauses`);
  }
  return [...merged.values()];
}
