import {
  authContextFromKeystoneToken,
  bindService,
  type Database,
  listenOn,
  migrateToLatest,
  openDatabase,
  redactUrl,
  type ServiceCredentials,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
  type TokenValidator,
} from "@openstack-ts/kernel";
import { type Kysely, sql } from "kysely";
import { buildIdentityApp } from "./app.js";
import { type BootstrapResult, bootstrapIdentity } from "./bootstrap/bootstrap.js";
import { createIdentityComponents, type IdentityComponents } from "./components.js";
import {
  IDENTITY_DEFAULT_PORT,
  IDENTITY_SECTION,
  type IdentityConfig,
  loadIdentityConfig,
} from "./config.js";
import { loadCredentialCipher } from "./credentials/credential-cipher.js";
import { identityMigrations } from "./db/migrations.js";
import type { IdentitySchema } from "./db/schema.js";
import { DEFAULT_DOMAIN_NAME } from "./domains/domain-types.js";
import { publishProjectDeletions } from "./projects/project-events.js";

/** The running identity service, with what the stack needs beyond a plain ServiceInstance. */
export interface IdentityServiceInstance extends ServiceInstance {
  /** Validates tokens in this process, with no HTTP round trip; revocation is seen at once. */
  readonly tokenValidator: TokenValidator;
  /** Adds a service to the catalog or replaces its URL (the stack passes the bound URLs). */
  setCatalogEndpoint(type: string, name: string, url: string): void;
  /** The bootstrap admin's credentials, for an openrc file; the URL is known after listen(). */
  adminCredentials(): ServiceCredentials;
  /** The bootstrap service user's credentials, for services that validate tokens over HTTP. */
  serviceCredentials(): ServiceCredentials;
  /** The catalog region. */
  readonly region: string;
}

/**
 * Opens the database, applies migrations, bootstraps the default domain, roles and users, and
 * builds the HTTP app. Nothing listens until `listen()`.
 */
export async function createIdentityService(
  config: IdentityConfig,
  dependencies: ServiceDependencies,
): Promise<IdentityServiceInstance> {
  const logger = bindService(dependencies.logger, "identity");
  const database = await openIdentityDatabase(config.database);
  try {
    let bootstrap: BootstrapResult | undefined;
    const components = createIdentityComponents({
      db: database.db,
      config,
      cipher: loadCredentialCipher(config.credential.key_file),
      adminProjectId: () => bootstrap?.adminProjectId ?? null,
      log: logger,
    });
    publishProjectDeletions(components.projects, dependencies.bus, logger);
    bootstrap = await bootstrapIdentity(config.bootstrap, { ...components, logger });
    const validator = createInProcessValidator(components);
    const app = buildIdentityApp({
      components,
      validator,
      config,
      logger,
      healthCheck: async () => {
        await sql`select 1`.execute(database.db);
      },
    });
    const cleanup = startTokenCleanup(components, config.token.cleanup_interval_seconds, logger);
    return describeInstance({
      config,
      components,
      bootstrap,
      validator,
      app,
      database,
      cleanup,
      logger,
    });
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * Opens the database and applies the migrations. A failure names the database, because the
 * driver's own message ("file is not a database", "unable to open database file") does not.
 */
async function openIdentityDatabase(settings: IdentityConfig["database"]) {
  const where = `identity database ${redactUrl(settings.url)}`;
  let database: Database<IdentitySchema>;
  try {
    database = openDatabase<IdentitySchema>(settings.url, { poolSize: settings.pool_size });
  } catch (error) {
    throw new Error(`${where} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
  try {
    await migrateToLatest(
      database.db as Kysely<unknown>,
      "identity",
      identityMigrations(database.dialect),
    );
  } catch (error) {
    await database.close();
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
  return database;
}

/** Returns a TokenValidator that checks tokens against this process's own database. */
function createInProcessValidator(components: Pick<IdentityComponents, "tokens">): TokenValidator {
  return {
    async validate(token) {
      const validated = await components.tokens.validate(token, { catalog: false });
      return validated === null ? null : authContextFromKeystoneToken(validated.body);
    },
  };
}

function startTokenCleanup(
  components: Pick<IdentityComponents, "tokens">,
  intervalSeconds: number,
  logger: IdentityServiceInstance["app"]["log"],
): NodeJS.Timeout | undefined {
  if (intervalSeconds === 0) {
    return undefined;
  }
  const run = async () => {
    try {
      const deleted = await components.tokens.deleteExpired();
      if (deleted > 0) {
        logger.info({ deleted }, "deleted expired tokens");
      }
    } catch (error) {
      logger.error({ err: error }, "deleting expired tokens failed");
    }
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return timer;
}

interface InstanceParts {
  config: IdentityConfig;
  components: IdentityComponents;
  bootstrap: BootstrapResult;
  validator: TokenValidator;
  app: IdentityServiceInstance["app"];
  database: { close(): Promise<void> };
  cleanup: NodeJS.Timeout | undefined;
  logger: IdentityServiceInstance["app"]["log"];
}

function describeInstance(parts: InstanceParts): IdentityServiceInstance {
  const { config, components, bootstrap, validator, app, database, cleanup, logger } = parts;
  const catalog = components.catalog;
  let baseUrl: string | undefined;

  const credentials = (username: string, password: string, projectName: string) => ({
    authUrl: catalog.identityUrl(),
    username,
    password,
    projectName,
    userDomainName: DEFAULT_DOMAIN_NAME,
    projectDomainName: DEFAULT_DOMAIN_NAME,
  });

  return {
    name: "identity",
    app,
    tokenValidator: validator,
    region: catalog.region,

    async listen() {
      baseUrl = await listenOn(app, config.listen.host, config.listen.port);
      const publicBase = config.listen.public_url !== "" ? config.listen.public_url : baseUrl;
      catalog.setIdentityUrl(`${publicBase.replace(/\/+$/, "")}/v3`);
      logger.info({ url: baseUrl }, "identity service listening");
      return baseUrl;
    },

    async close() {
      if (cleanup !== undefined) {
        clearInterval(cleanup);
      }
      await app.close();
      await database.close();
      logger.info("identity service stopped");
    },

    setCatalogEndpoint: (type, name, url) => catalog.setEndpoint(type, name, url),

    adminCredentials: () =>
      credentials(
        config.bootstrap.admin_username,
        bootstrap.adminPassword,
        config.bootstrap.admin_project_name,
      ),

    serviceCredentials: () =>
      credentials(
        config.bootstrap.service_username,
        bootstrap.servicePassword,
        config.bootstrap.service_project_name,
      ),
  };
}

/** The identity ServiceModule, whose `create` returns the richer IdentityServiceInstance. */
export interface IdentityModule extends ServiceModule<IdentityConfig> {
  create(
    config: IdentityConfig,
    dependencies: ServiceDependencies,
  ): Promise<IdentityServiceInstance>;
}

/** The identity service as the stack and `openstack-ts serve identity` load it. */
export const identityModule: IdentityModule = {
  name: "identity",
  section: IDENTITY_SECTION,
  catalogType: "identity",
  catalogName: "keystone",
  defaultPort: IDENTITY_DEFAULT_PORT,
  loadConfig: loadIdentityConfig,
  create: createIdentityService,
};
