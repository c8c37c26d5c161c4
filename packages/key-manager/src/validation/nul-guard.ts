import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../errors.js";

/** JSON fields whose value is encrypted before storage, so a NUL in them is harmless. */
const ENCRYPTED_FIELDS = new Set(["payload"]);

/**
 * Rejects with 400 a request whose query string, or a JSON body string that reaches a text
 * column, contains a NUL character. PostgreSQL cannot store or compare NUL in text at all, and
 * would fail the query; rejecting it up front keeps every database consistent.
 *
 * Also rejects a JSON body with an unpaired surrogate escape such as `"\ud800"` in any string,
 * the payload included. Such a string has no UTF-8 form, so the drivers and `Buffer.from` would
 * store U+FFFD in its place and the client would read back something else than it sent.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook("preHandler", async (request) => {
    if (queryHasNul(request.url)) {
      throw errors.create("NUL_CHARACTER", { where: "the query string" });
    }
    const body = request.body;
    if (!Buffer.isBuffer(body) || !isJson(request)) {
      return;
    }
    const nul = mayContainNul(body);
    const surrogate = mayContainSurrogate(body);
    if (!nul && !surrogate) {
      return;
    }
    const parsed = parseJson(body);
    if (nul && valueHasNul(parsed)) {
      throw errors.create("NUL_CHARACTER", { where: "the request body" });
    }
    if (surrogate && valueHasUnpairedSurrogate(parsed)) {
      throw errors.create("UNPAIRED_SURROGATE", { where: "the request body" });
    }
  });
}

function queryHasNul(url: string): boolean {
  const start = url.indexOf("?");
  if (start < 0) {
    return false;
  }
  const query = url.slice(start + 1);
  return query.includes("\u0000") || /%00/i.test(query);
}

/** A NUL can reach a JSON string only as a raw byte or as the escape `\u0000`. */
function mayContainNul(body: Buffer): boolean {
  return body.includes(0) || /\\u0000/i.test(body.toString("latin1"));
}

/** Returns true when the body has a surrogate escape. Raw surrogate bytes are invalid UTF-8. */
function mayContainSurrogate(body: Buffer): boolean {
  return /\\ud[89a-f]/i.test(body.toString("latin1"));
}

function isJson(request: FastifyRequest): boolean {
  const type = request.headers["content-type"] ?? "";
  return type.toLowerCase().startsWith("application/json");
}

/** Parses the body, or returns undefined so that the route rejects it with its own message. */
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function valueHasUnpairedSurrogate(value: unknown): boolean {
  if (typeof value === "string") {
    return UNPAIRED_SURROGATE.test(value);
  }
  if (Array.isArray(value)) {
    return value.some(valueHasUnpairedSurrogate);
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(
      ([key, item]) => UNPAIRED_SURROGATE.test(key) || valueHasUnpairedSurrogate(item),
    );
  }
  return false;
}

function valueHasNul(value: unknown): boolean {
  if (typeof value === "string") {
    return value.includes("\u0000");
  }
  if (Array.isArray(value)) {
    return value.some(valueHasNul);
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(
      ([key, item]) => key.includes("\u0000") || (!ENCRYPTED_FIELDS.has(key) && valueHasNul(item)),
    );
  }
  return false;
}
