import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AssignmentService } from "../assignments/assignment-service.js";
import type { Catalog } from "../catalog/catalog-service.js";
import { type Linker, queryFlag } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import { renderDomain } from "../domains/domain-routes.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import { renderProject } from "../projects/project-routes.js";
import type { ProjectService } from "../projects/project-service.js";
import type { TokenService } from "./token-service.js";

const Text = Type.String({ minLength: 1, maxLength: 255 });
const DomainReference = Type.Object({ id: Type.Optional(Text), name: Type.Optional(Text) });
const NamedReference = Type.Object({
  id: Type.Optional(Text),
  name: Type.Optional(Text),
  domain: Type.Optional(DomainReference),
});

const AuthRequestSchema = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 8 }),
      password: Type.Optional(
        Type.Object({
          user: Type.Object({
            id: Type.Optional(Text),
            name: Type.Optional(Text),
            domain: Type.Optional(DomainReference),
            password: Type.String({ maxLength: 4096 }),
          }),
        }),
      ),
      token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) })),
      application_credential: Type.Optional(
        Type.Object({
          id: Type.Optional(Text),
          name: Type.Optional(Text),
          secret: Type.String({ maxLength: 4096 }),
          user: Type.Optional(NamedReference),
        }),
      ),
    }),
    scope: Type.Optional(
      Type.Union([
        Type.Literal("unscoped"),
        Type.Object({
          project: Type.Optional(NamedReference),
          domain: Type.Optional(DomainReference),
          system: Type.Optional(Type.Object({ all: Type.Optional(Type.Boolean()) })),
          "OS-TRUST:trust": Type.Optional(Type.Unknown()),
        }),
      ]),
    ),
  }),
});

export type AuthRequest = Static<typeof AuthRequestSchema>;

export interface TokenRouteDependencies {
  tokens: TokenService;
  assignments: Pick<AssignmentService, "targetIdsOfUser" | "effectiveRoles">;
  projects: Pick<ProjectService, "list">;
  domains: Pick<DomainService, "list">;
  catalog: Pick<Catalog, "render">;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/auth/*`: issuing, validating and revoking tokens, and what a token gives access to. */
export function registerTokenRoutes(app: FastifyInstance, dependencies: TokenRouteDependencies) {
  const { tokens, assignments, projects, domains, catalog, linker, authorize } = dependencies;

  app.post("/v3/auth/tokens", { config: { public: true } }, async (request, reply) => {
    const body = parseBody(AuthRequestSchema, request.body);
    const issued = await tokens.issue(body.auth);
    return reply.code(201).header("x-subject-token", issued.token).send({ token: issued.body });
  });

  app.get("/v3/auth/tokens", async (request, reply) => {
    const subject = subjectToken(request);
    const validated = await tokens.validate(subject, {
      catalog: !queryFlag(request, "nocatalog"),
      allowExpired: queryFlag(request, "allow_expired"),
    });
    if (validated === null) {
      throw identityError("TOKEN_NOT_FOUND");
    }
    const action = request.method === "HEAD" ? "identity:check_token" : "identity:validate_token";
    authorize(request, action, { target: { token: { user_id: validated.record.userId } } });
    return reply.header("x-subject-token", subject).send({ token: validated.body });
  });

  app.delete("/v3/auth/tokens", async (request, reply) => {
    const subject = subjectToken(request);
    const validated = await tokens.validate(subject, { catalog: false });
    if (validated === null) {
      throw identityError("TOKEN_NOT_FOUND");
    }
    authorize(request, "identity:revoke_token", {
      target: { token: { user_id: validated.record.userId } },
    });
    await tokens.revoke(subject);
    return reply.code(204).send();
  });

  app.get("/v3/auth/catalog", async (request) => {
    authorize(request, "identity:get_auth_catalog");
    requireScoped(request);
    return { catalog: catalog.render(), links: linker.collection(request) };
  });

  app.get("/v3/auth/projects", async (request) => {
    authorize(request, "identity:get_auth_projects");
    const userId = request.auth.userId as string;
    const ids = await assignments.targetIdsOfUser(userId, "project");
    const list = await projects.list({ ids, enabled: true });
    return {
      projects: list.map((project) => renderProject(project, linker, request)),
      links: linker.collection(request),
    };
  });

  app.get("/v3/auth/domains", async (request) => {
    authorize(request, "identity:get_auth_domains");
    const userId = request.auth.userId as string;
    const ids = new Set(await assignments.targetIdsOfUser(userId, "domain"));
    const list = (await domains.list({ enabled: true })).filter((domain) => ids.has(domain.id));
    return {
      domains: list.map((domain) => renderDomain(domain, linker, request)),
      links: linker.collection(request),
    };
  });

  app.get("/v3/auth/system", async (request) => {
    authorize(request, "identity:get_auth_system");
    const userId = request.auth.userId as string;
    const roles = await assignments.effectiveRoles(userId, { type: "system", id: "all" });
    return {
      system: roles.length > 0 ? [{ all: true }] : [],
      links: linker.collection(request),
    };
  });
}

function subjectToken(request: FastifyRequest): string {
  const value = request.headers["x-subject-token"];
  const token = Array.isArray(value) ? value[0] : value;
  if (token === undefined || token === "") {
    throw invalidRequest("The X-Subject-Token header is missing; send the token to check in it.");
  }
  return token;
}

function requireScoped(request: FastifyRequest) {
  const auth = request.auth;
  if (auth.projectId === null && auth.domainId === null && !auth.systemScope) {
    throw identityError("FORBIDDEN", { action: "reading the catalog with an unscoped token" });
  }
}
