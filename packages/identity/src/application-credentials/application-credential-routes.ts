import { nowTimestamp } from "@openstack-ts/kernel";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Linker, param, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import { keystoneTime, parseRequestTime, pythonIsoTime } from "../common/time.js";
import { identityError, invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { TokenService } from "../tokens/token-service.js";
import type { ApplicationCredentialService } from "./application-credential-service.js";
import type { AccessRule, ApplicationCredential } from "./application-credential-types.js";

const Text = Type.String({ minLength: 1, maxLength: 255 });

const CreateSchema = Type.Object({
  application_credential: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255, pattern: "\\S" }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
    secret: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()]),
    ),
    expires_at: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    roles: Type.Optional(
      Type.Array(Type.Object({ id: Type.Optional(Text), name: Type.Optional(Text) }), {
        maxItems: 100,
      }),
    ),
    unrestricted: Type.Optional(Type.Boolean()),
    access_rules: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(Text),
          service: Type.Optional(Text),
          path: Type.Optional(Text),
          method: Type.Optional(
            Type.Union(
              ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].map((method) =>
                Type.Literal(method),
              ),
            ),
          ),
        }),
        { maxItems: 100 },
      ),
    ),
  }),
});

export interface ApplicationCredentialRouteDependencies {
  applicationCredentials: ApplicationCredentialService;
  tokens: Pick<TokenService, "validate">;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/users/{user_id}/application_credentials` and `/v3/users/{user_id}/access_rules`. */
export function registerApplicationCredentialRoutes(
  app: FastifyInstance,
  dependencies: ApplicationCredentialRouteDependencies,
) {
  const { applicationCredentials, tokens, linker, authorize } = dependencies;
  const base = "/v3/users/:user_id/application_credentials";
  const owner = (request: FastifyRequest) => ({ user_id: param(request, "user_id") });

  const renderRule = (rule: AccessRule) => ({
    id: rule.id,
    path: rule.path,
    method: rule.method,
    service: rule.service,
  });
  const render = (credential: ApplicationCredential, request: FastifyRequest) => ({
    id: credential.id,
    name: credential.name,
    description: credential.description,
    user_id: credential.userId,
    project_id: credential.projectId,
    roles: credential.roles.map((role) => ({ id: role.id, name: role.name, domain_id: null })),
    expires_at: credential.expiresAt === null ? null : pythonIsoTime(credential.expiresAt),
    unrestricted: credential.unrestricted,
    access_rules: credential.accessRules.map(renderRule),
    links: {
      self: linker.v3(
        request,
        `/users/${credential.userId}/application_credentials/${credential.id}`,
      ),
    },
  });

  /** Reads the caller's own token, which fixes the project and the roles a credential delegates. */
  async function callerToken(request: FastifyRequest) {
    const header = request.headers["x-auth-token"];
    const token = Array.isArray(header) ? header[0] : header;
    const validated = token === undefined ? null : await tokens.validate(token, { catalog: false });
    if (validated === null) {
      throw identityError("UNAUTHORIZED");
    }
    if (validated.body.application_credential?.restricted === true) {
      throw identityError("RESTRICTED_APPLICATION_CREDENTIAL");
    }
    return validated.body;
  }

  app.post(base, async (request, reply) => {
    const userId = param(request, "user_id");
    authorize(request, "identity:create_application_credential", owner(request));
    const { application_credential: input } = parseBody(CreateSchema, request.body);
    const token = await callerToken(request);
    if (token.project === undefined) {
      throw invalidRequest("Application credentials are created with a project-scoped token.");
    }
    const { credential, secret } = await applicationCredentials.create(
      userId,
      {
        name: input.name,
        description: input.description,
        secret: input.secret,
        expiresAt: parseExpiry(input.expires_at),
        unrestricted: input.unrestricted,
        roles: input.roles,
        accessRules: input.access_rules,
      },
      { projectId: token.project.id, roles: token.roles ?? [] },
    );
    return reply
      .code(201)
      .send({ application_credential: { ...render(credential, request), secret } });
  });

  app.get(base, async (request) => {
    authorize(request, "identity:list_application_credentials", owner(request));
    const list = await applicationCredentials.list(
      param(request, "user_id"),
      queryValue(request, "name"),
    );
    return {
      application_credentials: list.map((credential) => render(credential, request)),
      links: linker.collection(request),
    };
  });

  app.get(`${base}/:credential_id`, async (request) => {
    authorize(request, "identity:get_application_credential", owner(request));
    const credential = await applicationCredentials.get(
      param(request, "user_id"),
      param(request, "credential_id"),
    );
    return { application_credential: render(credential, request) };
  });

  app.delete(`${base}/:credential_id`, async (request, reply) => {
    authorize(request, "identity:delete_application_credential", owner(request));
    await callerToken(request);
    await applicationCredentials.delete(param(request, "user_id"), param(request, "credential_id"));
    return reply.code(204).send();
  });

  const rules = "/v3/users/:user_id/access_rules";
  const renderRuleWithLink = (rule: AccessRule, request: FastifyRequest) => ({
    ...renderRule(rule),
    links: { self: linker.v3(request, `/users/${rule.userId}/access_rules/${rule.id}`) },
  });

  app.get(rules, async (request) => {
    authorize(request, "identity:list_access_rules", owner(request));
    const list = await applicationCredentials.listAccessRules(param(request, "user_id"));
    return {
      access_rules: list.map((rule) => renderRuleWithLink(rule, request)),
      links: linker.collection(request),
    };
  });

  app.get(`${rules}/:access_rule_id`, async (request) => {
    authorize(request, "identity:get_access_rule", owner(request));
    const rule = await applicationCredentials.getAccessRule(
      param(request, "user_id"),
      param(request, "access_rule_id"),
    );
    return { access_rule: renderRuleWithLink(rule, request) };
  });

  app.delete(`${rules}/:access_rule_id`, async (request, reply) => {
    authorize(request, "identity:delete_access_rule", owner(request));
    await applicationCredentials.deleteAccessRule(
      param(request, "user_id"),
      param(request, "access_rule_id"),
    );
    return reply.code(204).send();
  });
}

/** Parses `expires_at`, which must be a future ISO-8601 time or null. */
function parseExpiry(value: string | null | undefined): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  const parsed = parseRequestTime(value);
  if (parsed === undefined) {
    throw invalidRequest(`Invalid input for field "expires_at": ${value} is not an ISO-8601 time.`);
  }
  if (parsed <= keystoneTime(nowTimestamp())) {
    throw invalidRequest(`Invalid input for field "expires_at": ${value} is in the past.`);
  }
  return parsed;
}
