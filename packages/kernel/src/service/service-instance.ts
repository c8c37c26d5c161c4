import type { FastifyInstance } from "fastify";
import type { TokenValidator } from "../auth/auth-context.js";
import type { MessageBus } from "../bus/message-bus.js";
import type { Logger } from "../log/logger.js";

/** A running service: its HTTP app plus whatever background work it owns. */
export interface ServiceInstance {
  readonly name: string;
  readonly app: FastifyInstance;
  /** Binds the configured address and resolves with the base URL, such as `http://127.0.0.1:9311`. */
  listen(): Promise<string>;
  /** Stops accepting requests, finishes background work and closes connections. */
  close(): Promise<void>;
}

/** What a service receives from the process that runs it. */
export interface ServiceDependencies {
  logger: Logger;
  /** The message bus; services that run in one process share it. */
  bus: MessageBus;
  /**
   * Validates tokens in keystone mode. When absent, a service builds a KeystoneTokenValidator from
   * its `auth` settings; the stack passes the identity service's own validator instead.
   */
  tokenValidator?: TokenValidator;
}

/** Binds a fastify app and returns its base URL. */
export async function listenOn(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === "string") {
    return `http://${host}:${port}`;
  }
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/** Options a launcher passes when it loads a service's configuration. */
export interface ServiceConfigOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

/**
 * The descriptor each service package exports, so that the stack and `openstack-ts serve` can load
 * and start any service the same way.
 */
export interface ServiceModule<Config = unknown> {
  /** Name used on the command line and in logs, such as `key-manager`. */
  name: string;
  /** Configuration section, such as `key_manager`. */
  section: string;
  /** Service type in the Keystone catalog (`key-manager`, `network`, `rca`), if it has one. */
  catalogType?: string;
  /** Service name in the Keystone catalog (`barbican`, `neutron`, `vitrage`). */
  catalogName?: string;
  defaultPort: number;
  loadConfig(options?: ServiceConfigOptions): Config;
  create(config: Config, dependencies: ServiceDependencies): Promise<ServiceInstance>;
}
