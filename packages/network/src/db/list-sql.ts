import {
  type Expression,
  type RawBuilder,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from "kysely";
import type { ListQuery } from "../api/list-query.js";
import type { Executor } from "./transaction.js";

/** Column of an API attribute: its qualified name and the value NULL sorts as. */
export interface ListColumn {
  column: string;
  /** For nullable columns: sort NULL before every value, as Neutron's sorting does. */
  nullable?: "text" | "integer";
}

/** Builds the SQL condition of an attribute filter that is not a plain column. */
export type CustomFilter = (values: unknown[]) => Expression<SqlBool>;

/** The SQL side of a list: table, attribute columns and special filters. */
export interface ListSpec {
  table: string;
  columns: Record<string, ListColumn>;
  custom?: Record<string, CustomFilter>;
}

/** The WHERE conditions, ORDER BY terms and LIMIT of one list request. */
export interface ListSql {
  conditions: Expression<SqlBool>[];
  orderBy: RawBuilder<unknown>[];
  limit: number | undefined;
  /** True when the rows come back in reverse order and must be reversed after the query. */
  reversed: boolean;
}

const ALWAYS_FALSE = sql<SqlBool>`1 = 0`;

/**
 * Runs the SELECT of one list request: the visibility condition and the filters, then ORDER BY
 * and LIMIT. Rows read in reverse order (a page before a marker) are returned in request order.
 */
export async function selectListRows<Database, Tables extends keyof Database, Row>(
  query: SelectQueryBuilder<Database, Tables, Row>,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<Row[]> {
  let select = query;
  const conditions =
    visibility === undefined ? parts.conditions : [visibility, ...parts.conditions];
  for (const condition of conditions) {
    select = select.where(condition);
  }
  for (const term of parts.orderBy) {
    select = select.orderBy(term);
  }
  if (parts.limit !== undefined) {
    select = select.limit(parts.limit);
  }
  const rows = await select.execute();
  return parts.reversed ? rows.reverse() : rows;
}

/** Translates filters to conditions; several values of one attribute match any of them. */
export function filterConditions(query: ListQuery, spec: ListSpec): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  for (const [attribute, values] of Object.entries(query.filters)) {
    const custom = spec.custom?.[attribute];
    if (custom !== undefined) {
      conditions.push(custom(values));
      continue;
    }
    const column = spec.columns[attribute];
    if (column === undefined) {
      continue;
    }
    conditions.push(valuesCondition(column.column, values));
  }
  return conditions;
}

/** `column IN (values)`, with a NULL value matching NULL. */
export function valuesCondition(column: string, values: unknown[]): Expression<SqlBool> {
  if (values.length === 0) {
    return ALWAYS_FALSE;
  }
  const present = values.filter((value) => value !== null);
  const parts: RawBuilder<SqlBool>[] = [];
  if (present.length > 0) {
    parts.push(
      sql<SqlBool>`${sql.ref(column)} in (${sql.join(present.map((value) => sql`${value}`))})`,
    );
  }
  if (present.length !== values.length) {
    parts.push(sql<SqlBool>`${sql.ref(column)} is null`);
  }
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * Builds the whole SQL part of a list: filters, sort terms (the id is always the last key, so the
 * order is total), and, for a page after a marker, the keyset condition that starts after the
 * marker row. With `page_reverse` the directions flip and the caller reverses the rows.
 */
export async function buildListSql(
  executor: Executor,
  query: ListQuery,
  spec: ListSpec,
  markerExists: (marker: string) => Promise<boolean>,
  markerMissing: (marker: string) => Error,
): Promise<ListSql> {
  const conditions = filterConditions(query, spec);
  const terms = sortTerms(query, spec);
  const reversed = query.limit !== undefined && query.pageReverse;
  const directions = terms.map((term) => (reversed ? !term.ascending : term.ascending));
  if (query.limit !== undefined && query.marker !== undefined) {
    if (!(await markerExists(query.marker))) {
      throw markerMissing(query.marker);
    }
    const markerValues = await readMarkerValues(executor, spec, terms, query.marker);
    conditions.push(keysetCondition(terms, directions, markerValues));
  }
  const orderBy = terms.map(
    (term, index) => sql`${term.expression} ${sql.raw(directions[index] ? "asc" : "desc")}`,
  );
  return { conditions, orderBy, limit: query.limit, reversed };
}

interface SortTerm {
  expression: RawBuilder<unknown>;
  ascending: boolean;
}

function sortTerms(query: ListQuery, spec: ListSpec): SortTerm[] {
  const terms: SortTerm[] = [];
  const used = new Set<string>();
  for (const sort of query.sorts) {
    const column = spec.columns[sort.key];
    if (column === undefined || used.has(column.column)) {
      continue;
    }
    used.add(column.column);
    terms.push({ expression: sortExpression(column), ascending: sort.ascending });
  }
  const id = `${spec.table}.id`;
  if (!used.has(id)) {
    terms.push({ expression: sql.ref(id), ascending: true });
  }
  return terms;
}

function sortExpression(column: ListColumn): RawBuilder<unknown> {
  if (column.nullable === "text") {
    return sql`coalesce(${sql.ref(column.column)}, '')`;
  }
  if (column.nullable === "integer") {
    return sql`coalesce(${sql.ref(column.column)}, -1)`;
  }
  return sql`${sql.ref(column.column)}`;
}

async function readMarkerValues(
  executor: Executor,
  spec: ListSpec,
  terms: SortTerm[],
  marker: string,
): Promise<unknown[]> {
  const selections = terms.map((term, index) => sql`${term.expression} as ${sql.ref(`k${index}`)}`);
  const result = await sql<
    Record<string, unknown>
  >`select ${sql.join(selections)} from ${sql.table(spec.table)} where ${sql.ref(`${spec.table}.id`)} = ${marker}`.execute(
    executor,
  );
  const row = result.rows[0] ?? {};
  return terms.map((_term, index) => row[`k${index}`]);
}

/** `(k1 > m1) or (k1 = m1 and k2 > m2) or ...`, with `<` for descending keys. */
function keysetCondition(
  terms: SortTerm[],
  ascending: boolean[],
  markerValues: unknown[],
): Expression<SqlBool> {
  const alternatives: RawBuilder<SqlBool>[] = [];
  for (let index = 0; index < terms.length; index += 1) {
    const parts: RawBuilder<SqlBool>[] = [];
    for (let previous = 0; previous < index; previous += 1) {
      parts.push(
        sql<SqlBool>`${(terms[previous] as SortTerm).expression} = ${markerValues[previous]}`,
      );
    }
    const operator = sql.raw(ascending[index] ? ">" : "<");
    parts.push(
      sql<SqlBool>`${(terms[index] as SortTerm).expression} ${operator} ${markerValues[index]}`,
    );
    alternatives.push(sql<SqlBool>`(${sql.join(parts, sql` and `)})`);
  }
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
}
