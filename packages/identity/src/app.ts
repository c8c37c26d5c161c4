import {
  ApiError,
  createHttpServer,
  type Logger,
  registerAuth,
  type TokenValidator,
} from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { registerApplicationCredentialRoutes } from "./application-credentials/application-credential-routes.js";
import { registerAssignmentRoutes } from "./assignments/assignment-routes.js";
import { registerCatalogRoutes } from "./catalog/catalog-routes.js";
import { createLinker } from "./common/http.js";
import type { IdentityComponents } from "./components.js";
import type { IdentityConfig } from "./config.js";
import { registerEc2CredentialRoutes } from "./credentials/ec2-credential-routes.js";
import { registerVersionRoutes } from "./discovery/version-routes.js";
import { registerDomainRoutes } from "./domains/domain-routes.js";
import { formatKeystoneError, identityError } from "./errors.js";
import { registerGroupRoutes } from "./groups/group-routes.js";
import { createAuthorize } from "./policy/identity-policy.js";
import { registerProjectRoutes } from "./projects/project-routes.js";
import { registerRoleRoutes } from "./roles/role-routes.js";
import { registerTokenRoutes } from "./tokens/token-routes.js";
import { registerUserRoutes } from "./users/user-routes.js";

/** Keystone's default maximum request body (`max_request_body_size`), in bytes. */
export const MAX_REQUEST_BODY_BYTES = 114_688;

export interface IdentityAppOptions {
  components: IdentityComponents;
  validator: TokenValidator;
  config: Pick<IdentityConfig, "listen" | "policy">;
  logger: Logger;
  /** Runs for `/healthcheck`; a rejection makes it return 503. */
  healthCheck: () => Promise<void>;
}

/** Builds the fastify app of the identity service with every route registered. */
export function buildIdentityApp(options: IdentityAppOptions): FastifyInstance {
  const { components, validator, config, logger } = options;
  const app = createHttpServer({
    service: "identity",
    logger,
    formatError: formatKeystoneError,
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    healthCheck: options.healthCheck,
  });
  acceptEmptyJsonBodies(app);

  const linker = createLinker(config.listen.public_url);
  registerAuth(app, {
    mode: "keystone",
    validator,
    unauthorized: (request) => {
      const error = identityError("UNAUTHORIZED");
      return new ApiError(error.code, error.status, error.message, {
        "www-authenticate": `Keystone uri="${linker.base(request)}"`,
      });
    },
  });

  const authorize = createAuthorize(config.policy.file);
  const shared = { linker, authorize };
  registerVersionRoutes(app, linker);
  registerTokenRoutes(app, { ...shared, ...components });
  registerDomainRoutes(app, { ...shared, domains: components.domains });
  registerProjectRoutes(app, { ...shared, projects: components.projects });
  registerUserRoutes(app, { ...shared, ...components });
  registerRoleRoutes(app, { ...shared, roles: components.roles });
  registerGroupRoutes(app, { ...shared, groups: components.groups, users: components.users });
  registerAssignmentRoutes(app, { ...shared, ...components });
  registerCatalogRoutes(app, { ...shared, catalog: components.catalog });
  registerEc2CredentialRoutes(app, { ...shared, credentials: components.ec2Credentials });
  registerApplicationCredentialRoutes(app, { ...shared, ...components });
  return app;
}

/**
 * Clients such as tempest send `Content-Type: application/json` on GET and DELETE requests
 * without a body. Fastify's JSON parser rejects an empty body, so an empty body is read as
 * no body here, and anything else goes to fastify's own parser (which also guards against
 * prototype poisoning).
 */
function acceptEmptyJsonBodies(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
