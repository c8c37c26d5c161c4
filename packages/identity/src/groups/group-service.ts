import { newId } from "../common/ids.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError } from "../errors.js";
import type { UserService } from "../users/user-service.js";
import type { GroupRepo } from "./group-repo.js";
import type { Group, GroupChanges, GroupFilter } from "./group-types.js";

export interface NewGroup {
  name: string;
  domainId: string;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** Rules for groups: unique names within a domain, and membership of existing users. */
export function createGroupService(
  repo: GroupRepo,
  domains: Pick<DomainService, "get">,
  users: Pick<UserService, "get" | "find">,
) {
  async function get(id: string): Promise<Group> {
    const group = await repo.get(id);
    if (group === undefined) {
      throw identityError("GROUP_NOT_FOUND", { id });
    }
    return group;
  }

  function duplicate(name: string, domainId: string) {
    return identityError("DUPLICATE", { what: `Group named ${name} in domain ${domainId}` });
  }

  return {
    get,
    find: (id: string) => repo.get(id),
    list: (filter: GroupFilter) => repo.list(filter),
    groupIdsOfUser: (userId: string) => repo.groupIdsOfUser(userId),
    memberIds: (groupId: string) => repo.memberIds(groupId),

    async create(input: NewGroup, id = newId()): Promise<Group> {
      await domains.get(input.domainId);
      if ((await repo.getByName(input.domainId, input.name)) !== undefined) {
        throw duplicate(input.name, input.domainId);
      }
      const group: Group = {
        id,
        name: input.name,
        domainId: input.domainId,
        description: input.description ?? null,
        extra: input.extra ?? {},
      };
      try {
        await repo.insert(group);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(group.name, group.domainId) : error;
      }
      return group;
    },

    async update(id: string, changes: GroupChanges): Promise<Group> {
      const current = await get(id);
      if (changes.name !== undefined && changes.name !== current.name) {
        if ((await repo.getByName(current.domainId, changes.name)) !== undefined) {
          throw duplicate(changes.name, current.domainId);
        }
      }
      const extra =
        changes.extra === undefined ? undefined : { ...current.extra, ...changes.extra };
      try {
        await repo.update(id, { ...changes, extra });
      } catch (error) {
        // A concurrent request took the name after the check above.
        throw isUniqueViolation(error) ? duplicate(changes.name ?? "", current.domainId) : error;
      }
      return get(id);
    },

    async delete(id: string): Promise<void> {
      await get(id);
      if (!(await repo.delete(id))) {
        // A concurrent request deleted it after the check above.
        throw identityError("GROUP_NOT_FOUND", { id });
      }
    },

    async listMembers(groupId: string) {
      await get(groupId);
      const members = [];
      for (const userId of await repo.memberIds(groupId)) {
        const user = await users.find(userId);
        if (user !== undefined) {
          members.push(user);
        }
      }
      return members.sort((left, right) => left.name.localeCompare(right.name));
    },

    async addMember(groupId: string, userId: string): Promise<void> {
      await get(groupId);
      await users.get(userId);
      await repo.addMember(groupId, userId);
    },

    async checkMember(groupId: string, userId: string): Promise<void> {
      await get(groupId);
      await users.get(userId);
      if (!(await repo.isMember(groupId, userId))) {
        throw identityError("MEMBERSHIP_NOT_FOUND", { user: userId, group: groupId });
      }
    },

    async removeMember(groupId: string, userId: string): Promise<void> {
      await get(groupId);
      await users.get(userId);
      if ((await repo.removeMember(groupId, userId)) === 0) {
        throw identityError("MEMBERSHIP_NOT_FOUND", { user: userId, group: groupId });
      }
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
