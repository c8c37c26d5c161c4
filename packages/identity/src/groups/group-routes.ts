import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import type { Authorize } from "../policy/identity-policy.js";
import { callerDomain } from "../projects/project-routes.js";
import { renderUser } from "../users/user-routes.js";
import type { UserService } from "../users/user-service.js";
import type { GroupService } from "./group-service.js";
import type { Group } from "./group-types.js";

const KNOWN = ["name", "domain_id", "description"] as const;
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "\\S" });
const Description = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);

const CreateGroupSchema = Type.Object({
  group: Type.Object({
    name: Name,
    domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    description: Type.Optional(Description),
  }),
});

const UpdateGroupSchema = Type.Object({
  group: Type.Object(
    { name: Type.Optional(Name), description: Type.Optional(Description) },
    { minProperties: 1 },
  ),
});

/** Renders a group as Keystone does. */
export function renderGroup(group: Group, linker: Linker, request: FastifyRequest) {
  return {
    ...group.extra,
    id: group.id,
    name: group.name,
    domain_id: group.domainId,
    description: group.description,
    links: { self: linker.v3(request, `/groups/${group.id}`) },
  };
}

export interface GroupRouteDependencies {
  groups: GroupService;
  users: Pick<UserService, "get">;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/groups`: groups and their members, and `GET /v3/users/{id}/groups`. */
export function registerGroupRoutes(app: FastifyInstance, dependencies: GroupRouteDependencies) {
  const { groups, users, linker, authorize } = dependencies;
  const render = (group: Group, request: FastifyRequest) => renderGroup(group, linker, request);
  const groupTarget = (request: FastifyRequest) => ({
    group_id: param(request, "group_id"),
    target: { group: { id: param(request, "group_id") } },
  });

  app.get("/v3/groups", async (request) => {
    authorize(request, "identity:list_groups");
    const list = await groups.list({
      name: queryValue(request, "name"),
      domainId: queryValue(request, "domain_id"),
    });
    return {
      groups: list.map((group) => render(group, request)),
      links: linker.collection(request),
    };
  });

  app.post("/v3/groups", async (request, reply) => {
    authorize(request, "identity:create_group");
    const { group: input } = parseBody(CreateGroupSchema, request.body);
    const group = await groups.create({
      name: input.name,
      domainId: input.domain_id ?? callerDomain(request),
      description: input.description,
      extra: extraAttributes(input, KNOWN),
    });
    return reply.code(201).send({ group: render(group, request) });
  });

  app.get("/v3/groups/:group_id", async (request) => {
    authorize(request, "identity:get_group", groupTarget(request));
    return { group: render(await groups.get(param(request, "group_id")), request) };
  });

  app.patch("/v3/groups/:group_id", async (request) => {
    authorize(request, "identity:update_group", groupTarget(request));
    const { group: input } = parseBody(UpdateGroupSchema, request.body);
    const extra = extraAttributes(input, KNOWN);
    const group = await groups.update(param(request, "group_id"), {
      name: input.name,
      description: input.description,
      extra: Object.keys(extra).length === 0 ? undefined : extra,
    });
    return { group: render(group, request) };
  });

  app.delete("/v3/groups/:group_id", async (request, reply) => {
    authorize(request, "identity:delete_group", groupTarget(request));
    await groups.delete(param(request, "group_id"));
    return reply.code(204).send();
  });

  app.get("/v3/groups/:group_id/users", async (request) => {
    authorize(request, "identity:list_users_in_group", groupTarget(request));
    const members = await groups.listMembers(param(request, "group_id"));
    return {
      users: members.map((user) => renderUser(user, linker, request)),
      links: linker.collection(request),
    };
  });

  app.put("/v3/groups/:group_id/users/:user_id", async (request, reply) => {
    authorize(request, "identity:add_user_to_group", groupTarget(request));
    await groups.addMember(param(request, "group_id"), param(request, "user_id"));
    return reply.code(204).send();
  });

  app.get("/v3/groups/:group_id/users/:user_id", async (request, reply) => {
    authorize(request, "identity:check_user_in_group", groupTarget(request));
    await groups.checkMember(param(request, "group_id"), param(request, "user_id"));
    return reply.code(204).send();
  });

  app.delete("/v3/groups/:group_id/users/:user_id", async (request, reply) => {
    authorize(request, "identity:remove_user_from_group", groupTarget(request));
    await groups.removeMember(param(request, "group_id"), param(request, "user_id"));
    return reply.code(204).send();
  });

  app.get("/v3/users/:user_id/groups", async (request) => {
    const userId = param(request, "user_id");
    authorize(request, "identity:list_groups_for_user", {
      user_id: userId,
      target: { user: { id: userId } },
    });
    await users.get(userId);
    const list = await groups.list({ ids: await groups.groupIdsOfUser(userId) });
    return {
      groups: list.map((group) => render(group, request)),
      links: linker.collection(request),
    };
  });
}
