import { nowTimestamp } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonObject } from "../common/json-column.js";
import { type Reference, serializable, writeWithReferences } from "../db/references.js";
import type { IdentitySchema, RoleRow } from "../db/schema.js";
import type { Role, RoleChanges, RoleFilter, RoleInference } from "./role-types.js";

/** Value of `domain_id` for a global role, so that (domain_id, name) can be unique. */
const GLOBAL = "";

/** SQL access to roles and to the rules that roles imply other roles. */
export function createRoleRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(id: string): Promise<Role | undefined> {
      const row = await db
        .selectFrom("identity_roles")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toRole(row);
    },

    async getMany(ids: string[]): Promise<Role[]> {
      if (ids.length === 0) {
        return [];
      }
      const rows = await db
        .selectFrom("identity_roles")
        .selectAll()
        .where("id", "in", ids)
        .orderBy("name")
        .execute();
      return rows.map(toRole);
    },

    async getByName(name: string, domainId: string | null): Promise<Role | undefined> {
      const row = await db
        .selectFrom("identity_roles")
        .selectAll()
        .where("name", "=", name)
        .where("domain_id", "=", domainId ?? GLOBAL)
        .executeTakeFirst();
      return row === undefined ? undefined : toRole(row);
    },

    async list(filter: RoleFilter): Promise<Role[]> {
      let query = db
        .selectFrom("identity_roles")
        .selectAll()
        .where("domain_id", "=", filter.domainId ?? GLOBAL)
        .orderBy("name");
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      return (await query.execute()).map(toRole);
    },

    /** Inserts a role; the domain of a domain-specific role is checked in the same transaction. */
    async insert(role: Role): Promise<void> {
      const references: Reference[] =
        role.domainId === null ? [] : [{ kind: "domain", id: role.domainId }];
      await writeWithReferences(db, references, (trx) =>
        trx
          .insertInto("identity_roles")
          .values({
            id: role.id,
            name: role.name,
            domain_id: role.domainId ?? GLOBAL,
            description: role.description,
            extra: JSON.stringify(role.extra),
            created_at: nowTimestamp(),
          })
          .execute(),
      );
    },

    async update(id: string, changes: RoleChanges): Promise<void> {
      const values = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.extra === undefined ? {} : { extra: JSON.stringify(changes.extra) }),
      };
      if (Object.keys(values).length === 0) {
        return;
      }
      await db.updateTable("identity_roles").set(values).where("id", "=", id).execute();
    },

    /** Deletes a role with its assignments and the inference rules that name it. */
    /** Deletes the row and what refers to it. Returns false when it was already gone. */
    async delete(id: string): Promise<boolean> {
      return serializable(db, async (trx) => {
        await trx.deleteFrom("identity_role_assignments").where("role_id", "=", id).execute();
        await trx
          .deleteFrom("identity_implied_roles")
          .where((eb) => eb.or([eb("prior_role_id", "=", id), eb("implied_role_id", "=", id)]))
          .execute();
        const deleted = await trx
          .deleteFrom("identity_roles")
          .where("id", "=", id)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },

    async listInferences(): Promise<RoleInference[]> {
      const rows = await db
        .selectFrom("identity_implied_roles")
        .selectAll()
        .orderBy("prior_role_id")
        .orderBy("implied_role_id")
        .execute();
      return rows.map((row) => ({
        priorRoleId: row.prior_role_id,
        impliedRoleId: row.implied_role_id,
      }));
    },

    /** Adds a rule; both roles are checked in the same transaction. */
    async addInference(inference: RoleInference): Promise<void> {
      const references: Reference[] = [
        { kind: "role", id: inference.priorRoleId },
        { kind: "role", id: inference.impliedRoleId },
      ];
      await writeWithReferences(db, references, (trx) =>
        trx
          .insertInto("identity_implied_roles")
          .values({
            prior_role_id: inference.priorRoleId,
            implied_role_id: inference.impliedRoleId,
          })
          .execute(),
      );
    },

    async deleteInference(inference: RoleInference): Promise<number> {
      const result = await db
        .deleteFrom("identity_implied_roles")
        .where("prior_role_id", "=", inference.priorRoleId)
        .where("implied_role_id", "=", inference.impliedRoleId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type RoleRepo = ReturnType<typeof createRoleRepo>;

function toRole(row: Selectable<RoleRow>): Role {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id === GLOBAL ? null : row.domain_id,
    description: row.description,
    extra: parseJsonObject(row.extra),
  };
}
