import { isoSeconds } from "@openstack-ts/kernel";
import { secretHref } from "../api/hrefs.js";
import type { SecretConsumerView } from "./secret-relations.js";
import type { SecretRecord } from "./secrets-types.js";

/** Content types that secret responses report in `content_types`. */
const REPORTED_CONTENT_TYPES = new Set([
  "text/plain",
  "application/octet-stream",
  "application/pkcs8",
  "application/aes",
]);

/**
 * Renders a secret as upstream does, in its key order. `consumers` is present only from
 * microversion 1.1 on, and `content_types` only once a payload is stored.
 */
export function secretView(
  secret: SecretRecord,
  baseUrl: string,
  consumers: SecretConsumerView[] | undefined,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    created: isoSeconds(secret.createdAt),
    updated: isoSeconds(secret.updatedAt),
    status: secret.status,
    name: secret.name,
    secret_type: secret.secretType,
    expiration: isoSeconds(secret.expiration),
    algorithm: secret.algorithm,
    bit_length: secret.bitLength,
    mode: secret.mode,
    creator_id: secret.creatorId,
  };
  if (consumers !== undefined) {
    view.consumers = consumers;
  }
  if (secret.contentType !== null && REPORTED_CONTENT_TYPES.has(secret.contentType)) {
    view.content_types = { default: secret.contentType };
  }
  view.secret_ref = secretHref(baseUrl, secret.id);
  return view;
}
