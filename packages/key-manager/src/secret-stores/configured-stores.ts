import { type Database, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import type { KeyManagerConfig } from "../config.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import { createHsmProjectKeysRepo } from "./hsm-project-keys-repo.js";
import { HsmSession } from "./hsm-session.js";
import type { MasterKeyring } from "./master-keyring.js";
import { createPkcs11SecretStore, PKCS11_STORE_NAME } from "./pkcs11-store.js";
import { createProjectKeysRepo } from "./project-keys-repo.js";
import type { SecretStore } from "./secret-store.js";
import { createSecretStoresRepo } from "./secret-stores-repo.js";
import { createSoftwareSecretStore, SOFTWARE_STORE_NAME } from "./software-store.js";
import { createStoreRouter } from "./store-router.js";

/** Crypto plugin names the secret-stores API shows for each store plugin. */
const CRYPTO_PLUGINS: Record<string, string> = {
  software: "aes_256_gcm_envelope",
  pkcs11: "pkcs11_aes_256_gcm",
};

/** The secret stores a process uses, behind one routing store. */
export interface ConfiguredStores {
  store: SecretStore;
  close(): Promise<void>;
}

/**
 * Opens the configured secret stores, records them in `km_secret_stores`, and returns a store
 * that routes new payloads to the project's preferred store (with `enable_multiple`) or the
 * global default, and existing payloads to the store that wrote them. Throws when the
 * configuration names a plugin twice or marks no store or several stores as the global default.
 */
export async function openConfiguredStores(dependencies: {
  config: KeyManagerConfig;
  database: Database<KeyManagerDatabase>;
  keyring: MasterKeyring;
  logger: Logger;
}): Promise<ConfiguredStores> {
  const { config, database, logger } = dependencies;
  const configured = config.secret_stores.stores;
  const defaultStore = checkStores(configured);
  const stores = new Map<string, SecretStore>();
  const closers: (() => void)[] = [];
  try {
    for (const entry of configured) {
      if (entry.plugin === "software") {
        stores.set(
          SOFTWARE_STORE_NAME,
          createSoftwareSecretStore({
            keyring: dependencies.keyring,
            projectKeys: createProjectKeysRepo(database.db),
            logger,
          }),
        );
      } else {
        const pkcs11 = openPkcs11Store(config, database, logger);
        closers.push(() => pkcs11.close());
        stores.set(PKCS11_STORE_NAME, pkcs11);
      }
    }
    await syncStoreRows(config, database, logger);
  } catch (error) {
    for (const close of closers) {
      close();
    }
    throw error;
  }
  const repo = createSecretStoresRepo(database.db);
  const router = createStoreRouter({
    stores,
    defaultStore,
    ...(config.secret_stores.enable_multiple
      ? {
          preferredStore: async (projectId: string) =>
            (await repo.preferred(projectId))?.storePlugin,
        }
      : {}),
  });
  return {
    store: router,
    async close() {
      for (const close of closers) {
        close();
      }
    },
  };
}

/** Returns the plugin name of the global default store after checking the list. */
function checkStores(stores: KeyManagerConfig["secret_stores"]["stores"]): string {
  const plugins = stores.map((store) => store.plugin);
  if (new Set(plugins).size !== plugins.length) {
    throw new Error("secret_stores.stores lists a plugin twice; configure each plugin once");
  }
  const defaults = stores.filter((store) => store.global_default);
  if (stores.length > 1 && defaults.length !== 1) {
    throw new Error("secret_stores.stores must mark exactly one store as global_default");
  }
  return (defaults[0] ?? stores[0])?.plugin ?? "software";
}

function openPkcs11Store(
  config: KeyManagerConfig,
  database: Database<KeyManagerDatabase>,
  logger: Logger,
) {
  const session = HsmSession.open({
    libraryPath: config.pkcs11.library_path,
    tokenLabel: config.pkcs11.token_label,
    slotId: config.pkcs11.slot_id,
    pin: config.pkcs11.pin,
  });
  try {
    return createPkcs11SecretStore({
      session,
      projectKeys: createHsmProjectKeysRepo(database.db),
      mkekLabel: config.pkcs11.mkek_label,
      hmacLabel: config.pkcs11.hmac_label,
      cacheSeconds: config.pkcs11.key_cache_seconds,
      logger,
    });
  } catch (error) {
    session.close();
    throw error;
  }
}

/** Makes `km_secret_stores` match the configuration, as `barbican-manage db sync_secret_stores`. */
export async function syncStoreRows(
  config: KeyManagerConfig,
  database: Database<KeyManagerDatabase>,
  logger: Logger,
): Promise<void> {
  const stores = config.secret_stores.stores;
  const single = stores.length === 1;
  const rows = stores.map((store) => ({
    name: store.name,
    storePlugin: store.plugin,
    cryptoPlugin: CRYPTO_PLUGINS[store.plugin] ?? null,
    globalDefault: single || store.global_default,
  }));
  const repo = createSecretStoresRepo(database.db);
  let removed: string[];
  try {
    removed = await repo.sync(rows, nowTimestamp());
  } catch (error) {
    // Processes that start together (an API and its workers) may insert the same row at once.
    logger.debug({ err: error }, "secret store sync conflicted; trying once more");
    removed = await repo.sync(rows, nowTimestamp());
  }
  if (removed.length > 0) {
    logger.warn(
      { stores: removed },
      "secret stores no longer configured were removed; payloads they wrote cannot be read",
    );
  }
}
