import { newId } from "../common/ids.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import { expandRoleIds } from "./role-expansion.js";
import type { RoleRepo } from "./role-repo.js";
import type { Role, RoleChanges, RoleFilter } from "./role-types.js";

/** Roles no rule may imply, so that holding a lesser role never grants them. */
const PROHIBITED_IMPLIED_ROLES = new Set(["admin"]);

export interface NewRole {
  name: string;
  domainId?: string | null | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** Rules for roles and implied roles: unique names, no implication loops, expansion. */
export function createRoleService(repo: RoleRepo, domains: Pick<DomainService, "get">) {
  async function get(id: string): Promise<Role> {
    const role = await repo.get(id);
    if (role === undefined) {
      throw identityError("ROLE_NOT_FOUND", { id });
    }
    return role;
  }

  function duplicate(name: string, domainId: string | null) {
    const where = domainId === null ? "" : ` in domain ${domainId}`;
    return identityError("DUPLICATE", { what: `Role named ${name}${where}` });
  }

  /** Returns the ids of the roles given plus every role they imply, directly or not. */
  async function expand(roleIds: Iterable<string>): Promise<Set<string>> {
    return expandRoleIds(roleIds, await repo.listInferences());
  }

  return {
    get,
    find: (id: string) => repo.get(id),
    findByName: (name: string, domainId: string | null = null) => repo.getByName(name, domainId),
    getMany: (ids: string[]) => repo.getMany(ids),
    list: (filter: RoleFilter) => repo.list(filter),
    expand,

    async create(input: NewRole, id = newId()): Promise<Role> {
      const domainId = input.domainId ?? null;
      if (domainId !== null) {
        await domains.get(domainId);
      }
      if ((await repo.getByName(input.name, domainId)) !== undefined) {
        throw duplicate(input.name, domainId);
      }
      const role: Role = {
        id,
        name: input.name,
        domainId,
        description: input.description ?? null,
        extra: input.extra ?? {},
      };
      try {
        await repo.insert(role);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(role.name, domainId) : error;
      }
      return role;
    },

    async update(id: string, changes: RoleChanges): Promise<Role> {
      const current = await get(id);
      if (changes.name !== undefined && changes.name !== current.name) {
        if ((await repo.getByName(changes.name, current.domainId)) !== undefined) {
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
        throw identityError("ROLE_NOT_FOUND", { id });
      }
    },

    /** Records that `priorRoleId` implies `impliedRoleId`; adding an existing rule is a no-op. */
    async addInference(priorRoleId: string, impliedRoleId: string): Promise<[Role, Role]> {
      const prior = await get(priorRoleId);
      const implied = await get(impliedRoleId);
      if (prior.id === implied.id) {
        throw invalidRequest(`Role ${prior.id} cannot imply itself.`);
      }
      if (PROHIBITED_IMPLIED_ROLES.has(implied.name.toLowerCase())) {
        throw identityError("PROTECTED_RESOURCE", {
          what: `Role ${implied.name} cannot be implied by another role.`,
        });
      }
      if (prior.domainId === null && implied.domainId !== null) {
        throw identityError("PROTECTED_RESOURCE", {
          what: `Global role ${prior.id} cannot imply domain-specific role ${implied.id}.`,
        });
      }
      if ((await expand([implied.id])).has(prior.id)) {
        throw identityError("PROTECTED_RESOURCE", {
          what: `Role ${implied.id} already implies ${prior.id}; the rule would make a loop.`,
        });
      }
      const inferences = await repo.listInferences();
      const exists = inferences.some(
        (rule) => rule.priorRoleId === prior.id && rule.impliedRoleId === implied.id,
      );
      if (!exists) {
        try {
          await repo.addInference({ priorRoleId: prior.id, impliedRoleId: implied.id });
        } catch (error) {
          if (!isUniqueViolation(error)) {
            throw error;
          }
        }
      }
      return [prior, implied];
    },

    /** Returns the two roles of an existing rule, or throws a 404. */
    async getInference(priorRoleId: string, impliedRoleId: string): Promise<[Role, Role]> {
      const prior = await get(priorRoleId);
      const implied = await get(impliedRoleId);
      const inferences = await repo.listInferences();
      const exists = inferences.some(
        (rule) => rule.priorRoleId === prior.id && rule.impliedRoleId === implied.id,
      );
      if (!exists) {
        throw identityError("IMPLIED_ROLE_NOT_FOUND", { prior: prior.id, implied: implied.id });
      }
      return [prior, implied];
    },

    async deleteInference(priorRoleId: string, impliedRoleId: string): Promise<void> {
      await get(priorRoleId);
      await get(impliedRoleId);
      const deleted = await repo.deleteInference({ priorRoleId, impliedRoleId });
      if (deleted === 0) {
        throw identityError("IMPLIED_ROLE_NOT_FOUND", {
          prior: priorRoleId,
          implied: impliedRoleId,
        });
      }
    },

    /** Returns the direct inference rules, grouped by prior role. */
    async listInferences(priorRoleId?: string): Promise<Array<{ prior: Role; implies: Role[] }>> {
      if (priorRoleId !== undefined) {
        await get(priorRoleId);
      }
      const rules = (await repo.listInferences()).filter(
        (rule) => priorRoleId === undefined || rule.priorRoleId === priorRoleId,
      );
      const roleIds = new Set(rules.flatMap((rule) => [rule.priorRoleId, rule.impliedRoleId]));
      const roles = new Map((await repo.getMany([...roleIds])).map((role) => [role.id, role]));
      const grouped = new Map<string, { prior: Role; implies: Role[] }>();
      for (const rule of rules) {
        const prior = roles.get(rule.priorRoleId);
        const implied = roles.get(rule.impliedRoleId);
        if (prior === undefined || implied === undefined) {
          continue;
        }
        const group = grouped.get(prior.id) ?? { prior, implies: [] };
        group.implies.push(implied);
        grouped.set(prior.id, group);
      }
      if (priorRoleId !== undefined && !grouped.has(priorRoleId)) {
        return [{ prior: await get(priorRoleId), implies: [] }];
      }
      return [...grouped.values()];
    },
  };
}

export type RoleService = ReturnType<typeof createRoleService>;
