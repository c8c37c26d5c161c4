import { nowTimestamp } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import type { SecretRecord } from "../secrets/secrets-types.js";
import type { SecretMetadataRepo } from "./secret-metadata-repo.js";
import type { MetadataPair } from "./secret-metadata-validation.js";

export interface SecretMetadataServiceDependencies {
  repo: Pick<SecretMetadataRepo, "list" | "replaceAll" | "insert" | "update" | "delete">;
}

/** User metadata of secrets: whole-set replacement and single pairs. */
export function createSecretMetadataService(dependencies: SecretMetadataServiceDependencies) {
  const { repo } = dependencies;

  return {
    /** Returns all metadata of a secret. */
    list(secret: SecretRecord): Promise<Record<string, string>> {
      return repo.list(secret.id);
    },

    /** Replaces all metadata of a secret. */
    replace(secret: SecretRecord, metadata: Record<string, string>): Promise<void> {
      return repo.replaceAll(secret.id, metadata, nowTimestamp());
    },

    /** Adds a pair; a key the secret already has gets 409. */
    async add(secret: SecretRecord, pair: MetadataPair): Promise<void> {
      const existing = await repo.list(secret.id);
      if (Object.hasOwn(existing, pair.key)) {
        throw errors.create("METADATA_KEY_EXISTS");
      }
      try {
        await repo.insert(secret.id, pair.key, pair.value, nowTimestamp());
      } catch (error) {
        // A concurrent request inserted the same key after our read.
        if (Object.hasOwn(await repo.list(secret.id), pair.key)) {
          throw errors.create("METADATA_KEY_EXISTS");
        }
        throw error;
      }
    },

    /** Returns one pair, or 404 when the key does not exist. */
    async get(secret: SecretRecord, key: string): Promise<MetadataPair> {
      const metadata = await repo.list(secret.id);
      // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
      const value = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
      if (value === undefined) {
        throw errors.create("SECRET_METADATA_NOT_FOUND");
      }
      return { key, value };
    },

    /**
     * Changes the value of the pair named in the URL. A missing key gets 404; a body naming
     * another key gets 409.
     */
    async update(secret: SecretRecord, urlKey: string, pair: MetadataPair): Promise<MetadataPair> {
      const metadata = await repo.list(secret.id);
      if (!Object.hasOwn(metadata, urlKey)) {
        throw errors.create("SECRET_METADATA_NOT_FOUND");
      }
      if (urlKey !== pair.key) {
        throw errors.create("METADATA_KEY_MISMATCH");
      }
      if (!(await repo.update(secret.id, pair.key, pair.value, nowTimestamp()))) {
        throw errors.create("SECRET_METADATA_NOT_FOUND");
      }
      return pair;
    },

    /** Deletes one pair; a missing key is not an error, as in upstream. */
    remove(secret: SecretRecord, key: string): Promise<void> {
      return repo.delete(secret.id, key);
    },
  };
}

export type SecretMetadataService = ReturnType<typeof createSecretMetadataService>;
