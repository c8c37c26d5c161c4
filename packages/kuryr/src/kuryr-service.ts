import type { Server } from "node:http";
import {
  createLogger,
  listenOn,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import { buildKuryrApp } from "./app.js";
import { KURYR_DEFAULT_PORT, type KuryrConfig, loadKuryrConfig, openrcPath } from "./config.js";
import { createNeutronAccess, type NeutronAccess } from "./neutron/neutron-access.js";
import {
  advertisedUrl,
  closeSocket,
  listenOnSocket,
  removeSpecFile,
  writeSpecFile,
} from "./plugin-listener.js";

/** Optional parts a caller may supply instead of the ones built from the configuration. */
export interface KuryrServiceOptions {
  /** Neutron access; defaults to the one `config.neutron` describes. */
  access?: NeutronAccess;
}

/**
 * Creates the Kuryr plugin: the app, plus `listen()` that binds TCP, the Unix socket and writes the
 * spec file, and `close()` that undoes all three.
 */
export async function createKuryrService(
  config: KuryrConfig,
  dependencies: Pick<ServiceDependencies, "logger">,
  options: KuryrServiceOptions = {},
): Promise<ServiceInstance> {
  const logger = dependencies.logger;
  const access = options.access ?? createNeutronAccess(config, openrcPath(config), logger);
  const { app, features, reservations } = buildKuryrApp({ config, logger, access });
  let stopSweep = () => {};
  let socketServer: Server | null = null;
  let advertised = "";

  return {
    name: "kuryr",
    app,
    async listen() {
      const bound = await listenOn(app, config.listen.host, config.listen.port);
      advertised = advertisedUrl(bound, config.listen.public_url);
      if (config.socket_path !== "") {
        socketServer = await listenOnSocket(app, config.socket_path);
        logger.info({ socket: config.socket_path }, "plugin socket listening");
      }
      if (config.spec_file !== "") {
        writeSpecFile(config.spec_file, advertised, logger);
      }
      logger.info({ url: bound }, "kuryr listening");
      void features.warmUp();
      stopSweep = reservations.start();
      return bound;
    },
    async close() {
      stopSweep();
      if (config.spec_file !== "" && advertised !== "") {
        removeSpecFile(config.spec_file, advertised);
      }
      if (socketServer !== null) {
        await closeSocket(socketServer, config.socket_path);
        socketServer = null;
      }
      await app.close();
    },
  };
}

/** The service descriptor `openstack-ts serve kuryr` and `npm run kuryr` load. */
export const kuryrModule: ServiceModule<KuryrConfig> = {
  name: "kuryr",
  section: "kuryr",
  defaultPort: KURYR_DEFAULT_PORT,
  loadConfig: (options) => loadKuryrConfig(options),
  create: (config, dependencies) =>
    createKuryrService(config, {
      logger: dependencies.logger ?? createLogger({ service: "kuryr", level: config.log.level }),
    }),
};
