import type { Static, TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { invalidRequest } from "../errors.js";

/**
 * Request bodies are checked strictly: no type coercion, so `"enabled": "yes"` is a 400 and not
 * `true`, as in Keystone's JSON-schema validation.
 */
const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * Checks a request body against a schema and returns it typed, or throws a 400 that names the
 * first invalid field, such as `Invalid input for field "user.name": must be string.`
 */
export function parseBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (body === undefined || body === null) {
    throw invalidRequest("The request body is missing; send a JSON object.");
  }
  if (!validate(body)) {
    throw invalidRequest(describeError(validate.errors?.[0]));
  }
  return body as Static<T>;
}

function describeError(error: ErrorObject | undefined): string {
  if (error === undefined) {
    return "The request body is not valid.";
  }
  const field = error.instancePath.slice(1).replaceAll("/", ".");
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const path = field === "" ? missing : `${field}.${missing}`;
    return `Missing required field "${path}" in the request body.`;
  }
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const path = field === "" ? extra : `${field}.${extra}`;
    return `Unknown field "${path}" in the request body.`;
  }
  const where = field === "" ? "the request body" : `field "${field}"`;
  return `Invalid input for ${where}: ${error.message ?? "invalid value"}.`;
}
