import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import type { GroupService } from "../groups/group-service.js";
import type { ProjectService } from "../projects/project-service.js";
import type { RoleService } from "../roles/role-service.js";
import type { Role } from "../roles/role-types.js";
import type { UserService } from "../users/user-service.js";
import type { AssignmentRepo } from "./assignment-repo.js";
import type { Actor, Assignment, AssignmentTarget } from "./assignment-types.js";

export interface AssignmentServiceDependencies {
  repo: AssignmentRepo;
  users: Pick<UserService, "get">;
  groups: Pick<GroupService, "get" | "groupIdsOfUser" | "memberIds">;
  projects: Pick<ProjectService, "get">;
  domains: Pick<DomainService, "get">;
  roles: Pick<RoleService, "get" | "getMany" | "expand">;
}

/**
 * An assignment in an effective listing. `priorRoleId` is set when another role implies the
 * role, and `viaGroupId` when the user has it as a member of a group.
 */
export interface EffectiveAssignment extends Assignment {
  priorRoleId?: string;
  viaGroupId?: string;
}

/** Filters of a role assignment listing, as `GET /v3/role_assignments` takes them. */
export interface AssignmentQuery {
  userId?: string | undefined;
  groupId?: string | undefined;
  roleId?: string | undefined;
  targetType?: AssignmentTarget["type"] | undefined;
  targetId?: string | undefined;
}

/** Grants, checks and lists roles of users and groups on projects, domains and the system. */
export function createAssignmentService(dependencies: AssignmentServiceDependencies) {
  const { repo, users, groups, projects, domains, roles } = dependencies;

  async function requireActor(actor: Actor) {
    if (actor.type === "user") {
      await users.get(actor.id);
    } else {
      await groups.get(actor.id);
    }
  }

  /** Throws a 404 unless the actor, the target and the role exist, and the role fits the target. */
  async function checkParts(actor: Actor, target: AssignmentTarget, roleId: string) {
    await requireActor(actor);
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
      actor: `${assignment.actor.type} ${assignment.actor.id}`,
      target: `${assignment.target.type} ${assignment.target.id}`,
    });
  }

  /** Returns the user and every group the user is a member of. */
  async function actorsOfUser(userId: string): Promise<Actor[]> {
    const groupIds = await groups.groupIdsOfUser(userId);
    return [
      { type: "user", id: userId },
      ...groupIds.map((id) => ({ type: "group" as const, id })),
    ];
  }

  /** Replaces group assignments by one assignment for each member (or for `onlyUserId`). */
  async function expandGroups(
    assignments: Assignment[],
    onlyUserId: string | undefined,
  ): Promise<EffectiveAssignment[]> {
    const result: EffectiveAssignment[] = [];
    for (const assignment of assignments) {
      if (assignment.actor.type === "user") {
        result.push(assignment);
        continue;
      }
      const members =
        onlyUserId === undefined ? await groups.memberIds(assignment.actor.id) : [onlyUserId];
      for (const userId of members) {
        result.push({
          ...assignment,
          actor: { type: "user", id: userId },
          viaGroupId: assignment.actor.id,
        });
      }
    }
    return result;
  }

  /**
   * Follows each assignment with the roles its role implies. Domain-specific roles stand for the
   * roles they imply, so they are left out, as in Keystone's effective listing.
   */
  async function expandImplied(
    assignments: EffectiveAssignment[],
    roleId: string | undefined,
  ): Promise<EffectiveAssignment[]> {
    const result: EffectiveAssignment[] = [];
    for (const assignment of assignments) {
      const expanded = await roles.expand([assignment.roleId]);
      const global = new Set(
        (await roles.getMany([...expanded]))
          .filter((role) => role.domainId === null)
          .map((role) => role.id),
      );
      for (const id of expanded) {
        if (!global.has(id)) {
          continue;
        }
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
  }

  return {
    /** Grants a role; granting it again changes nothing. */
    async grant(actor: Actor, target: AssignmentTarget, roleId: string): Promise<void> {
      await checkParts(actor, target, roleId);
      await repo.insert({ actor, target, roleId });
    },

    async check(actor: Actor, target: AssignmentTarget, roleId: string): Promise<void> {
      await checkParts(actor, target, roleId);
      if (!(await repo.exists({ actor, target, roleId }))) {
        throw notFound({ actor, target, roleId });
      }
    },

    async revoke(actor: Actor, target: AssignmentTarget, roleId: string): Promise<void> {
      await requireActor(actor);
      await domainOfTarget(target);
      await roles.get(roleId);
      if ((await repo.delete({ actor, target, roleId })) === 0) {
        throw notFound({ actor, target, roleId });
      }
    },

    /** Returns the roles granted directly to the actor on the target. */
    async listDirectRoles(actor: Actor, target: AssignmentTarget): Promise<Role[]> {
      await requireActor(actor);
      await domainOfTarget(target);
      const assignments = await repo.list({
        actors: [actor],
        targetType: target.type,
        targetId: target.id,
      });
      return roles.getMany(assignments.map((assignment) => assignment.roleId));
    },

    /** Returns the roles the user holds on the target, through groups and implied roles too. */
    async effectiveRoles(userId: string, target: AssignmentTarget): Promise<Role[]> {
      const assignments = await repo.list({
        actors: await actorsOfUser(userId),
        targetType: target.type,
        targetId: target.id,
      });
      if (assignments.length === 0) {
        return [];
      }
      const expanded = await roles.expand(assignments.map((assignment) => assignment.roleId));
      // Domain-specific roles stand for the roles they imply, as in Keystone.
      return (await roles.getMany([...expanded])).filter((role) => role.domainId === null);
    },

    /** Returns the ids of the targets of a type on which the user has any role. */
    async targetIdsOfUser(userId: string, type: AssignmentTarget["type"]): Promise<string[]> {
      const assignments = await repo.list({ actors: await actorsOfUser(userId), targetType: type });
      return [...new Set(assignments.map((assignment) => assignment.target.id))];
    },

    /**
     * Lists assignments. With `effective`, group grants become grants to each member, and each
     * grant is followed by the roles its role implies, as Keystone's `?effective` listing does.
     */
    async list(query: AssignmentQuery, effective: boolean): Promise<EffectiveAssignment[]> {
      const { userId, groupId, roleId, targetType, targetId } = query;
      if (effective && groupId !== undefined) {
        throw invalidRequest(
          "An effective listing has no group grants; drop group.id or effective.",
        );
      }
      let actors: Actor[] | undefined;
      if (userId !== undefined) {
        actors = effective ? await actorsOfUser(userId) : [{ type: "user", id: userId }];
      } else if (groupId !== undefined) {
        actors = [{ type: "group", id: groupId }];
      }
      if (!effective) {
        return repo.list({ actors, roleId, targetType, targetId });
      }
      const direct = await repo.list({ actors, targetType, targetId });
      return expandImplied(await expandGroups(direct, userId), roleId);
    },
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
