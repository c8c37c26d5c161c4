import { parseIsoTime } from "../api/iso-time.js";
import { pythonInt } from "../api/paging.js";
import { errors } from "../errors.js";
import {
  type DateFilter,
  type SecretListFilters,
  SORT_KEYS,
  type SortKey,
  type SortOrder,
} from "./secrets-types.js";

/** Query parameters of `GET /v1/secrets`, first value of each. */
export type ListQuery = Record<string, string | undefined>;

/**
 * Builds the listing filters from the query string, with upstream's rules: `name` is URL-decoded
 * once more, a non-integer `bits` is ignored, and a conflicting date filter or an unknown or
 * repeated sort key gets 400.
 */
export function parseListFilters(
  query: ListQuery,
  projectId: string,
  userId: string | null,
): Omit<SecretListFilters, "sort"> & { sort: SortOrder[] } {
  const filters: SecretListFilters = { projectId, sort: [] };
  const name = query.name ?? "";
  if (name !== "") {
    filters.namePattern = unquotePlus(name);
  }
  if (query.alg !== undefined && query.alg !== "") {
    filters.algorithmPattern = query.alg;
  }
  if (query.mode !== undefined && query.mode !== "") {
    filters.modePattern = query.mode;
  }
  const bits = pythonInt(query.bits);
  if (bits !== undefined && bits > 0) {
    filters.bitLength = bits;
  }
  if (query.secret_type !== undefined && query.secret_type !== "") {
    filters.secretType = query.secret_type;
  }
  for (const field of ["created", "updated", "expiration"] as const) {
    const raw = query[field];
    if (raw !== undefined && raw !== "") {
      filters[field] = parseDateFilter(raw);
    }
  }
  if (query.sort !== undefined && query.sort !== "") {
    filters.sort = parseSort(query.sort);
  }
  if (query.acl_only?.toLowerCase() === "true" && userId !== null) {
    filters.aclUserId = userId;
  }
  return filters;
}

/**
 * Parses `gt:T,lte:T` style filters. At most one lower bound and one upper bound are allowed, and a
 * bare value (equality) excludes inclusive bounds, as upstream checks.
 */
export function parseDateFilter(raw: string): DateFilter {
  const filter: DateFilter = {};
  for (const part of raw.split(",")) {
    const [operator, text] = splitOperator(part);
    const at = parseIsoTime(text);
    if (at === undefined) {
      throw errors.create("INVALID_QUERY");
    }
    applyBound(filter, operator, at);
  }
  return filter;
}

type Operator = "gt" | "gte" | "lt" | "lte" | "eq";

function splitOperator(part: string): [Operator, string] {
  for (const operator of ["gte", "gt", "lte", "lt"] as const) {
    if (part.startsWith(`${operator}:`)) {
      return [operator, part.slice(operator.length + 1)];
    }
  }
  return ["eq", part];
}

function applyBound(filter: DateFilter, operator: Operator, at: Date): void {
  const hasInclusiveBound = filter.after?.exclusive === false || filter.before?.exclusive === false;
  const conflict =
    ((operator === "gt" || operator === "gte") && filter.after !== undefined) ||
    ((operator === "lt" || operator === "lte") && filter.before !== undefined) ||
    ((operator === "gte" || operator === "lte") && filter.equals !== undefined) ||
    (operator === "eq" && (filter.equals !== undefined || hasInclusiveBound));
  if (conflict) {
    throw errors.create("INVALID_QUERY");
  }
  switch (operator) {
    case "gt":
    case "gte":
      filter.after = { at, exclusive: operator === "gt" };
      break;
    case "lt":
    case "lte":
      filter.before = { at, exclusive: operator === "lt" };
      break;
    case "eq":
      filter.equals = at;
      break;
  }
}

/** Parses `key[:asc|desc],...`; an unknown key or direction, or a repeated key, gets 400. */
export function parseSort(raw: string): SortOrder[] {
  const orders: SortOrder[] = [];
  for (const part of raw.split(",")) {
    const pieces = part.split(":");
    if (pieces.length > 2) {
      throw errors.create("INVALID_QUERY");
    }
    const [key = "", direction = "asc"] = pieces;
    const known = (SORT_KEYS as readonly string[]).includes(key);
    const repeated = orders.some((order) => order.key === key);
    if (!known || repeated || (direction !== "asc" && direction !== "desc")) {
      throw errors.create("INVALID_QUERY");
    }
    orders.push({ key: key as SortKey, direction });
  }
  return orders;
}

/** Decodes `+` and `%XX` as Python's `unquote_plus`; malformed escapes stay as they are. */
function unquotePlus(text: string): string {
  const spaced = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
