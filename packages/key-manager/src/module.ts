import {
  bindService,
  listenOn,
  migrateToLatest,
  openDatabase,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import { buildKeyManagerApp } from "./app.js";
import {
  KEY_MANAGER_PORT,
  type KeyManagerConfig,
  loadKeyManagerConfig,
  masterKeyFile,
} from "./config.js";
import { MIGRATION_SERVICE, migrationsFor } from "./db/migrations.js";
import type { KeyManagerDatabase } from "./db/schema.js";
import { type ConfiguredStores, openConfiguredStores } from "./secret-stores/configured-stores.js";
import { loadMasterKeyring } from "./secret-stores/master-keyring.js";
import type { SecretRelations } from "./secrets/secret-relations.js";

/** Extra dependencies for tests and for the domains that build on secrets. */
export interface KeyManagerServiceOptions {
  relations?: SecretRelations;
}

/**
 * Starts the key manager: opens and migrates its database, loads the master keys (creating the
 * key file on first start), and builds the HTTP app. `listen()` binds the configured address.
 */
export async function createKeyManagerService(
  config: KeyManagerConfig,
  dependencies: ServiceDependencies,
  options: KeyManagerServiceOptions = {},
): Promise<ServiceInstance> {
  const logger = bindService(dependencies.logger, "key-manager");
  const database = openDatabase<KeyManagerDatabase>(config.database.url, {
    poolSize: config.database.pool_size,
  });
  let stores: ConfiguredStores | undefined;
  try {
    await migrateToLatest(
      database.db as never,
      MIGRATION_SERVICE,
      migrationsFor(config.database.url),
    );
    const keyring = loadMasterKeyring(
      {
        masterKey: config.crypto.master_key,
        masterKeyVersion: config.crypto.master_key_version,
        file: masterKeyFile(config),
      },
      logger,
    );
    stores = await openConfiguredStores({ config, database, keyring, logger });
    const store = stores.store;
    const app = buildKeyManagerApp({
      config,
      database,
      store,
      logger,
      bus: dependencies.bus,
      ...(dependencies.tokenValidator === undefined
        ? {}
        : { tokenValidator: dependencies.tokenValidator }),
      ...(options.relations === undefined ? {} : { relations: options.relations }),
    });
    logger.info({ database: database.displayUrl, auth: config.auth.mode }, "key manager ready");
    return {
      name: "key-manager",
      app,
      listen: () => listenOn(app, config.listen.host, config.listen.port),
      async close() {
        await app.close();
        await stores?.close();
        await database.close();
        logger.info("key manager stopped");
      },
    };
  } catch (error) {
    await stores?.close();
    await database.close();
    throw error;
  }
}

/** The key manager as a service module, for the stack and `openstack-ts serve key-manager`. */
export const keyManagerModule: ServiceModule<KeyManagerConfig> = {
  name: "key-manager",
  section: "key_manager",
  catalogType: "key-manager",
  catalogName: "barbican",
  defaultPort: KEY_MANAGER_PORT,
  loadConfig: (options) => loadKeyManagerConfig(options),
  create: (config, dependencies) => createKeyManagerService(config, dependencies),
};
