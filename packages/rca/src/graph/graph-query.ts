/**
 * Turns an upstream JSON query (`{"and": [{"==": {"vitrage_category": "ALARM"}}, ...]}`) into a
 * predicate over vertex or edge properties.
 *
 * @module
 */
import type { GraphQuery } from "./graph-types.js";

const COMPARISONS: Readonly<Record<string, (left: unknown, right: unknown) => boolean>> = {
  "==": (left, right) => left === right,
  "!=": (left, right) => left !== right,
  "<": (left, right) => isOrdered(left, right) && (left as number) < (right as number),
  "<=": (left, right) => isOrdered(left, right) && (left as number) <= (right as number),
  ">": (left, right) => isOrdered(left, right) && (left as number) > (right as number),
  ">=": (left, right) => isOrdered(left, right) && (left as number) >= (right as number),
};

/** Raised for a query that is not in upstream's form. */
export class GraphQueryError extends Error {
  readonly code = "invalid_graph_query";

  constructor(message: string) {
    super(message);
    this.name = "GraphQueryError";
  }
}

/**
 * Maximum nesting of `and`/`or` in a query. Deeper queries are rejected before compiling, so a
 * query nested thousands of levels cannot overflow the stack.
 */
export const MAX_QUERY_DEPTH = 100;

/**
 * Compiles a query into a predicate. A field that is absent compares as `null`, so
 * `{"==": {"project_id": null}}` matches elements without a project. Ordering operators compare
 * two numbers or two strings and are false for any other pair (Python raises there).
 *
 * @throws {GraphQueryError} when the query is not an object with one known operator, or is
 *   nested deeper than {@link MAX_QUERY_DEPTH}.
 */
export function compileGraphQuery(
  query: GraphQuery | unknown,
): (element: Readonly<Record<string, unknown>>) => boolean {
  return compileQuery(query, 0);
}

function compileQuery(
  query: unknown,
  depth: number,
): (element: Readonly<Record<string, unknown>>) => boolean {
  if (depth > MAX_QUERY_DEPTH) {
    throw new GraphQueryError(`invalid query: nested deeper than ${MAX_QUERY_DEPTH} levels`);
  }
  if (!isPlainObject(query)) {
    throw new GraphQueryError(`invalid query ${excerpt(query)}: expected an object`);
  }
  const operators = Object.keys(query);
  const operator = operators[operators.length - 1];
  if (operator === undefined) {
    throw new GraphQueryError("invalid query {}: expected one operator");
  }
  return compileOperator(operator, query[operator], depth);
}

function compileOperator(
  operator: string,
  operand: unknown,
  depth: number,
): (element: Readonly<Record<string, unknown>>) => boolean {
  if (operator === "and" || operator === "or") {
    return compileLogical(operator, operand, depth);
  }
  const compare = COMPARISONS[operator];
  if (compare === undefined) {
    throw new GraphQueryError(`invalid query operator ${excerpt(operator)}`);
  }
  if (!isPlainObject(operand)) {
    throw new GraphQueryError(`invalid operand of ${operator}: expected an object of fields`);
  }
  const fields = Object.entries(operand);
  if (fields.length === 0) {
    return () => false;
  }
  return (element) => fields.every(([field, value]) => compare(element[field] ?? null, value));
}

function compileLogical(
  operator: "and" | "or",
  operand: unknown,
  depth: number,
): (element: Readonly<Record<string, unknown>>) => boolean {
  if (!Array.isArray(operand)) {
    throw new GraphQueryError(`invalid operand of ${operator}: expected a list of queries`);
  }
  const predicates = operand.map((part) => compileQuery(part, depth + 1));
  if (predicates.length === 0) {
    return () => false;
  }
  if (operator === "and") {
    return (element) => predicates.every((predicate) => predicate(element));
  }
  return (element) => predicates.some((predicate) => predicate(element));
}

function isOrdered(left: unknown, right: unknown): boolean {
  const leftType = typeof left;
  return (leftType === "number" || leftType === "string") && leftType === typeof right;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns the JSON of a value cut to 100 characters, for error messages. */
function excerpt(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}
