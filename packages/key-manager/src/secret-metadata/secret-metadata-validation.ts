import { pythonRepr } from "../api/python-repr.js";
import { setOwnProperty } from "../api/request-body.js";
import { errors } from "../errors.js";
import { invalidObject } from "../secrets/secret-validation.js";

/** Maximum length of a key or value that upstream stores. */
const MAX_LENGTH = 255;
const URL_SAFE_KEY = /^[A-Za-z0-9_-]*$/;

/** One metadata pair from a request. */
export interface MetadataPair {
  key: string;
  value: string;
}

/**
 * Validates a `PUT /metadata` body, `{"metadata": {...}}`. Keys must be URL-safe and are
 * lower-cased; values must be strings. Returns the metadata to store.
 */
export function validateMetadata(body: unknown): Record<string, string> {
  if (!isObject(body)) {
    throw invalidObject("SecretMetadata", `${pythonRepr(body)} is not of type 'object'`, null);
  }
  if (!("metadata" in body)) {
    throw invalidObject("SecretMetadata", "'metadata' is a required property", "metadata");
  }
  const metadata = body.metadata;
  if (!isObject(metadata)) {
    throw invalidObject(
      "SecretMetadata",
      `${pythonRepr(metadata)} is not of type 'object'`,
      "metadata",
    );
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!URL_SAFE_KEY.test(key) || key.length > MAX_LENGTH) {
      throw errors.create("INVALID_METADATA_KEY");
    }
    if (typeof value !== "string") {
      throw errors.create("INVALID_METADATA");
    }
    setOwnProperty(result, key.toLowerCase(), value);
  }
  return result;
}

/**
 * Validates a `{"key": ..., "value": ...}` body with upstream's `SecretMetadatum` schema: both
 * strings of at most 255 characters and nothing else. The key must be URL-safe and is lower-cased.
 */
export function validateMetadatum(body: unknown): MetadataPair {
  if (!isObject(body)) {
    throw invalidObject("SecretMetadatum", `${pythonRepr(body)} is not of type 'object'`, null);
  }
  const unexpected = Object.keys(body).filter((key) => key !== "key" && key !== "value");
  if (unexpected.length > 0) {
    const names = unexpected.map((key) => pythonRepr(key)).join(", ");
    const verb = unexpected.length === 1 ? "was" : "were";
    const reason = `Additional properties are not allowed (${names} ${verb} unexpected)`;
    throw invalidObject("SecretMetadatum", reason, null);
  }
  for (const property of ["key", "value"] as const) {
    checkString(body, property);
  }
  const key = body.key as string;
  if (!URL_SAFE_KEY.test(key)) {
    throw errors.create("INVALID_METADATA_KEY");
  }
  return { key: key.toLowerCase(), value: body.value as string };
}

function checkString(body: Record<string, unknown>, property: "key" | "value"): void {
  if (!(property in body)) {
    throw invalidObject("SecretMetadatum", `'${property}' is a required property`, property);
  }
  const value = body[property];
  if (typeof value !== "string") {
    throw invalidObject(
      "SecretMetadatum",
      `${pythonRepr(value)} is not of type 'string'`,
      property,
    );
  }
  if ([...value].length > MAX_LENGTH) {
    throw invalidObject("SecretMetadatum", `${pythonRepr(value)} is too long`, property);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
