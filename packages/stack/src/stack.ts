import { join, resolve } from "node:path";
import {
  type IdentityModule,
  type IdentityServiceInstance,
  identityModule,
} from "@openstack-ts/identity";
import {
  bindService,
  createLogger,
  createMessageBus,
  dataDirectory,
  type Logger,
  type MessageBus,
  type ServiceConfigOptions,
  type ServiceCredentials,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import type { RcaConfig } from "@openstack-ts/rca";
import { relocateDataSettings } from "./data-folder.js";
import { lockDataFolder } from "./data-lock.js";
import { renderOpenrc, writeOpenrc } from "./openrc.js";
import { STACK_SERVICES } from "./services.js";
import { loadStackConfig } from "./stack-config.js";
import { StackStartError, serviceStartError } from "./start-error.js";

export interface StackOptions {
  /**
   * Folder for SQLite files, key files and the openrc file; defaults to `$OSTS_DATA_DIR` or
   * `./data`. Settings that point into the default folder are moved here, and `OSTS_DATA_DIR`
   * is set to it while the stack runs, for services that read it when they start.
   */
  dataDir?: string;
  /** Binds every service to a free port instead of its configured one (for tests). */
  freePorts?: boolean;
  /** Configuration file; defaults to `$OSTS_CONFIG`. */
  configFile?: string;
  /** Environment the configuration overrides are read from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra overrides per configuration section, such as `{ identity: { "token.expiration_seconds": 600 } }`. */
  overrides?: Record<string, Record<string, unknown>>;
  /** Logger; defaults to one at the `stack.log.level` level. */
  logger?: Logger;
  /** Services started after identity; defaults to `STACK_SERVICES`. */
  services?: ServiceModule[];
  /** The identity module; replaceable for tests. */
  identity?: IdentityModule;
}

/** One service the stack started. */
export interface StackService {
  name: string;
  /** Base URL the service bound. */
  url: string;
  /** Service type in the catalog, if it has one. */
  catalogType?: string | undefined;
}

/** The running stack. */
export interface RunningStack {
  services: StackService[];
  identity: IdentityServiceInstance;
  /** Credentials of the bootstrap admin, as written to the openrc file. */
  adminCredentials: ServiceCredentials;
  region: string;
  dataDir: string;
  openrcPath: string;
  /** Stops every service in reverse order, then the message bus. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts identity, then every other service with identity's in-process token validator and one
 * shared message bus, puts the URLs the services bound into the catalog, and writes an openrc
 * file for the bootstrap admin into the data folder. The data folder is claimed first (see
 * lockDataFolder), so a second stack on the same folder fails before it touches any file.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const env = options.env ?? process.env;
  const defaultDataDir = dataDirectory(process.env);
  const dataDir = resolve(options.dataDir ?? dataDirectory(env));
  const stackConfig = loadStackConfig({ file: options.configFile, env });
  // Services get the root logger and bind their own `service`, so only the stack's own lines
  // carry `service: "stack"`.
  const rootLogger = options.logger ?? createLogger({ level: stackConfig.log.level });
  const logger = bindService(rootLogger, "stack");
  const unlockDataFolder = lockDataFolder(dataDir);
  const restoreEnvironment = pointDataDirectory(
    options.dataDir === undefined ? undefined : dataDir,
  );

  let bus: MessageBus;
  try {
    bus = await createMessageBus(stackConfig.bus.url, logger);
  } catch (error) {
    restoreEnvironment();
    unlockDataFolder();
    throw new StackStartError(`the message bus failed to start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const started: ServiceInstance[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) {
      return;
    }
    stopped = true;
    await stopAll(started.splice(0).reverse(), bus, logger);
    restoreEnvironment();
    unlockDataFolder();
  };
  try {
    // Catalog type to bound URL of every service started so far, for the services after it.
    const boundUrls = new Map<string, string>();
    let admin: ServiceCredentials | undefined;
    const configOptions = (module: ServiceModule): ServiceConfigOptions => ({
      file: options.configFile,
      env,
      overrides: stackOverrides(module, {
        ...options,
        defaultDataDir,
        dataDir,
        env,
        boundUrls,
        admin,
      }),
    });

    const identityDescriptor = options.identity ?? identityModule;
    const identity = await startService(identityDescriptor, started, () =>
      identityDescriptor.create(identityDescriptor.loadConfig(configOptions(identityDescriptor)), {
        logger: rootLogger,
        bus,
      }),
    );
    const services: StackService[] = [
      {
        name: identity.name,
        url: await listenService(identityDescriptor, identity),
        catalogType: "identity",
      },
    ];
    admin = identity.adminCredentials();

    for (const module of options.services ?? STACK_SERVICES) {
      const instance = await startService(module, started, () =>
        module.create(module.loadConfig(configOptions(module)), {
          logger: rootLogger,
          bus,
          tokenValidator: identity.tokenValidator,
        }),
      );
      const url = await listenService(module, instance);
      services.push({ name: module.name, url, catalogType: module.catalogType });
      if (module.catalogType !== undefined) {
        identity.setCatalogEndpoint(module.catalogType, module.catalogName ?? module.name, url);
        boundUrls.set(module.catalogType, url);
      }
    }

    const adminCredentials = identity.adminCredentials();
    const openrcPath = join(dataDir, "openrc");
    try {
      writeOpenrc(openrcPath, renderOpenrc(adminCredentials, identity.region));
    } catch (error) {
      throw new StackStartError(
        `the openrc file ${openrcPath} cannot be written: ${(error as Error).message}`,
        { cause: error },
      );
    }
    logger.info(
      { openrc: openrcPath, services: services.map((service) => service.name) },
      "stack started",
    );
    return {
      services,
      identity,
      adminCredentials,
      region: identity.region,
      dataDir,
      openrcPath,
      stop,
    };
  } catch (error) {
    // A StackStartError explains itself; its stack trace would only bury the message.
    const details =
      error instanceof StackStartError ? { reason: error.message } : { err: error as Error };
    logger.error(details, "stack failed to start; stopping the services already started");
    await stop();
    throw error;
  }
}

/** Creates a service, records it for stop(), and names the service in any failure. */
async function startService<T extends ServiceInstance>(
  module: Pick<ServiceModule, "name" | "section">,
  started: ServiceInstance[],
  create: () => Promise<T>,
): Promise<T> {
  let instance: T;
  try {
    instance = await create();
  } catch (error) {
    throw serviceStartError(module.name, module.section, error);
  }
  started.push(instance);
  return instance;
}

/** Binds a service; a failure names the service, the address and the setting to change. */
async function listenService(
  module: Pick<ServiceModule, "name" | "section">,
  instance: ServiceInstance,
): Promise<string> {
  try {
    return await instance.listen();
  } catch (error) {
    throw serviceStartError(module.name, module.section, error);
  }
}

interface OverrideContext extends StackOptions {
  defaultDataDir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Catalog type to bound URL of the services started before this one. */
  boundUrls: ReadonlyMap<string, string>;
  /** The bootstrap admin, once identity is started. */
  admin: ServiceCredentials | undefined;
}

/**
 * Overrides of one service: the relocated data folder, free ports, links to the services started
 * before it, then the caller's own.
 */
function stackOverrides(module: ServiceModule, context: OverrideContext): Record<string, unknown> {
  const explicit = context.overrides?.[module.section] ?? {};
  const overrides: Record<string, unknown> = {};
  if (context.freePorts === true) {
    overrides["listen.port"] = 0;
  }
  const loaded = module.loadConfig({
    file: context.configFile,
    env: context.env,
    overrides: explicit,
  });
  if (context.dataDir !== context.defaultDataDir) {
    Object.assign(overrides, relocateDataSettings(loaded, context.defaultDataDir, context.dataDir));
  }
  const auth = (loaded as { auth?: { mode?: string } }).auth;
  if (context.admin !== undefined && auth?.mode === "keystone") {
    // The services validate tokens with this identity service in process, so the identity URL
    // they announce in WWW-Authenticate and use for their own tokens is this one.
    overrides["auth.auth_url"] = context.admin.authUrl;
  }
  if (module.section === "rca") {
    Object.assign(overrides, rcaNetworkListing(loaded as RcaConfig, context));
  }
  return { ...overrides, ...explicit };
}

/**
 * Points RCA's network datasource at the stack's network service, with the admin's credentials,
 * so the graph lists the existing networks and ports at every start. Without a URL it follows
 * change events only, and a restarted stack would lose them from the graph. A URL or a user set
 * in the configuration is kept.
 */
function rcaNetworkListing(config: RcaConfig, context: OverrideContext): Record<string, unknown> {
  const networkUrl = context.boundUrls.get("network");
  const listsNetwork = config.datasources.types.includes("network");
  if (networkUrl === undefined || !listsNetwork || config.datasources.network.url !== "") {
    return {};
  }
  const overrides: Record<string, unknown> = { "datasources.network.url": networkUrl };
  // The listing needs an admin token to see every project's networks and ports.
  if (
    config.auth.mode === "keystone" &&
    config.auth.username === "" &&
    context.admin !== undefined
  ) {
    Object.assign(overrides, {
      "auth.username": context.admin.username,
      "auth.password": context.admin.password,
      "auth.project_name": context.admin.projectName,
      "auth.user_domain_name": context.admin.userDomainName,
      "auth.project_domain_name": context.admin.projectDomainName,
    });
  }
  return overrides;
}

/** Sets `OSTS_DATA_DIR` while the stack runs; returns the function that restores it. */
function pointDataDirectory(dataDir: string | undefined): () => void {
  if (dataDir === undefined) {
    return () => {};
  }
  const previous = process.env.OSTS_DATA_DIR;
  process.env.OSTS_DATA_DIR = dataDir;
  return () => {
    if (previous === undefined) {
      delete process.env.OSTS_DATA_DIR;
    } else {
      process.env.OSTS_DATA_DIR = previous;
    }
  };
}

async function stopAll(services: ServiceInstance[], bus: MessageBus, logger: Logger) {
  for (const service of services) {
    try {
      await service.close();
    } catch (error) {
      logger.error({ err: error, service: service.name }, "stopping a service failed");
    }
  }
  try {
    await bus.close();
  } catch (error) {
    logger.error({ err: error }, "closing the message bus failed");
  }
}
