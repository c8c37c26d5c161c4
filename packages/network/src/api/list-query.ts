import { badRequest, badResourceRequest, neutronError } from "../errors.js";
import type { ResourceDefinition } from "./attributes.js";
import { pythonRepr } from "./python-format.js";

/** One sort key; `ascending` is false for `sort_dir=desc`. */
export interface SortKey {
  key: string;
  ascending: boolean;
}

/** A parsed list request: filters, shown fields, sorting and pagination. */
export interface ListQuery {
  /** Attribute name to accepted values; several values match any of them. */
  filters: Record<string, unknown[]>;
  /** Requested fields; empty means every visible field. */
  fields: string[];
  sorts: SortKey[];
  /** Page size; undefined when the request does not paginate. */
  limit: number | undefined;
  marker: string | undefined;
  pageReverse: boolean;
}

const NON_FILTER_PARAMETERS = new Set([
  "fields",
  "sort_key",
  "sort_dir",
  "limit",
  "marker",
  "page_reverse",
]);

/** Options the service sets for every list. */
export interface ListQueryOptions {
  /** Largest page the server returns; 0 or less for no limit. */
  maxPageSize: number;
}

/**
 * Parses the query string of a list request as Neutron does: repeated parameters give several
 * filter values, unknown filter attributes are rejected (the `filter-validation` extension), empty
 * values filter on the empty string, and `sort_key`/`sort_dir` come in pairs.
 */
export function parseListQuery(
  definition: ResourceDefinition,
  search: URLSearchParams,
  options: ListQueryOptions,
): ListQuery {
  return {
    filters: parseFilters(definition, search),
    fields: search.getAll("fields").filter((field) => field !== ""),
    sorts: parseSorts(definition, search),
    ...parsePagination(search, options),
  };
}

function parseFilters(
  definition: ResourceDefinition,
  search: URLSearchParams,
): Record<string, unknown[]> {
  const filters: Record<string, unknown[]> = {};
  const invalid: string[] = [];
  for (const key of new Set(search.keys())) {
    if (NON_FILTER_PARAMETERS.has(key)) {
      continue;
    }
    const spec = definition.attributes[key];
    if (spec?.filter === undefined) {
      invalid.push(key);
      continue;
    }
    const convert = spec.filter.convert;
    const values = search.getAll(key);
    filters[key] = convert === undefined ? values : values.map((value) => convert(value));
  }
  if (invalid.length > 0) {
    throw badRequest(`${pythonRepr(invalid)} is invalid attribute for filtering`);
  }
  if ("tenant_id" in filters && "project_id" in filters) {
    throw neutronError("TenantIdProjectIdFilterConflict");
  }
  if ("tenant_id" in filters) {
    filters.project_id = filters.tenant_id as unknown[];
    delete filters.tenant_id;
  }
  return filters;
}

function parseSorts(definition: ResourceDefinition, search: URLSearchParams): SortKey[] {
  const keys = search.getAll("sort_key").filter((key) => key !== "");
  const directions = search.getAll("sort_dir").filter((direction) => direction !== "");
  if (keys.length !== directions.length) {
    throw badRequest("The number of sort_keys and sort_dirs must be same");
  }
  const invalidKeys = keys.filter((key) => definition.attributes[key]?.sortable !== true);
  if (invalidKeys.length > 0) {
    throw badRequest(`${pythonRepr(invalidKeys)} is invalid attribute for sort_keys`);
  }
  const invalidDirections = directions.filter((dir) => dir !== "asc" && dir !== "desc");
  if (invalidDirections.length > 0) {
    throw badRequest(
      `${pythonRepr(invalidDirections)} is invalid value for sort_dirs, valid value is 'asc' and 'desc'`,
    );
  }
  return keys.map((key, index) => ({
    key: key === "tenant_id" ? "project_id" : key,
    ascending: directions[index] === "asc",
  }));
}

function parsePagination(search: URLSearchParams, options: ListQueryOptions) {
  const limitText = search.get("limit") ?? "0";
  if (!/^\s*[+]?\d+\s*$/.test(limitText)) {
    throw badResourceRequest(
      "limit",
      `Limit must be an integer 0 or greater and not '${limitText}'`,
    );
  }
  let limit = Number.parseInt(limitText, 10);
  if (options.maxPageSize > 0) {
    limit = Math.min(options.maxPageSize, limit) || options.maxPageSize;
  }
  if (limit === 0) {
    return { limit: undefined, marker: undefined, pageReverse: false };
  }
  const marker = search.get("marker") ?? undefined;
  const pageReverse = (search.get("page_reverse") ?? "False").toLowerCase() === "true";
  return { limit, marker: marker === "" ? undefined : marker, pageReverse };
}

/**
 * Builds `<collection>_links` as Neutron does: a `next` link unless the page is short in forward
 * order, a `previous` link unless the page is short in reverse order. Both keep the other query
 * parameters of the request.
 */
export function paginationLinks(
  baseUrl: string,
  search: URLSearchParams,
  query: ListQuery,
  items: { id: unknown }[],
): { rel: string; href: string }[] {
  if (query.limit === undefined) {
    return [];
  }
  const links: { rel: string; href: string }[] = [];
  const short = items.length < query.limit;
  if (!(short && !query.pageReverse)) {
    const params = new URLSearchParams(search);
    params.delete("marker");
    params.delete("page_reverse");
    const last = items[items.length - 1];
    if (last !== undefined) {
      params.set("marker", String(last.id));
    }
    links.push({ rel: "next", href: `${baseUrl}?${params.toString()}` });
  }
  if (!(short && query.pageReverse)) {
    const params = new URLSearchParams(search);
    params.delete("marker");
    const first = items[0];
    if (first !== undefined) {
      params.set("marker", String(first.id));
    }
    params.set("page_reverse", "True");
    links.push({ rel: "previous", href: `${baseUrl}?${params.toString()}` });
  }
  return links;
}
