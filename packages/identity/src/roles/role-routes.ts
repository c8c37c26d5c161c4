import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { RoleService } from "./role-service.js";
import type { Role } from "./role-types.js";

const KNOWN = ["name", "domain_id", "description", "options"] as const;
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: "\\S" });
const Description = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);

const CreateRoleSchema = Type.Object({
  role: Type.Object({
    name: Name,
    domain_id: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
    ),
    description: Type.Optional(Description),
    options: Type.Optional(Type.Object({})),
  }),
});

const UpdateRoleSchema = Type.Object({
  role: Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      options: Type.Optional(Type.Object({})),
    },
    { minProperties: 1 },
  ),
});

/** Renders a role as Keystone does. */
export function renderRole(role: Role, linker: Linker, request: FastifyRequest) {
  return {
    ...role.extra,
    id: role.id,
    name: role.name,
    domain_id: role.domainId,
    description: role.description,
    options: {},
    links: { self: linker.v3(request, `/roles/${role.id}`) },
  };
}

export interface RoleRouteDependencies {
  roles: RoleService;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/roles` and `/v3/role_inferences`: roles and the rules that roles imply roles. */
export function registerRoleRoutes(app: FastifyInstance, dependencies: RoleRouteDependencies) {
  const { roles, linker, authorize } = dependencies;
  const render = (role: Role, request: FastifyRequest) => renderRole(role, linker, request);
  const brief = (role: Role, request: FastifyRequest) => ({
    id: role.id,
    name: role.name,
    links: { self: linker.v3(request, `/roles/${role.id}`) },
  });
  const inference = (prior: Role, implied: Role, request: FastifyRequest) => ({
    role_inference: { prior_role: brief(prior, request), implies: brief(implied, request) },
    links: { self: linker.v3(request, `/roles/${prior.id}/implies/${implied.id}`) },
  });

  app.get("/v3/roles", async (request) => {
    authorize(request, "identity:list_roles");
    const list = await roles.list({
      name: queryValue(request, "name"),
      domainId: queryValue(request, "domain_id"),
    });
    return { roles: list.map((role) => render(role, request)), links: linker.collection(request) };
  });

  app.post("/v3/roles", async (request, reply) => {
    authorize(request, "identity:create_role");
    const { role: input } = parseBody(CreateRoleSchema, request.body);
    const role = await roles.create({
      name: input.name,
      domainId: input.domain_id,
      description: input.description,
      extra: extraAttributes(input, KNOWN),
    });
    return reply.code(201).send({ role: render(role, request) });
  });

  app.get("/v3/roles/:role_id", async (request) => {
    authorize(request, "identity:get_role");
    return { role: render(await roles.get(param(request, "role_id")), request) };
  });

  app.patch("/v3/roles/:role_id", async (request) => {
    authorize(request, "identity:update_role");
    const { role: input } = parseBody(UpdateRoleSchema, request.body);
    const extra = extraAttributes(input, KNOWN);
    const role = await roles.update(param(request, "role_id"), {
      name: input.name,
      description: input.description,
      extra: Object.keys(extra).length === 0 ? undefined : extra,
    });
    return { role: render(role, request) };
  });

  app.delete("/v3/roles/:role_id", async (request, reply) => {
    authorize(request, "identity:delete_role");
    await roles.delete(param(request, "role_id"));
    return reply.code(204).send();
  });

  app.get("/v3/roles/:prior_role_id/implies", async (request) => {
    authorize(request, "identity:list_implied_roles");
    const [group] = await roles.listInferences(param(request, "prior_role_id"));
    const prior = group?.prior as Role;
    return {
      role_inference: {
        prior_role: brief(prior, request),
        implies: (group?.implies ?? []).map((role) => brief(role, request)),
      },
      links: { self: linker.v3(request, `/roles/${prior.id}/implies`) },
    };
  });

  app.put("/v3/roles/:prior_role_id/implies/:implied_role_id", async (request, reply) => {
    authorize(request, "identity:create_implied_role");
    const [prior, implied] = await roles.addInference(
      param(request, "prior_role_id"),
      param(request, "implied_role_id"),
    );
    return reply.code(201).send(inference(prior, implied, request));
  });

  app.get("/v3/roles/:prior_role_id/implies/:implied_role_id", async (request, reply) => {
    authorize(request, "identity:get_implied_role");
    const [prior, implied] = await roles.getInference(
      param(request, "prior_role_id"),
      param(request, "implied_role_id"),
    );
    if (request.method === "HEAD") {
      return reply.code(204).send();
    }
    return inference(prior, implied, request);
  });

  app.delete("/v3/roles/:prior_role_id/implies/:implied_role_id", async (request, reply) => {
    authorize(request, "identity:delete_implied_role");
    await roles.deleteInference(param(request, "prior_role_id"), param(request, "implied_role_id"));
    return reply.code(204).send();
  });

  app.get("/v3/role_inferences", async (request) => {
    authorize(request, "identity:list_role_inference_rules");
    const groups = await roles.listInferences();
    return {
      role_inferences: groups.map((group) => ({
        prior_role: brief(group.prior, request),
        implies: group.implies.map((role) => brief(role, request)),
      })),
      links: linker.collection(request),
    };
  });
}
