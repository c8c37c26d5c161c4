import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AssignmentService } from "../assignments/assignment-service.js";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import { invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import { callerDomain, renderProject } from "../projects/project-routes.js";
import type { ProjectService } from "../projects/project-service.js";
import type { UserService } from "./user-service.js";
import type { User } from "./user-types.js";

const KNOWN = [
  "name",
  "domain_id",
  "password",
  "enabled",
  "default_project_id",
  "description",
  "options",
  "password_expires_at",
] as const;
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: "\\S" });
const Password = Type.String({ maxLength: 4096 });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const NullableId = Type.Union([Id, Type.Null()]);
const Description = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);

const CreateUserSchema = Type.Object({
  user: Type.Object({
    name: Name,
    domain_id: Type.Optional(Id),
    password: Type.Optional(Type.Union([Password, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    default_project_id: Type.Optional(NullableId),
    description: Type.Optional(Description),
    options: Type.Optional(Type.Object({})),
  }),
});

const UpdateUserSchema = Type.Object({
  user: Type.Object(
    {
      name: Type.Optional(Name),
      domain_id: Type.Optional(Id),
      password: Type.Optional(Type.Union([Password, Type.Null()])),
      enabled: Type.Optional(Type.Boolean()),
      default_project_id: Type.Optional(NullableId),
      description: Type.Optional(Description),
      options: Type.Optional(Type.Object({})),
    },
    { minProperties: 1 },
  ),
});

const ChangePasswordSchema = Type.Object({
  user: Type.Object({
    password: Password,
    original_password: Password,
  }),
});

/** Renders a user as Keystone does; the password and its hash are never included. */
export function renderUser(user: User, linker: Linker, request: FastifyRequest) {
  return {
    ...user.extra,
    id: user.id,
    name: user.name,
    domain_id: user.domainId,
    enabled: user.enabled,
    ...(user.defaultProjectId === null ? {} : { default_project_id: user.defaultProjectId }),
    ...(user.description === null ? {} : { description: user.description }),
    password_expires_at: null,
    options: {},
    links: { self: linker.v3(request, `/users/${user.id}`) },
  };
}

export interface UserRouteDependencies {
  users: UserService;
  projects: Pick<ProjectService, "list">;
  assignments: Pick<AssignmentService, "targetIdsOfUser">;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/users`: users, their projects and self-service password changes. */
export function registerUserRoutes(app: FastifyInstance, dependencies: UserRouteDependencies) {
  const { users, projects, assignments, linker, authorize } = dependencies;
  const render = (user: User, request: FastifyRequest) => renderUser(user, linker, request);
  const userTarget = (id: string) => ({ user_id: id, target: { user: { id } } });

  app.get("/v3/users", async (request) => {
    authorize(request, "identity:list_users");
    const list = await users.list({
      name: queryValue(request, "name"),
      domainId: queryValue(request, "domain_id"),
      enabled: queryBoolean(request, "enabled"),
    });
    return { users: list.map((user) => render(user, request)), links: linker.collection(request) };
  });

  app.post("/v3/users", async (request, reply) => {
    authorize(request, "identity:create_user");
    const { user: input } = parseBody(CreateUserSchema, request.body);
    const user = await users.create({
      name: input.name,
      domainId: input.domain_id ?? callerDomain(request),
      password: input.password,
      enabled: input.enabled,
      defaultProjectId: input.default_project_id,
      description: input.description,
      extra: extraAttributes(input, KNOWN),
    });
    return reply.code(201).send({ user: render(user, request) });
  });

  app.get("/v3/users/:user_id", async (request) => {
    const id = param(request, "user_id");
    authorize(request, "identity:get_user", userTarget(id));
    return { user: render(await users.get(id), request) };
  });

  app.patch("/v3/users/:user_id", async (request) => {
    const id = param(request, "user_id");
    authorize(request, "identity:update_user", userTarget(id));
    const { user: input } = parseBody(UpdateUserSchema, request.body);
    const current = await users.get(id);
    if (input.domain_id !== undefined && input.domain_id !== current.domainId) {
      throw invalidRequest("The domain of a user cannot be changed.");
    }
    const extra = extraAttributes(input, KNOWN);
    const user = await users.update(id, {
      name: input.name,
      password: input.password,
      enabled: input.enabled,
      defaultProjectId: input.default_project_id,
      description: input.description,
      extra: Object.keys(extra).length === 0 ? undefined : extra,
    });
    return { user: render(user, request) };
  });

  app.delete("/v3/users/:user_id", async (request, reply) => {
    const id = param(request, "user_id");
    authorize(request, "identity:delete_user", userTarget(id));
    await users.delete(id);
    return reply.code(204).send();
  });

  // The current password authenticates the change, so no token is needed (as in Keystone, where
  // a user whose password expired can still change it).
  app.post("/v3/users/:user_id/password", { config: { public: true } }, async (request, reply) => {
    const id = param(request, "user_id");
    const { user: input } = parseBody(ChangePasswordSchema, request.body);
    await users.changePassword(id, input.original_password, input.password);
    return reply.code(204).send();
  });

  app.get("/v3/users/:user_id/projects", async (request) => {
    const id = param(request, "user_id");
    authorize(request, "identity:list_user_projects", userTarget(id));
    await users.get(id);
    const ids = await assignments.targetIdsOfUser(id, "project");
    const list = await projects.list({
      ids,
      name: queryValue(request, "name"),
      enabled: queryBoolean(request, "enabled"),
    });
    return {
      projects: list.map((project) => renderProject(project, linker, request)),
      links: linker.collection(request),
    };
  });
}
