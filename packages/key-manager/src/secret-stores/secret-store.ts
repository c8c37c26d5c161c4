/** Identifies the secret whose payload a store protects. */
export interface PayloadContext {
  secretId: string;
  projectId: string;
}

/**
 * Record of a protected payload, as a secret store returns it, persisted with the secret in
 * `km_secret_payloads`.
 * A store that keeps payloads elsewhere (an HSM, KMIP or Vault) would put its reference in `data`.
 */
export interface StoredPayload {
  storeName: string;
  /** The key that protects the payload, when the store uses per-project keys. */
  keyId: string | null;
  /** Version of that key, so payloads can be re-encrypted after a rotation. */
  keyVersion: number;
  data: Buffer;
}

/**
 * A backend that protects secret payloads, like upstream's secret store plugins. The software
 * store is the first implementation; a PKCS#11 store would implement the same three methods.
 */
export interface SecretStore {
  readonly name: string;
  /** Protects a plaintext payload and returns the record to persist with the secret. */
  storePayload(context: PayloadContext, plaintext: Buffer): Promise<StoredPayload>;
  /** Recovers the plaintext of a persisted record; throws when the record fails authentication. */
  retrievePayload(context: PayloadContext, stored: StoredPayload): Promise<Buffer>;
  /** Releases whatever the store keeps outside the database for a deleted secret. */
  deletePayload(context: PayloadContext, stored: StoredPayload): Promise<void>;
}
