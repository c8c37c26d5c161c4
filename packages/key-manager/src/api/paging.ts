/** Paging settings from the configuration. */
export interface PagingLimits {
  defaultLimit: number;
  maxLimit: number;
}

/** A cleaned offset and limit. */
export interface Page {
  offset: number;
  limit: number;
}

/**
 * Cleans raw `offset` and `limit` values as upstream does: a negative or non-integer offset is 0,
 * a missing or non-integer limit is the default, and a limit is clamped to 1..max.
 */
export function cleanPage(
  offsetText: string | undefined,
  limitText: string | undefined,
  limits: PagingLimits,
): Page {
  const offsetValue = pythonInt(offsetText === "" ? undefined : offsetText);
  const offset = offsetValue === undefined || offsetValue < 0 ? 0 : offsetValue;
  const limitValue = pythonInt(limitText === "" ? undefined : limitText);
  let limit = limitValue ?? limits.defaultLimit;
  limit = Math.min(Math.max(limit, 1), limits.maxLimit);
  return { offset: Math.min(offset, Number.MAX_SAFE_INTEGER), limit };
}

/** Parses text as Python's `int()` does (surrounding blanks and a sign allowed), or undefined. */
export function pythonInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) {
    return undefined;
  }
  return Number.parseInt(text.trim(), 10);
}

/**
 * Adds `previous` and `next` links to a page of results, keeping the other query parameters, and
 * then `total`, in the key order upstream sends.
 */
export function pageLinks(
  listUrl: string,
  page: Page,
  total: number,
  otherQuery: string,
): { previous?: string; next?: string } {
  const links: { previous?: string; next?: string } = {};
  const suffix = otherQuery === "" ? "" : `&${otherQuery}`;
  if (page.offset > 0) {
    const previous = Math.max(0, page.offset - page.limit);
    links.previous = `${listUrl}?limit=${page.limit}&offset=${previous}${suffix}`;
  }
  if (total > page.offset + page.limit) {
    links.next = `${listUrl}?limit=${page.limit}&offset=${page.offset + page.limit}${suffix}`;
  }
  return links;
}

/** Returns the request's query string without `limit` and `offset`, re-encoded in order. */
export function queryWithoutPaging(url: string): string {
  const start = url.indexOf("?");
  if (start < 0) {
    return "";
  }
  const params = new URLSearchParams(url.slice(start + 1));
  const kept = new URLSearchParams();
  for (const [key, value] of params) {
    if (key !== "limit" && key !== "offset") {
      kept.append(key, value);
    }
  }
  return kept.toString();
}
