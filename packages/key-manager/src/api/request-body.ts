import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../errors.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Replaces fastify's body parsers with one that keeps every body as raw bytes, whatever its
 * content type. Routes then check the content type themselves, after the policy check, in the
 * order upstream does (403 before 415), and payloads stay byte-exact.
 */
export function registerRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });
}

/** Returns the request body as bytes; an absent body is empty. */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** Returns the media type of the request without parameters, as webob's `content_type` does. */
export function mediaType(request: FastifyRequest): string {
  const header = request.headers["content-type"];
  if (header === undefined) {
    return "";
  }
  return (header.split(";")[0] ?? "").trim();
}

/** Raises 415 unless the request's media type is one of `expected`. */
export function requireMediaType(request: FastifyRequest, expected: readonly string[]): void {
  if (!expected.includes(mediaType(request))) {
    const list = `[${expected.map((type) => `'${type}'`).join(", ")}]`;
    throw errors.create("UNSUPPORTED_MEDIA_TYPE", { expected: list });
  }
}

/**
 * Parses a JSON body the way upstream loads it. Upstream reads at most `maxBytes`, so a larger
 * body is malformed JSON, and so is invalid UTF-8. Every string in the document is trimmed.
 */
export function parseJsonBody(request: FastifyRequest, maxBytes: number): unknown {
  const body = rawBody(request);
  try {
    if (body.length > maxBytes) {
      throw new Error("body exceeds the maximum request size");
    }
    // Nesting deep enough to exhaust the stack, in parsing or trimming, is malformed too.
    return trimStrings(JSON.parse(strictUtf8.decode(body)));
  } catch {
    throw errors.create("MALFORMED_JSON");
  }
}

/**
 * Sets an own, enumerable property. Plain assignment of `__proto__` would change the object's
 * prototype instead, and the key a client sent would vanish.
 */
export function setOwnProperty(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function trimStrings(value: unknown): unknown {
  if (typeof value === "string") {
    return value.trim();
  }
  if (Array.isArray(value)) {
    return value.map(trimStrings);
  }
  if (value !== null && typeof value === "object") {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      setOwnProperty(result, key, trimStrings(item));
    }
    return result;
  }
  return value;
}

/** Returns the first value of a query parameter, or undefined. */
export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const query = request.query as Record<string, string | string[] | undefined>;
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}
