import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import type { DomainService } from "../domains/domain-service.js";
import { invalidRequest } from "../errors.js";
import type { GroupService } from "../groups/group-service.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { ProjectService } from "../projects/project-service.js";
import { renderRole } from "../roles/role-routes.js";
import type { RoleService } from "../roles/role-service.js";
import type { UserService } from "../users/user-service.js";
import type {
  AssignmentQuery,
  AssignmentService,
  EffectiveAssignment,
} from "./assignment-service.js";
import type { Actor, AssignmentTarget } from "./assignment-types.js";

export interface AssignmentRouteDependencies {
  assignments: AssignmentService;
  users: Pick<UserService, "find">;
  groups: Pick<GroupService, "find">;
  projects: Pick<ProjectService, "find">;
  domains: Pick<DomainService, "find">;
  roles: Pick<RoleService, "find">;
  linker: Linker;
  authorize: Authorize;
}

/** URL prefix of the grants of each kind of target, and how to read the target from it. */
const TARGET_ROUTES: Array<{
  prefix: string;
  target: (request: FastifyRequest) => AssignmentTarget;
}> = [
  {
    prefix: "/v3/projects/:project_id",
    target: (request) => ({ type: "project", id: param(request, "project_id") }),
  },
  {
    prefix: "/v3/domains/:domain_id",
    target: (request) => ({ type: "domain", id: param(request, "domain_id") }),
  },
  {
    prefix: "/v3/system",
    target: () => ({ type: "system", id: "all" }),
  },
];

/** URL segment and route parameter of each kind of actor in grant URLs. */
const ACTOR_ROUTES: Array<{ segment: string; param: string; type: Actor["type"] }> = [
  { segment: "users", param: "user_id", type: "user" },
  { segment: "groups", param: "group_id", type: "group" },
];

/** Role grants on projects, domains and the system, and `GET /v3/role_assignments`. */
export function registerAssignmentRoutes(
  app: FastifyInstance,
  dependencies: AssignmentRouteDependencies,
) {
  const { assignments, linker, authorize } = dependencies;

  for (const { prefix, target } of TARGET_ROUTES) {
    for (const kind of ACTOR_ROUTES) {
      const path = `${prefix}/${kind.segment}/:${kind.param}/roles`;
      const actor = (request: FastifyRequest): Actor => ({
        type: kind.type,
        id: param(request, kind.param),
      });
      const policyTarget = (request: FastifyRequest) => ({
        [kind.param]: param(request, kind.param),
        target: { [kind.type]: { id: param(request, kind.param) } },
      });

      app.get(path, async (request) => {
        authorize(request, "identity:list_grants", policyTarget(request));
        const roles = await assignments.listDirectRoles(actor(request), target(request));
        return {
          roles: roles.map((role) => renderRole(role, linker, request)),
          links: linker.collection(request),
        };
      });

      app.put(`${path}/:role_id`, async (request, reply) => {
        authorize(request, "identity:create_grant", policyTarget(request));
        await assignments.grant(actor(request), target(request), param(request, "role_id"));
        return reply.code(204).send();
      });

      app.get(`${path}/:role_id`, async (request, reply) => {
        authorize(request, "identity:check_grant", policyTarget(request));
        await assignments.check(actor(request), target(request), param(request, "role_id"));
        return reply.code(204).send();
      });

      app.delete(`${path}/:role_id`, async (request, reply) => {
        authorize(request, "identity:revoke_grant", policyTarget(request));
        await assignments.revoke(actor(request), target(request), param(request, "role_id"));
        return reply.code(204).send();
      });
    }
  }

  app.get("/v3/role_assignments", async (request) => {
    authorize(request, "identity:list_role_assignments");
    const query = assignmentQuery(request);
    const effective = queryBoolean(request, "effective") === true;
    const list = query === null ? [] : await assignments.list(query, effective);
    const includeNames = queryBoolean(request, "include_names") === true;
    const rendered = [];
    for (const assignment of list) {
      rendered.push(await renderAssignment(assignment, includeNames, request, dependencies));
    }
    return { role_assignments: rendered, links: linker.collection(request) };
  });
}

/** Reads the filters of `GET /v3/role_assignments`; null when they can match nothing here. */
function assignmentQuery(request: FastifyRequest): AssignmentQuery | null {
  if (queryValue(request, "scope.OS-INHERIT:inherited_to") !== undefined) {
    return null;
  }
  const projectId = queryValue(request, "scope.project.id");
  const domainId = queryValue(request, "scope.domain.id");
  const system = queryValue(request, "scope.system");
  const scopes = [projectId, domainId, system].filter((value) => value !== undefined);
  if (scopes.length > 1) {
    throw invalidRequest(
      "Filter role assignments by at most one of scope.project.id, scope.domain.id and scope.system.",
    );
  }
  const userId = queryValue(request, "user.id");
  const groupId = queryValue(request, "group.id");
  if (userId !== undefined && groupId !== undefined) {
    throw invalidRequest("Filter role assignments by user.id or by group.id, not both.");
  }
  const query: AssignmentQuery = { userId, groupId, roleId: queryValue(request, "role.id") };
  if (projectId !== undefined) {
    return { ...query, targetType: "project", targetId: projectId };
  }
  if (domainId !== undefined) {
    return { ...query, targetType: "domain", targetId: domainId };
  }
  if (system !== undefined) {
    return { ...query, targetType: "system", targetId: "all" };
  }
  return query;
}

async function renderAssignment(
  assignment: EffectiveAssignment,
  includeNames: boolean,
  request: FastifyRequest,
  dependencies: AssignmentRouteDependencies,
) {
  const { linker } = dependencies;
  const { actor, target, roleId } = assignment;
  const targetPath = target.type === "system" ? "/system" : `/${target.type}s/${target.id}`;
  const grantActor =
    assignment.viaGroupId === undefined ? actor : { type: "group", id: assignment.viaGroupId };
  const grantRole = assignment.priorRoleId ?? roleId;
  const links: Record<string, string> = {
    assignment: linker.v3(
      request,
      `${targetPath}/${grantActor.type}s/${grantActor.id}/roles/${grantRole}`,
    ),
  };
  if (assignment.priorRoleId !== undefined) {
    links.prior_role = linker.v3(request, `/roles/${assignment.priorRoleId}`);
  }
  if (assignment.viaGroupId !== undefined) {
    links.membership = linker.v3(request, `/groups/${assignment.viaGroupId}/users/${actor.id}`);
  }

  const role: Record<string, unknown> = { id: roleId };
  const actorEntry: Record<string, unknown> = { id: actor.id };
  const scopeEntry: Record<string, unknown> =
    target.type === "system" ? { all: true } : { id: target.id };
  if (includeNames) {
    await addNames({ role, actorEntry, scopeEntry, assignment, dependencies });
  }
  return { role, [actor.type]: actorEntry, scope: { [target.type]: scopeEntry }, links };
}

async function addNames(parts: {
  role: Record<string, unknown>;
  actorEntry: Record<string, unknown>;
  scopeEntry: Record<string, unknown>;
  assignment: EffectiveAssignment;
  dependencies: AssignmentRouteDependencies;
}) {
  const { role, actorEntry, scopeEntry, assignment, dependencies } = parts;
  const roleRecord = await dependencies.roles.find(assignment.roleId);
  if (roleRecord !== undefined) {
    role.name = roleRecord.name;
    if (roleRecord.domainId !== null) {
      role.domain = await domainSummary(roleRecord.domainId, dependencies);
    }
  }
  const actorRecord =
    assignment.actor.type === "user"
      ? await dependencies.users.find(assignment.actor.id)
      : await dependencies.groups.find(assignment.actor.id);
  if (actorRecord !== undefined) {
    actorEntry.name = actorRecord.name;
    actorEntry.domain = await domainSummary(actorRecord.domainId, dependencies);
  }
  if (assignment.target.type === "project") {
    const project = await dependencies.projects.find(assignment.target.id);
    if (project !== undefined) {
      scopeEntry.name = project.name;
      scopeEntry.domain = await domainSummary(project.domainId, dependencies);
    }
  }
  if (assignment.target.type === "domain") {
    const domain = await dependencies.domains.find(assignment.target.id);
    if (domain !== undefined) {
      scopeEntry.name = domain.name;
    }
  }
}

async function domainSummary(id: string, dependencies: AssignmentRouteDependencies) {
  const domain = await dependencies.domains.find(id);
  return { id, name: domain?.name ?? null };
}
