import { parseIsoTime } from "../api/iso-time.js";
import { pythonList, pythonRepr } from "../api/python-repr.js";
import { errors } from "../errors.js";
import {
  allowedEncodings,
  decodeBase64Leniently,
  describeEncodings,
  isSupportedContentType,
  normalizeContentType,
  PLAIN_TEXT_TYPES,
  SUPPORTED_TYPES,
} from "./payload-encoding.js";
import { MAX_BIT_LENGTH, type NewSecretRequest, SECRET_TYPES } from "./secrets-types.js";

type JsonType = "string" | "integer" | "null" | "object";

/** One property of upstream's `Secret` JSON schema, with its checks in schema order. */
interface PropertyRule {
  types: JsonType[];
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  values?: readonly string[];
}

/** The `Secret` schema's properties, in the order upstream's jsonschema visits them. */
const SECRET_PROPERTIES: [string, PropertyRule][] = [
  ["name", { types: ["string", "null"], maxLength: 255 }],
  ["algorithm", { types: ["string"], maxLength: 255 }],
  ["mode", { types: ["string"], maxLength: 255 }],
  ["bit_length", { types: ["integer"], minimum: 1, maximum: MAX_BIT_LENGTH }],
  ["expiration", { types: ["string"], maxLength: 255 }],
  ["payload", { types: ["string"] }],
  ["secret_type", { types: ["string"], maxLength: 80, values: SECRET_TYPES }],
  ["payload_content_type", { types: ["string", "null"], maxLength: 255 }],
  ["payload_content_encoding", { types: ["string"], maxLength: 255, values: ["base64"] }],
  ["transport_key_needed", { types: ["string"], values: ["true", "false"] }],
  ["transport_key_id", { types: ["string"] }],
];

export interface SecretLimits {
  maxSecretBytes: number;
}

/** Raises upstream's 400 for a body that does not match the schema `schema`. */
export function invalidObject(schema: string, reason: string, property: string | null) {
  return errors.create("INVALID_OBJECT", { schema, reason, property: property ?? "None" });
}

/**
 * Validates a `POST /v1/secrets` body (already parsed and trimmed) and returns the secret to
 * create, with its payload decoded to bytes. Errors carry upstream's messages, checked in
 * upstream's order: the JSON schema first, then expiration, then the payload rules.
 */
export function validateNewSecret(
  body: unknown,
  limits: SecretLimits,
  now: Date = new Date(),
): NewSecretRequest {
  checkSchema(body, "Secret", SECRET_PROPERTIES);
  const fields = body as Record<string, unknown>;

  const expiration = parseExpiration(fields.expiration as string | undefined, now);
  const hasPayload = "payload" in fields;
  if (!hasPayload && "payload_content_type" in fields) {
    throw invalidObject(
      "Secret",
      "payload must be provided when payload_content_type is specified",
      "payload",
    );
  }

  const payload = hasPayload ? decodePayload(fields, limits) : null;
  const contentType = hasPayload
    ? normalizeContentType(fields.payload_content_type as string)
    : null;
  return {
    name: typeof fields.name === "string" ? fields.name : null,
    secretType: (fields.secret_type as string | undefined) ?? "opaque",
    algorithm: (fields.algorithm as string | undefined) ?? null,
    bitLength: (fields.bit_length as number | undefined) ?? null,
    mode: (fields.mode as string | undefined) ?? null,
    expiration,
    payload,
    contentType,
    transportKeyId: (fields.transport_key_id as string | undefined) ?? null,
  };
}

/** Checks a body against a flat object schema, raising the first violation as jsonschema does. */
export function checkSchema(
  body: unknown,
  schema: string,
  properties: [string, PropertyRule][],
): void {
  if (!isJsonType(body, "object")) {
    throw invalidObject(schema, `${pythonRepr(body)} is not of type 'object'`, null);
  }
  const fields = body as Record<string, unknown>;
  for (const [property, rule] of properties) {
    if (!(property in fields)) {
      continue;
    }
    const reason = violation(fields[property], rule);
    if (reason !== undefined) {
      throw invalidObject(schema, reason, property);
    }
  }
}

function violation(value: unknown, rule: PropertyRule): string | undefined {
  if (!rule.types.some((type) => isJsonType(value, type))) {
    const types = rule.types.map((type) => `'${type}'`).join(", ");
    return `${pythonRepr(value)} is not of type ${types}`;
  }
  if (typeof value === "string") {
    if (rule.maxLength !== undefined && [...value].length > rule.maxLength) {
      return `${pythonRepr(value)} is too long`;
    }
    if (rule.values !== undefined && !rule.values.includes(value)) {
      return `${pythonRepr(value)} is not one of ${pythonList(rule.values)}`;
    }
  }
  if (typeof value === "number") {
    if (rule.minimum !== undefined && value < rule.minimum) {
      return `${pythonRepr(value)} is less than the minimum of ${rule.minimum}`;
    }
    if (rule.maximum !== undefined && value > rule.maximum) {
      return `${pythonRepr(value)} is greater than the maximum of ${rule.maximum}`;
    }
  }
  return undefined;
}

function isJsonType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "null":
      return value === null;
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
  }
}

function parseExpiration(raw: string | undefined, now: Date): Date | null {
  if (raw === undefined || raw === "") {
    return null;
  }
  const expiration = parseIsoTime(raw);
  if (expiration === undefined) {
    throw invalidObject("Secret", "Invalid date for 'expiration'", "expiration");
  }
  if (expiration.getTime() <= now.getTime()) {
    throw invalidObject("Secret", "'expiration' is before current time", "expiration");
  }
  return expiration;
}

/** Applies upstream's payload rules and returns the payload's bytes. */
function decodePayload(fields: Record<string, unknown>, limits: SecretLimits): Buffer {
  const contentType = fields.payload_content_type as string | null | undefined;
  const encoding = (fields.payload_content_encoding as string | undefined) ?? null;
  if (contentType === undefined || contentType === null) {
    throw invalidObject(
      "Secret",
      "If 'payload' is supplied, 'payload_content_type' must also be supplied.",
      "payload_content_type",
    );
  }
  if (!isSupportedContentType(contentType)) {
    throw invalidObject(
      "Secret",
      `payload_content_type is not one of ${pythonList(SUPPORTED_TYPES)}`,
      "payload_content_type",
    );
  }
  const encodings = allowedEncodings(contentType);
  const encodingAllowed =
    encodings === null ? encoding === null : encodings.includes(encoding ?? "");
  if (!encodingAllowed) {
    throw invalidObject(
      "Secret",
      `payload_content_encoding is not one of ${describeEncodings(encodings)}`,
      "payload_content_encoding",
    );
  }

  const payload = fields.payload as string;
  if (Buffer.byteLength(payload, "utf8") > limits.maxSecretBytes) {
    throw errors.create("PAYLOAD_TOO_LARGE");
  }
  if (payload === "") {
    throw invalidObject("Secret", "If 'payload' specified, must be non empty", "payload");
  }
  if (PLAIN_TEXT_TYPES.includes(normalizeContentType(contentType))) {
    return Buffer.from(payload, "utf8");
  }
  const decoded = decodeBase64Leniently(payload);
  if (decoded === undefined) {
    throw invalidObject("Secret", "Invalid payload for payload_content_encoding", "payload");
  }
  return decoded;
}
