import { hostname } from "node:os";
import {
  bindService,
  listenOn,
  migrateToLatest,
  openDatabase,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import { buildNetworkApp } from "./app.js";
import { loadNetworkConfig, NETWORK_PORT, type NetworkConfig } from "./config.js";
import { networkMigrations } from "./db/migrations.js";
import type { NetworkDatabase } from "./db/schema.js";
import { NetworkStore } from "./db/transaction.js";

/** Name of the network service's migration history (`network_migrations`). */
export const MIGRATION_SERVICE = "network";

/**
 * Starts the network service: opens and migrates its database, builds the HTTP app and creates
 * the configured subnet pools that are missing. `listen()` binds the configured address; `close()`
 * stops accepting requests, waits for pending change events and closes the database.
 */
export async function createNetworkService(
  config: NetworkConfig,
  dependencies: ServiceDependencies,
): Promise<ServiceInstance> {
  const logger = bindService(dependencies.logger, "network");
  const database = openDatabase<NetworkDatabase>(config.database.url, {
    poolSize: config.database.pool_size,
  });
  try {
    await migrateToLatest(
      database.db as never,
      MIGRATION_SERVICE,
      networkMigrations(database.dialect),
    );
    const store = new NetworkStore(database.db, database.dialect);
    const built = buildNetworkApp({
      config,
      store,
      bus: dependencies.bus,
      logger,
      publisherId: `network.${hostname()}`,
      ...(dependencies.tokenValidator === undefined
        ? {}
        : { tokenValidator: dependencies.tokenValidator }),
    });
    await built.subnetPools.ensureConfiguredPools(
      config.default_subnetpools.map((pool) => ({
        ...pool,
        shared: pool.shared ?? true,
        is_default: pool.is_default ?? false,
        project_id: pool.project_id ?? "",
      })),
      logger,
    );
    logger.info({ database: database.displayUrl, auth: config.auth.mode }, "network service ready");
    return {
      name: "network",
      app: built.app,
      listen: () => listenOn(built.app, config.listen.host, config.listen.port),
      async close() {
        await built.app.close();
        await built.events.flush();
        await database.close();
        logger.info("network service stopped");
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The network service as a service module, for the stack and `openstack-ts serve network`. */
export const networkModule: ServiceModule<NetworkConfig> = {
  name: "network",
  section: "network",
  catalogType: "network",
  catalogName: "neutron",
  defaultPort: NETWORK_PORT,
  loadConfig: (options) => loadNetworkConfig(options),
  create: (config, dependencies) => createNetworkService(config, dependencies),
};
