import {
  type ApiError,
  createHttpServer,
  type Database,
  KeystoneTokenValidator,
  type Logger,
  type MessageBus,
  registerAuth,
  type TokenValidator,
} from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { createAclsRepo } from "./acls/acls-repo.js";
import { createStoredSecretRelations } from "./acls/stored-secret-relations.js";
import { formatKeyManagerError } from "./api/error-format.js";
import type { HrefSettings } from "./api/hrefs.js";
import { registerMicroversions } from "./api/microversion.js";
import { registerRawBodies } from "./api/request-body.js";
import type { KeyManagerConfig } from "./config.js";
import { createConsumersRepo } from "./consumers/consumers-repo.js";
import type { KeyManagerDatabase } from "./db/schema.js";
import { createQuotaEnforcement, registerDomains } from "./domains.js";
import { errors } from "./errors.js";
import { createAuthorizer } from "./policy/authorizer.js";
import { createSecretMetadataRepo } from "./secret-metadata/secret-metadata-repo.js";
import { registerSecretMetadataRoutes } from "./secret-metadata/secret-metadata-routes.js";
import { createSecretMetadataService } from "./secret-metadata/secret-metadata-service.js";
import type { SecretStore } from "./secret-stores/secret-store.js";
import type { SecretRelations } from "./secrets/secret-relations.js";
import { createSecretsRepo } from "./secrets/secrets-repo.js";
import { registerSecretRoutes } from "./secrets/secrets-routes.js";
import { createSecretsService } from "./secrets/secrets-service.js";
import { registerVersionRoutes } from "./versions/versions-routes.js";

/** Largest body fastify reads; the routes apply upstream's smaller limits themselves. */
const TRANSPORT_BODY_LIMIT = 1024 * 1024;

/** Maximum length of a project or user id, as the tables store them. */
const MAX_ID_LENGTH = 255;

/** Roles of a no-auth request without `X-Roles`: upstream gives it the admin role. */
const NOAUTH_DEFAULT_ROLES = ["admin"];

export interface KeyManagerAppDependencies {
  config: KeyManagerConfig;
  database: Database<KeyManagerDatabase>;
  store: SecretStore;
  logger: Logger;
  /** Validates tokens in keystone mode; built from `config.auth` when absent. */
  tokenValidator?: TokenValidator;
  /** ACL and consumer data of secrets, from the domains that store them. */
  relations?: SecretRelations;
  /** Message bus for order tasks and identity events; an in-process one when absent. */
  bus?: MessageBus;
}

/** Builds the key manager's fastify app with every domain's routes. */
export function buildKeyManagerApp(dependencies: KeyManagerAppDependencies): FastifyInstance {
  const { config, database, store, logger } = dependencies;
  const app = createHttpServer({
    service: "key-manager",
    logger,
    formatError: (error: ApiError) => formatKeyManagerError(error),
    bodyLimit: TRANSPORT_BODY_LIMIT,
    healthCheck: async () => {
      await database.db.selectFrom("km_secrets").select("id").limit(1).execute();
    },
  });
  registerMicroversions(app);
  registerRawBodies(app);
  registerAuthentication(app, dependencies);

  const hrefs: HrefSettings = { baseUrl: config.host_href || config.listen.public_url };
  const limits = {
    maxRequestBytes: config.limits.max_allowed_request_size_in_bytes,
    maxSecretBytes: config.limits.max_allowed_secret_in_bytes,
  };
  const authorizer = createAuthorizer({
    enforceNewDefaults: config.policy.enforce_new_defaults,
    enforceScope: config.policy.enforce_scope,
    overridesFile: config.policy.file,
  });
  const secretsRepo = createSecretsRepo(database.db);
  const relations =
    dependencies.relations ??
    createStoredSecretRelations({
      acls: createAclsRepo(database.db),
      consumers: createConsumersRepo(database.db),
    });
  const secrets = createSecretsService({
    repo: secretsRepo,
    store,
    authorizer,
    relations,
    limits,
    logger,
  });
  const metadata = createSecretMetadataService({ repo: createSecretMetadataRepo(database.db) });

  registerVersionRoutes(app, hrefs);
  const quotaEnforcement = createQuotaEnforcement(database, config, logger);
  registerSecretRoutes(app, {
    withQuota: (projectId, create) =>
      quotaEnforcement.quotas.withQuota(
        projectId,
        "secrets",
        quotaEnforcement.countSecrets,
        "Secret creation",
        create,
      ),
    service: secrets,
    hrefs,
    limits,
    paging: {
      defaultLimit: config.limits.default_limit_paging,
      maxLimit: config.limits.max_limit_paging,
    },
  });
  registerSecretMetadataRoutes(app, {
    secrets,
    metadata,
    hrefs,
    maxRequestBytes: limits.maxRequestBytes,
  });
  registerDomains(app, {
    config,
    database,
    authorizer,
    secrets,
    secretsRepo,
    store,
    hrefs,
    paging: {
      defaultLimit: config.limits.default_limit_paging,
      maxLimit: config.limits.max_limit_paging,
    },
    maxRequestBytes: limits.maxRequestBytes,
    logger,
    ...(dependencies.bus === undefined ? {} : { bus: dependencies.bus }),
  });
  return app;
}

/**
 * Keystone mode validates `X-Auth-Token` and responds 401 with keystonemiddleware's
 * `WWW-Authenticate` header. No-auth mode trusts `X-Project-Id`, `X-User-Id` and `X-Roles`, and
 * rejects a request without `X-Project-Id` as upstream's unauthenticated pipeline does.
 */
function registerAuthentication(app: FastifyInstance, dependencies: KeyManagerAppDependencies) {
  const { config, logger } = dependencies;
  if (config.auth.mode === "noauth") {
    registerAuth(app, { mode: "noauth", noauthDefaultRoles: NOAUTH_DEFAULT_ROLES });
    app.addHook("onRequest", async (request) => {
      if (request.routeOptions.config?.public === true) {
        return;
      }
      if (request.auth.projectId === null) {
        throw errors.create("MISSING_PROJECT_ID");
      }
      // Stored project and creator ids are varchar(255); longer ones would fail in the database.
      if (request.auth.projectId.length > MAX_ID_LENGTH) {
        throw errors.create("IDENTITY_HEADER_TOO_LONG", { header: "X-Project-Id" });
      }
      if ((request.auth.userId?.length ?? 0) > MAX_ID_LENGTH) {
        throw errors.create("IDENTITY_HEADER_TOO_LONG", { header: "X-User-Id" });
      }
    });
    return;
  }
  const validator =
    dependencies.tokenValidator ??
    new KeystoneTokenValidator({
      credentials: {
        authUrl: config.auth.auth_url,
        username: config.auth.username,
        password: config.auth.password,
        projectName: config.auth.project_name,
        userDomainName: config.auth.user_domain_name,
        projectDomainName: config.auth.project_domain_name,
      },
      cacheSeconds: config.auth.cache_seconds,
      cacheSize: config.auth.cache_size,
      logger,
    });
  const identityRoot = config.auth.auth_url.replace(/\/+$/, "").replace(/\/v3$/, "");
  registerAuth(app, {
    mode: "keystone",
    validator,
    wwwAuthenticate: `Keystone uri="${identityRoot}"`,
  });
}
