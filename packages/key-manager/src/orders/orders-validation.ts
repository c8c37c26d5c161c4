import { toTimestamp } from "@openstack-ts/kernel";
import { floorToSecond, parseIsoTime } from "../api/iso-time.js";
import { pythonList } from "../api/python-repr.js";
import { errors } from "../errors.js";
import { isSupportedContentType, SUPPORTED_TYPES } from "../secrets/payload-encoding.js";
import { invalidObject } from "../secrets/secret-validation.js";
import { MAX_BIT_LENGTH, SECRET_TYPES } from "../secrets/secrets-types.js";
import { checkJson, type JsonRule } from "../validation/json-checks.js";
import { ORDER_TYPES, type OrderType } from "./orders-types.js";

/** Upstream's `Order` schema: a `type` and a `meta` object, both required. */
const ORDER_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["meta", { types: ["object"] }],
    ["type", { types: ["string"], values: ORDER_TYPES }],
  ],
  required: ["meta", "type"],
  requiredNamesProperty: true,
};

/** Upstream validates `meta` with the secret schema, named "Secret' within 'Order". */
const META_SCHEMA = "Secret' within 'Order";
const META_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["name", { types: ["string", "null"], maxLength: 255 }],
    ["algorithm", { types: ["string"], maxLength: 255 }],
    ["mode", { types: ["string"], maxLength: 255 }],
    ["bit_length", { types: ["integer"] }],
    ["expiration", { types: ["string"], maxLength: 255 }],
    ["payload", { types: ["string"] }],
    ["secret_type", { types: ["string"], maxLength: 80, values: SECRET_TYPES }],
    ["payload_content_type", { types: ["string", "null"], maxLength: 255 }],
    ["payload_content_encoding", { types: ["string"], maxLength: 255, values: ["base64"] }],
    ["transport_key_needed", { types: ["string"], values: ["true", "false"] }],
    ["transport_key_id", { types: ["string"] }],
    ["passphrase", { types: ["string", "null"], maxLength: 1024 }],
  ],
};

/** A validated `POST /v1/orders` request. */
export interface NewOrderRequest {
  type: OrderType;
  meta: Record<string, unknown>;
}

/**
 * Validates a `POST /v1/orders` body with upstream's rules and messages: the order schema, the
 * meta as a secret without payload, `algorithm` and `bit_length` present, and a bit length that is
 * a multiple of 8. Returns the meta to store, with `name` and `expiration` normalised.
 */
export function validateNewOrder(body: unknown, now: Date = new Date()): NewOrderRequest {
  checkJson(body, "Order", ORDER_RULE);
  const fields = body as { type: OrderType; meta: Record<string, unknown> };
  const meta = { ...fields.meta };
  checkJson(meta, META_SCHEMA, META_RULE);
  checkBitLengthRange(meta.bit_length);

  meta.name = typeof meta.name === "string" ? meta.name : null;
  meta.expiration = normalisedExpiration(meta.expiration as string | undefined, now);
  const contentType = meta.payload_content_type;
  if (
    typeof contentType === "string" &&
    contentType !== "" &&
    !isSupportedContentType(contentType)
  ) {
    throw invalidObject(
      META_SCHEMA,
      `payload_content_type is not one of ${pythonList(SUPPORTED_TYPES)}`,
      "payload_content_type",
    );
  }

  const label = fields.type === "key" ? "key" : "asymmetric key";
  if ("payload" in meta && (contentType === undefined || contentType === null)) {
    // Upstream checks the meta as a secret first, whose payload needs a content type.
    throw invalidObject(
      META_SCHEMA,
      "If 'payload' is supplied, 'payload_content_type' must also be supplied.",
      "payload_content_type",
    );
  }
  if (meta.payload !== undefined && meta.payload !== null) {
    throw invalidObject("Order", `'payload' not allowed for ${fields.type} type order`, "meta");
  }
  if (typeof meta.algorithm !== "string" || meta.algorithm === "") {
    throw invalidObject("Order", `'algorithm' is required field for ${label} type order`, "meta");
  }
  if (meta.bit_length === undefined || meta.bit_length === 0) {
    throw invalidObject("Order", `'bit_length' is required field for ${label} type order`, "meta");
  }
  if ((meta.bit_length as number) % 8 !== 0) {
    throw errors.create("UNSUPPORTED_FIELD");
  }
  return { type: fields.type, meta };
}

function checkBitLengthRange(value: unknown): void {
  if (typeof value !== "number") {
    return;
  }
  if (value < 1) {
    throw invalidObject(META_SCHEMA, `${value} is less than the minimum of 1`, "bit_length");
  }
  if (value > MAX_BIT_LENGTH) {
    throw invalidObject(
      META_SCHEMA,
      `${value} is greater than the maximum of ${MAX_BIT_LENGTH}`,
      "bit_length",
    );
  }
}

/** Returns the expiration as stored in meta (ISO-8601 UTC, whole seconds) or null. */
function normalisedExpiration(raw: string | undefined, now: Date): string | null {
  if (raw === undefined || raw.trim() === "") {
    return null;
  }
  const expiration = parseIsoTime(raw);
  if (expiration === undefined) {
    throw invalidObject(META_SCHEMA, "Invalid date for 'expiration'", "expiration");
  }
  if (expiration.getTime() <= now.getTime()) {
    throw invalidObject(META_SCHEMA, "'expiration' is before current time", "expiration");
  }
  return toTimestamp(floorToSecond(expiration)).slice(0, 19);
}
