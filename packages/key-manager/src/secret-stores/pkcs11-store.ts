import { randomUUID, timingSafeEqual } from "node:crypto";
import { type Logger, nowTimestamp } from "@openstack-ts/kernel";
import { LRUCache } from "lru-cache";
import type { HsmProjectKeyRow, HsmProjectKeysRepo } from "./hsm-project-keys-repo.js";
import type { HsmSession, KeyHandle } from "./hsm-session.js";
import type { PayloadContext, SecretStore, StoredPayload } from "./secret-store.js";

/** Name recorded with every payload the PKCS#11 store writes. */
export const PKCS11_STORE_NAME = "pkcs11";

export interface Pkcs11StoreDependencies {
  session: HsmSession;
  projectKeys: Pick<HsmProjectKeysRepo, "findActive" | "findById" | "insert">;
  /** Label of the master key that wraps new project keys. */
  mkekLabel: string;
  /** Label of the HMAC key that signs wrapped project keys. */
  hmacLabel: string;
  /** Seconds an unwrapped project key stays in the session. */
  cacheSeconds: number;
  logger: Logger;
}

/** The project key handle a payload operation uses. */
interface ProjectKey {
  id: string;
  projectId: string;
  version: number;
  handle: KeyHandle;
}

/** Unwrapped project keys kept in the session at once, at most. */
const CACHE_SIZE = 1000;

/**
 * Creates the PKCS#11 secret store. A master key-encryption key inside the HSM wraps one AES-256
 * key per project (`km_hsm_project_keys`, signed with an HMAC key of the HSM), and that key
 * encrypts each payload with AES-GCM inside the HSM, with the secret id as associated data. No
 * plain key ever leaves the HSM. Unwrapped project keys live in the session for `cacheSeconds`.
 */
export function createPkcs11SecretStore(
  dependencies: Pkcs11StoreDependencies,
): SecretStore & { close(): void } {
  const { session, projectKeys, logger } = dependencies;
  const hmacKey = requireKey(session, dependencies.hmacLabel, "hmac");
  const masterKeys = new Map<string, KeyHandle>();
  masterKeys.set(dependencies.mkekLabel, requireKey(session, dependencies.mkekLabel, "aes"));
  const unwrapped = new LRUCache<string, ProjectKey>({
    max: CACHE_SIZE,
    ttl: Math.max(dependencies.cacheSeconds, 1) * 1000,
    dispose: (key) => session.destroy(key.handle),
  });
  const activeKeyIds = new Map<string, string>();
  const pending = new Map<string, Promise<ProjectKey>>();

  function masterKey(label: string): KeyHandle {
    let handle = masterKeys.get(label);
    if (handle === undefined) {
      handle = requireKey(session, label, "aes");
      masterKeys.set(label, handle);
    }
    return handle;
  }

  function unwrap(row: HsmProjectKeyRow): ProjectKey {
    const expected = session.sign(hmacKey, signedBytes(row));
    if (expected.length !== row.hmac.length || !timingSafeEqual(expected, row.hmac)) {
      throw new Error(`HMAC of project key ${row.id} does not match; the row was altered`);
    }
    const handle = session.unwrapProjectKey(masterKey(row.mkek_label), row.wrapped_key);
    const key = { id: row.id, projectId: row.project_id, version: row.version, handle };
    unwrapped.set(row.id, key);
    return key;
  }

  async function createKey(projectId: string): Promise<ProjectKey> {
    const row: HsmProjectKeyRow = {
      id: randomUUID(),
      project_id: projectId,
      version: 1,
      mkek_label: dependencies.mkekLabel,
      wrapped_key: session.generateWrappedProjectKey(masterKey(dependencies.mkekLabel)),
      hmac: Buffer.alloc(0),
      active: true,
      created_at: nowTimestamp(),
    };
    row.hmac = session.sign(hmacKey, signedBytes(row));
    try {
      await projectKeys.insert(row);
    } catch (error) {
      const existing = await projectKeys.findActive(projectId);
      if (existing === undefined) {
        throw error;
      }
      logger.info({ project_id: projectId }, "another process created the HSM project key first");
      return unwrap(existing);
    }
    logger.info({ project_id: projectId, key_id: row.id }, "HSM project key created");
    return unwrap(row);
  }

  async function activeKey(projectId: string): Promise<ProjectKey> {
    const cached = unwrapped.get(activeKeyIds.get(projectId) ?? "");
    if (cached !== undefined) {
      return cached;
    }
    let loading = pending.get(projectId);
    if (loading === undefined) {
      loading = projectKeys
        .findActive(projectId)
        .then((row) => (row === undefined ? createKey(projectId) : unwrap(row)))
        .finally(() => pending.delete(projectId));
      pending.set(projectId, loading);
    }
    const key = await loading;
    activeKeyIds.set(projectId, key.id);
    return key;
  }

  async function keyById(id: string, projectId: string): Promise<ProjectKey> {
    const cached = unwrapped.get(id);
    if (cached !== undefined && cached.projectId === projectId) {
      return cached;
    }
    const row = await projectKeys.findById(id);
    if (row === undefined || row.project_id !== projectId) {
      throw new Error(`HSM project key ${id} of project ${projectId} does not exist`);
    }
    return unwrap(row);
  }

  return {
    name: PKCS11_STORE_NAME,

    async storePayload(context: PayloadContext, plaintext: Buffer): Promise<StoredPayload> {
      const key = await activeKey(context.projectId);
      return {
        storeName: PKCS11_STORE_NAME,
        keyId: key.id,
        keyVersion: key.version,
        data: session.encrypt(key.handle, plaintext, context.secretId),
      };
    },

    async retrievePayload(context: PayloadContext, stored: StoredPayload): Promise<Buffer> {
      if (stored.keyId === null) {
        throw new Error(`payload of secret ${context.secretId} names no HSM project key`);
      }
      const key = await keyById(stored.keyId, context.projectId);
      return session.decrypt(key.handle, stored.data, context.secretId);
    },

    async deletePayload(): Promise<void> {
      // The ciphertext lives in the payload row, which the secrets repository deletes.
    },

    close(): void {
      unwrapped.clear();
      session.close();
    },
  };
}

/** The bytes the HMAC covers: the wrapped key bound to its id, project, version and master key. */
export function signedBytes(
  row: Pick<HsmProjectKeyRow, "id" | "project_id" | "version" | "mkek_label" | "wrapped_key">,
): Buffer {
  const header = Buffer.from(`${row.id}\n${row.project_id}\n${row.version}\n${row.mkek_label}\n`);
  return Buffer.concat([header, row.wrapped_key]);
}

function requireKey(session: HsmSession, label: string, type: "aes" | "hmac"): KeyHandle {
  const key = session.findKey(label, type);
  if (key === undefined) {
    const command = type === "aes" ? "hsm gen-mkek" : "hsm gen-hmac";
    throw new Error(
      `the HSM has no ${type === "aes" ? "master" : "HMAC"} key labelled "${label}"; create it with openstack-ts manage ${command}`,
    );
  }
  return key;
}
