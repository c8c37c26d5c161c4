import type { DomainService } from "../domains/domain-service.js";
import { identityError } from "../errors.js";
import type { ProjectService } from "../projects/project-service.js";
import type { RoleService } from "../roles/role-service.js";
import type { Role } from "../roles/role-types.js";
import type { UserService } from "../users/user-service.js";
import type { AssignmentRepo } from "./assignment-repo.js";
import type { Assignment, AssignmentFilter, AssignmentTarget } from "./assignment-types.js";

export interface AssignmentServiceDependencies {
  repo: AssignmentRepo;
  users: Pick<UserService, "get">;
  projects: Pick<ProjectService, "get">;
  domains: Pick<DomainService, "get">;
  roles: Pick<RoleService, "get" | "getMany" | "expand">;
}

/** An assignment in an effective listing; `priorRoleId` is set when another role implies it. */
export interface EffectiveAssignment extends Assignment {
  priorRoleId?: string;
}

/** Grants, checks and lists roles of users on projects, domains and the system. */
export function createAssignmentService(dependencies: AssignmentServiceDependencies) {
  const { repo, users, projects, domains, roles } = dependencies;

  /** Throws a 404 unless the user, the target and the role exist, and the role fits the target. */
  async function checkParts(userId: string, target: AssignmentTarget, roleId: string) {
    await users.get(userId);
    const targetDomainId = await domainOfTarget(target);
    const role = await roles.get(roleId);
    if (role.domainId !== null && role.domainId !== targetDomainId) {
      throw identityError("PROTECTED_RESOURCE", {
        what: `Role ${role.id} belongs to domain ${role.domainId} and cannot be granted outside it.`,
      });
    }
  }

  async function domainOfTarget(target: AssignmentTarget): Promise<string | null> {
    if (target.type === "project") {
      return (await projects.get(target.id)).domainId;
    }
    if (target.type === "domain") {
      return (await domains.get(target.id)).id;
    }
    return null;
  }

  function notFound(assignment: Assignment) {
    return identityError("GRANT_NOT_FOUND", {
      role: assignment.roleId,
      user: assignment.userId,
      target: `${assignment.target.type} ${assignment.target.id}`,
    });
  }

  async function directRoleIds(userId: string, target: AssignmentTarget): Promise<string[]> {
    const assignments = await repo.list({ userId, targetType: target.type, targetId: target.id });
    return assignments.map((assignment) => assignment.roleId);
  }

  return {
    /** Grants a role; granting it again changes nothing. */
    async grant(userId: string, target: AssignmentTarget, roleId: string): Promise<void> {
      await checkParts(userId, target, roleId);
      await repo.insert({ userId, target, roleId });
    },

    async check(userId: string, target: AssignmentTarget, roleId: string): Promise<void> {
      await checkParts(userId, target, roleId);
      if (!(await repo.exists({ userId, target, roleId }))) {
        throw notFound({ userId, target, roleId });
      }
    },

    async revoke(userId: string, target: AssignmentTarget, roleId: string): Promise<void> {
      await users.get(userId);
      await domainOfTarget(target);
      await roles.get(roleId);
      if ((await repo.delete({ userId, target, roleId })) === 0) {
        throw notFound({ userId, target, roleId });
      }
    },

    /** Returns the roles granted directly to the user on the target. */
    async listDirectRoles(userId: string, target: AssignmentTarget): Promise<Role[]> {
      await users.get(userId);
      await domainOfTarget(target);
      return roles.getMany(await directRoleIds(userId, target));
    },

    /** Returns the roles the user holds on the target, implied roles included. */
    async effectiveRoles(userId: string, target: AssignmentTarget): Promise<Role[]> {
      const direct = await directRoleIds(userId, target);
      if (direct.length === 0) {
        return [];
      }
      return roles.getMany([...(await roles.expand(direct))]);
    },

    /** Returns the ids of the targets of a type on which the user holds any role. */
    async targetIdsOfUser(userId: string, type: AssignmentTarget["type"]): Promise<string[]> {
      const assignments = await repo.list({ userId, targetType: type });
      return [...new Set(assignments.map((assignment) => assignment.target.id))];
    },

    /**
     * Lists assignments. With `effective`, each assignment is followed by the roles its role
     * implies, marked with the prior role, as Keystone's `?effective` listing does.
     */
    async list(filter: AssignmentFilter, effective: boolean): Promise<EffectiveAssignment[]> {
      if (!effective) {
        return repo.list(filter);
      }
      const { roleId, ...withoutRole } = filter;
      const direct = await repo.list(withoutRole);
      const result: EffectiveAssignment[] = [];
      for (const assignment of direct) {
        for (const id of await roles.expand([assignment.roleId])) {
          const entry: EffectiveAssignment =
            id === assignment.roleId
              ? assignment
              : { ...assignment, roleId: id, priorRoleId: assignment.roleId };
          if (roleId === undefined || entry.roleId === roleId) {
            result.push(entry);
          }
        }
      }
      return result;
    },
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
