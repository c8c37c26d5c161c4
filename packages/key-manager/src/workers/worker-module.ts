import {
  bindService,
  createHttpServer,
  listenOn,
  MemoryBus,
  migrateToLatest,
  openDatabase,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import { formatKeyManagerError } from "../api/error-format.js";
import { type KeyManagerConfig, loadKeyManagerConfig, masterKeyFile } from "../config.js";
import { MIGRATION_SERVICE, migrationsFor } from "../db/migrations.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import { startOrderRuntime } from "../domains.js";
import { createOrdersRepo } from "../orders/orders-repo.js";
import { type ConfiguredStores, openConfiguredStores } from "../secret-stores/configured-stores.js";
import { loadMasterKeyring } from "../secret-stores/master-keyring.js";
import type { WorkerRuntime } from "./worker-runtime.js";

/**
 * Starts an order worker process: it consumes the order queue of the message bus, runs the retry
 * scheduler, and serves only `/healthcheck` and `/metrics` on `workers.listen_host:listen_port`.
 * It shares the API's database, master keys and secret stores, from the same configuration.
 */
export async function createKeyManagerWorker(
  config: KeyManagerConfig,
  dependencies: ServiceDependencies,
): Promise<ServiceInstance> {
  const logger = bindService(dependencies.logger, "key-manager-worker");
  if (dependencies.bus instanceof MemoryBus) {
    // An in-process queue lives and dies with this process, so the API could never reach it.
    throw new Error(
      "an order worker needs the message bus the key manager API publishes to: " +
        "set bus.url (OSTS_KEY_MANAGER__BUS__URL) to an amqp:// URL",
    );
  }
  const database = openDatabase<KeyManagerDatabase>(config.database.url, {
    poolSize: config.database.pool_size,
  });
  let stores: ConfiguredStores | undefined;
  let runtime: WorkerRuntime | undefined;
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
    runtime = await startOrderRuntime({
      config,
      bus: dependencies.bus,
      store: stores.store,
      repo: createOrdersRepo(database.db),
      logger,
    });
  } catch (error) {
    await runtime?.close();
    await stores?.close();
    await database.close();
    throw error;
  }
  const app = createHttpServer({
    service: "key-manager-worker",
    logger,
    formatError: formatKeyManagerError,
    healthCheck: async () => {
      await database.db.selectFrom("km_orders").select("id").limit(1).execute();
    },
  });
  return {
    name: "key-manager-worker",
    app,
    listen: () => listenOn(app, config.workers.listen_host, config.workers.listen_port),
    async close() {
      await runtime?.close();
      await app.close();
      await stores?.close();
      await database.close();
      logger.info("key manager worker stopped");
    },
  };
}

/** The order worker as a service module, for `openstack-ts serve key-manager-worker`. */
export const keyManagerWorkerModule: ServiceModule<KeyManagerConfig> = {
  name: "key-manager-worker",
  section: "key_manager",
  defaultPort: 0,
  loadConfig: (options) => loadKeyManagerConfig(options),
  create: (config, dependencies) => createKeyManagerWorker(config, dependencies),
};
