import type { DomainTables } from "./domain-schema.js";

/**
 * Tables of the key manager. Every name starts with `km_`, so the key manager can share one
 * database with other services. Timestamps are fixed-width ISO-8601 UTC text.
 */
export interface KeyManagerDatabase extends DomainTables {
  km_secrets: SecretTable;
  km_secret_payloads: SecretPayloadTable;
  km_project_keys: ProjectKeyTable;
  km_secret_metadata: SecretMetadataTable;
}

/** One secret's metadata; deleted secrets stay as rows with `deleted` set, as upstream does. */
export interface SecretTable {
  id: string;
  project_id: string;
  creator_id: string | null;
  name: string | null;
  secret_type: string;
  algorithm: string | null;
  bit_length: number | null;
  mode: string | null;
  /** Expiration truncated to whole seconds, or null for none. */
  expiration: string | null;
  status: string;
  /** Normalised content type of the stored payload; null until a payload is stored. */
  content_type: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean | number;
  deleted_at: string | null;
}

/** The protected payload of a secret, as its secret store returned it. */
export interface SecretPayloadTable {
  secret_id: string;
  /** Name of the secret store that wrote the record, such as `software`. */
  store_name: string;
  /** Id of the project key that encrypted the payload (software store). */
  key_id: string | null;
  /** Version of that key, so keys can be rotated and payloads re-encrypted later. */
  key_version: number;
  data: Buffer;
  created_at: string;
}

/** A per-project data key, wrapped by a master key. */
export interface ProjectKeyTable {
  id: string;
  project_id: string;
  version: number;
  algorithm: string;
  /** AES-256-GCM of the key under the master key: 12-byte IV, 16-byte tag, ciphertext. */
  wrapped_key: Buffer;
  master_key_version: number;
  active: boolean | number;
  created_at: string;
}

/** One user metadata pair of a secret; keys are stored lower-cased. */
export interface SecretMetadataTable {
  secret_id: string;
  key: string;
  value: string;
  created_at: string;
  updated_at: string;
}
