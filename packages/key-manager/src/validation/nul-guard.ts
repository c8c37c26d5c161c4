import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../errors.js";

/** JSON fields whose value is encrypted before storage, so a NUL in them is harmless. */
const ENCRYPTED_FIELDS = new Set(["payload"]);

/**
 * Rejects with 400 a request whose query string, or a JSON body string that reaches a text
 * column, contains a NUL character. PostgreSQL cannot store or compare NUL in text at all, and
 * would fail the query; rejecting it up front keeps every database consistent.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook("preHandler", async (request) => {
    if (queryHasNul(request.url)) {
      throw errors.create("NUL_CHARACTER", { where: "the query string" });
    }
    const body = request.body;
    if (!Buffer.isBuffer(body) || !mayContainNul(body)) {
      return;
    }
    if (jsonHasNul(request, body)) {
      throw errors.create("NUL_CHARACTER", { where: "the request body" });
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

function jsonHasNul(request: FastifyRequest, body: Buffer): boolean {
  const type = request.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    return false;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    // The route rejects a malformed body with its own message.
    return false;
  }
  return valueHasNul(parsed);
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
