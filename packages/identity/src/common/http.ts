import type { FastifyRequest } from "fastify";

/** Builds the absolute URLs of `links` in responses. */
export interface Linker {
  /** Base URL of the service without a trailing slash, such as `http://127.0.0.1:5000`. */
  base(request: FastifyRequest): string;
  /** Absolute URL of a path under `/v3`, such as `linker.v3(request, "/users/123")`. */
  v3(request: FastifyRequest, path: string): string;
  /** The `links` object of a collection response. */
  collection(request: FastifyRequest): { self: string; previous: null; next: null };
}

/**
 * Creates a Linker. URLs start with `publicUrl` when it is configured, and otherwise with the
 * scheme and host the request came in on, as Keystone does without a configured public endpoint.
 */
export function createLinker(publicUrl: string): Linker {
  const configured = publicUrl.replace(/\/+$/, "");
  const base = (request: FastifyRequest) =>
    configured !== "" ? configured : withoutStandardPort(request.protocol, request.host);
  return {
    base,
    v3: (request, path) => `${base(request)}/v3${path}`,
    collection: (request) => ({
      self: `${base(request)}${request.url}`,
      previous: null,
      next: null,
    }),
  };
}

/** Builds `scheme://host` and drops port 80 of http and 443 of https, as Keystone does. */
function withoutStandardPort(protocol: string, host: string): string {
  const standardPorts: Record<string, string> = { http: ":80", https: ":443" };
  const standard = standardPorts[protocol];
  if (standard !== undefined && host.endsWith(standard)) {
    return `${protocol}://${host.slice(0, -standard.length)}`;
  }
  return `${protocol}://${host}`;
}

/** Returns the first value of a query parameter, or undefined when it is absent. */
export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

const FALSE_WORDS = new Set(["0", "false", "f", "n", "no", "off"]);

/**
 * Reads a boolean query parameter: absent is undefined, `0`, `false`, `f`, `n`, `no` and `off`
 * (in any case) are false, and any other value, the empty string included, is true.
 */
export function queryBoolean(request: FastifyRequest, name: string): boolean | undefined {
  const value = queryValue(request, name);
  if (value === undefined) {
    return undefined;
  }
  return !FALSE_WORDS.has(value.toLowerCase());
}

/** Returns true when a query parameter is present, with or without a value (`?nocatalog`). */
export function queryFlag(request: FastifyRequest, name: string): boolean {
  const value = queryBoolean(request, name);
  return value === true;
}

/** Returns a route parameter. */
export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name] ?? "";
}
