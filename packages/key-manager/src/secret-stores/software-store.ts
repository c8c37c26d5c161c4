import { randomBytes, randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { LRUCache } from "lru-cache";
import { KEY_BYTES, openAesGcm, sealAesGcm } from "./aes-gcm.js";
import type { MasterKeyring } from "./master-keyring.js";
import type { ProjectKeyRow, ProjectKeysRepo } from "./project-keys-repo.js";
import type { PayloadContext, SecretStore, StoredPayload } from "./secret-store.js";

/** Name recorded with every payload the software store writes. */
export const SOFTWARE_STORE_NAME = "software";

const PROJECT_KEY_ALGORITHM = "aes-256-gcm";

/** An unwrapped project key with the id and version it is stored under. */
interface ProjectKey {
  id: string;
  projectId: string;
  version: number;
  key: Buffer;
}

export interface SoftwareStoreDependencies {
  keyring: MasterKeyring;
  projectKeys: Pick<ProjectKeysRepo, "findActive" | "findById" | "insert">;
  /** Unwrapped project keys kept in memory, so most requests skip the key table. */
  cacheSize?: number;
  logger?: { info(fields: object, message: string): void };
}

/**
 * Creates the default secret store, which encrypts payloads in the database with envelope
 * encryption. A master key wraps one random AES-256 key per project (`km_project_keys`), and that
 * key encrypts each payload with AES-256-GCM. The secret id is the associated data, so a
 * ciphertext copied onto another secret fails to decrypt. Every record carries the version of
 * the key that wrote it.
 */
export function createSoftwareSecretStore(dependencies: SoftwareStoreDependencies): SecretStore {
  const { keyring, projectKeys } = dependencies;
  const keysById = new LRUCache<string, ProjectKey>({ max: dependencies.cacheSize ?? 10_000 });
  const activeKeyIds = new LRUCache<string, string>({ max: dependencies.cacheSize ?? 10_000 });
  const pendingCreations = new Map<string, Promise<ProjectKey>>();

  function unwrap(row: ProjectKeyRow): ProjectKey {
    const masterKey = keyring.key(row.master_key_version);
    const key = openAesGcm(
      masterKey,
      row.wrapped_key,
      projectKeyContext(row.project_id, row.version),
    );
    const projectKey = { id: row.id, projectId: row.project_id, version: row.version, key };
    keysById.set(row.id, projectKey);
    return projectKey;
  }

  async function createProjectKey(projectId: string): Promise<ProjectKey> {
    const version = 1;
    const key = randomBytes(KEY_BYTES);
    const row: ProjectKeyRow = {
      id: randomUUID(),
      project_id: projectId,
      version,
      algorithm: PROJECT_KEY_ALGORITHM,
      wrapped_key: sealAesGcm(
        keyring.key(keyring.activeVersion),
        key,
        projectKeyContext(projectId, version),
      ),
      master_key_version: keyring.activeVersion,
      active: true,
      created_at: nowTimestamp(),
    };
    try {
      await projectKeys.insert(row);
    } catch (error) {
      // Another process created the project's key between our read and our insert: use theirs.
      const existing = await projectKeys.findActive(projectId);
      if (existing === undefined) {
        throw error;
      }
      dependencies.logger?.info(
        { project_id: projectId, key_id: existing.id },
        "another process created the project key first; using that key",
      );
      return unwrap(existing);
    }
    const projectKey = { id: row.id, projectId, version, key };
    keysById.set(row.id, projectKey);
    return projectKey;
  }

  async function loadOrCreateActiveKey(projectId: string): Promise<ProjectKey> {
    const row = await projectKeys.findActive(projectId);
    return row === undefined ? createProjectKey(projectId) : unwrap(row);
  }

  async function activeKey(projectId: string): Promise<ProjectKey> {
    const cachedId = activeKeyIds.get(projectId);
    const cached = cachedId === undefined ? undefined : keysById.get(cachedId);
    if (cached !== undefined) {
      return cached;
    }
    let pending = pendingCreations.get(projectId);
    if (pending === undefined) {
      pending = loadOrCreateActiveKey(projectId).finally(() => pendingCreations.delete(projectId));
      pendingCreations.set(projectId, pending);
    }
    const projectKey = await pending;
    activeKeyIds.set(projectId, projectKey.id);
    return projectKey;
  }

  async function keyById(keyId: string, projectId: string): Promise<ProjectKey> {
    const cached = keysById.get(keyId);
    const projectKey = cached ?? (await loadKey(keyId));
    if (projectKey === undefined || projectKey.projectId !== projectId) {
      throw new Error(`project key ${keyId} of project ${projectId} does not exist`);
    }
    return projectKey;
  }

  async function loadKey(keyId: string): Promise<ProjectKey | undefined> {
    const row = await projectKeys.findById(keyId);
    return row === undefined ? undefined : unwrap(row);
  }

  return {
    name: SOFTWARE_STORE_NAME,

    async storePayload(context: PayloadContext, plaintext: Buffer): Promise<StoredPayload> {
      const projectKey = await activeKey(context.projectId);
      return {
        storeName: SOFTWARE_STORE_NAME,
        keyId: projectKey.id,
        keyVersion: projectKey.version,
        data: sealAesGcm(projectKey.key, plaintext, context.secretId),
      };
    },

    async retrievePayload(context: PayloadContext, stored: StoredPayload): Promise<Buffer> {
      if (stored.keyId === null) {
        throw new Error(`payload of secret ${context.secretId} names no project key`);
      }
      const projectKey = await keyById(stored.keyId, context.projectId);
      return openAesGcm(projectKey.key, stored.data, context.secretId);
    },

    async deletePayload(): Promise<void> {
      // The ciphertext lives in the payload row, which the secrets repository deletes.
    },
  };
}

/** Associated data of a wrapped project key: binds the wrapped bytes to their project and version. */
export function projectKeyContext(projectId: string, version: number): string {
  return `km-project-key:${projectId}:${version}`;
}
