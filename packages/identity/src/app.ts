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
import { createLinker, type Linker } from "./common/http.js";
import { findInvalidText, textProblem } from "./common/text-input.js";
import type { IdentityComponents } from "./components.js";
import type { IdentityConfig } from "./config.js";
import { registerEc2CredentialRoutes } from "./credentials/ec2-credential-routes.js";
import { registerVersionRoutes } from "./discovery/version-routes.js";
import { registerDomainRoutes } from "./domains/domain-routes.js";
import { formatKeystoneError, identityError, invalidRequest } from "./errors.js";
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
  registerStrictJsonParser(app);
  rejectInvalidParameters(app);

  const linker = createLinker(config.listen.public_url);
  registerAuth(app, {
    mode: "keystone",
    validator,
    unauthorized: (request) => {
      // Keystone rejects an invalid token in its auth middleware, whose header names the base URL,
      // and a missing token in the API, whose header names the /v3 URL as on every other 401.
      const error = identityError("UNAUTHORIZED");
      if (request.headers["x-auth-token"] === undefined) {
        return error;
      }
      return new ApiError(error.code, error.status, error.message, {
        "www-authenticate": `Keystone uri="${linker.base(request)}"`,
      });
    },
  });
  addKeystoneHeaders(app, linker);

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
 * Adds the headers Keystone puts on its responses: `Vary: X-Auth-Token` on every response, and on
 * every 401 that has none yet `WWW-Authenticate: Keystone uri="<public URL>/v3"`.
 */
function addKeystoneHeaders(app: FastifyInstance, linker: Linker) {
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("vary", "X-Auth-Token");
    if (reply.statusCode === 401 && !reply.hasHeader("www-authenticate")) {
      reply.header("www-authenticate", `Keystone uri="${linker.v3(request, "")}"`);
    }
    return payload;
  });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads JSON bodies strictly. Clients such as tempest send `Content-Type: application/json` on
 * GET and DELETE requests without a body, and fastify's JSON parser rejects an empty body, so an
 * empty body is read as no body. Invalid UTF-8 is a 400 instead of being replaced with U+FFFD.
 * Anything else goes to fastify's own parser, which also guards against prototype poisoning. A
 * string that cannot be stored (see textProblem) is a 400 that names its field.
 */
function registerStrictJsonParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(invalidRequest("The request body is not valid UTF-8."), undefined);
      return;
    }
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      const invalid = error === null ? findInvalidText(value) : undefined;
      if (invalid !== undefined) {
        const field = invalid.path === "" ? "the request body" : `field "${invalid.path}"`;
        done(invalidRequest(`Invalid input for ${field}: ${invalid.problem}.`), undefined);
        return;
      }
      done(error, value);
    });
  });
}

/** Rejects path and query parameters that cannot be stored or compared (see textProblem). */
function rejectInvalidParameters(app: FastifyInstance) {
  app.addHook("preValidation", async (request) => {
    const sources: Array<[string, unknown]> = [
      ["path parameter", request.params],
      ["query parameter", request.query],
    ];
    for (const [kind, values] of sources) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        const texts = Array.isArray(value) ? value : [value];
        const problem = [name, ...texts]
          .map((text) => (typeof text === "string" ? textProblem(text) : undefined))
          .find((found) => found !== undefined);
        if (problem !== undefined) {
          throw invalidRequest(`Invalid ${kind} "${name}": ${problem}.`);
        }
      }
    }
  });
}
