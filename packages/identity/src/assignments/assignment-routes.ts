import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import type { DomainService } from "../domains/domain-service.js";
import { invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { ProjectService } from "../projects/project-service.js";
import { renderRole } from "../roles/role-routes.js";
import type { RoleService } from "../roles/role-service.js";
import type { UserService } from "../users/user-service.js";
import type { AssignmentService, EffectiveAssignment } from "./assignment-service.js";
import type { AssignmentFilter, AssignmentTarget } from "./assignment-types.js";

export interface AssignmentRouteDependencies {
  assignments: AssignmentService;
  users: Pick<UserService, "find">;
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
    prefix: "/v3/projects/:project_id/users/:user_id/roles",
    target: (request) => ({ type: "project", id: param(request, "project_id") }),
  },
  {
    prefix: "/v3/domains/:domain_id/users/:user_id/roles",
    target: (request) => ({ type: "domain", id: param(request, "domain_id") }),
  },
  {
    prefix: "/v3/system/users/:user_id/roles",
    target: () => ({ type: "system", id: "all" }),
  },
];

/** Role grants on projects, domains and the system, and `GET /v3/role_assignments`. */
export function registerAssignmentRoutes(
  app: FastifyInstance,
  dependencies: AssignmentRouteDependencies,
) {
  const { assignments, linker, authorize } = dependencies;

  for (const { prefix, target } of TARGET_ROUTES) {
    const grantTarget = (request: FastifyRequest) => ({
      user_id: param(request, "user_id"),
      target: { user: { id: param(request, "user_id") } },
    });

    app.get(prefix, async (request) => {
      authorize(request, "identity:list_grants", grantTarget(request));
      const roles = await assignments.listDirectRoles(param(request, "user_id"), target(request));
      return {
        roles: roles.map((role) => renderRole(role, linker, request)),
        links: linker.collection(request),
      };
    });

    app.put(`${prefix}/:role_id`, async (request, reply) => {
      authorize(request, "identity:create_grant", grantTarget(request));
      await assignments.grant(
        param(request, "user_id"),
        target(request),
        param(request, "role_id"),
      );
      return reply.code(204).send();
    });

    app.get(`${prefix}/:role_id`, async (request, reply) => {
      authorize(request, "identity:check_grant", grantTarget(request));
      await assignments.check(
        param(request, "user_id"),
        target(request),
        param(request, "role_id"),
      );
      return reply.code(204).send();
    });

    app.delete(`${prefix}/:role_id`, async (request, reply) => {
      authorize(request, "identity:revoke_grant", grantTarget(request));
      await assignments.revoke(
        param(request, "user_id"),
        target(request),
        param(request, "role_id"),
      );
      return reply.code(204).send();
    });
  }

  app.get("/v3/role_assignments", async (request) => {
    authorize(request, "identity:list_role_assignments");
    const filter = assignmentFilter(request);
    const effective = queryBoolean(request, "effective") === true;
    const list = filter === null ? [] : await assignments.list(filter, effective);
    const includeNames = queryBoolean(request, "include_names") === true;
    const rendered = [];
    for (const assignment of list) {
      rendered.push(await renderAssignment(assignment, includeNames, request, dependencies));
    }
    return { role_assignments: rendered, links: linker.collection(request) };
  });
}

/** Reads the filters of `GET /v3/role_assignments`; null when they can match nothing here. */
function assignmentFilter(request: FastifyRequest): AssignmentFilter | null {
  if (queryValue(request, "group.id") !== undefined) {
    return null;
  }
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
  const filter: AssignmentFilter = {
    userId: queryValue(request, "user.id"),
    roleId: queryValue(request, "role.id"),
  };
  if (projectId !== undefined) {
    return { ...filter, targetType: "project", targetId: projectId };
  }
  if (domainId !== undefined) {
    return { ...filter, targetType: "domain", targetId: domainId };
  }
  if (system !== undefined) {
    return { ...filter, targetType: "system", targetId: "all" };
  }
  return filter;
}

async function renderAssignment(
  assignment: EffectiveAssignment,
  includeNames: boolean,
  request: FastifyRequest,
  dependencies: AssignmentRouteDependencies,
) {
  const { linker } = dependencies;
  const { userId, target, roleId } = assignment;
  const targetPath = target.type === "system" ? "/system" : `/${target.type}s/${target.id}`;
  const grantPath = (role: string) => `${targetPath}/users/${userId}/roles/${role}`;
  const links: Record<string, string> = {
    assignment: linker.v3(request, grantPath(assignment.priorRoleId ?? roleId)),
  };
  if (assignment.priorRoleId !== undefined) {
    links.prior_role = linker.v3(request, `/roles/${assignment.priorRoleId}`);
  }

  const role: Record<string, unknown> = { id: roleId };
  const user: Record<string, unknown> = { id: userId };
  const scopeEntry: Record<string, unknown> =
    target.type === "system" ? { all: true } : { id: target.id };
  if (includeNames) {
    await addNames({ role, user, scopeEntry, assignment, dependencies });
  }
  return { role, user, scope: { [target.type]: scopeEntry }, links };
}

async function addNames(parts: {
  role: Record<string, unknown>;
  user: Record<string, unknown>;
  scopeEntry: Record<string, unknown>;
  assignment: EffectiveAssignment;
  dependencies: AssignmentRouteDependencies;
}) {
  const { role, user, scopeEntry, assignment, dependencies } = parts;
  const roleRecord = await dependencies.roles.find(assignment.roleId);
  if (roleRecord !== undefined) {
    role.name = roleRecord.name;
    if (roleRecord.domainId !== null) {
      role.domain = await domainSummary(roleRecord.domainId, dependencies);
    }
  }
  const userRecord = await dependencies.users.find(assignment.userId);
  if (userRecord !== undefined) {
    user.name = userRecord.name;
    user.domain = await domainSummary(userRecord.domainId, dependencies);
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
