import { nowTimestamp, toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonObject } from "../common/json-column.js";
import {
  deleteGroupDependents,
  deleteProjectDependents,
  deleteUserDependents,
} from "../db/cascade.js";
import { serializable } from "../db/references.js";
import type { DomainRow, IdentitySchema } from "../db/schema.js";
import type { Domain, DomainChanges, DomainFilter } from "./domain-types.js";

/** SQL access to domains. */
export function createDomainRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(id: string): Promise<Domain | undefined> {
      const row = await db
        .selectFrom("identity_domains")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toDomain(row);
    },

    async getByName(name: string): Promise<Domain | undefined> {
      const row = await db
        .selectFrom("identity_domains")
        .selectAll()
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : toDomain(row);
    },

    async list(filter: DomainFilter): Promise<Domain[]> {
      let query = db.selectFrom("identity_domains").selectAll().orderBy("name");
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      if (filter.enabled !== undefined) {
        query = query.where("enabled", "=", filter.enabled);
      }
      return (await query.execute()).map(toDomain);
    },

    async insert(domain: Domain): Promise<void> {
      await db
        .insertInto("identity_domains")
        .values({
          id: domain.id,
          name: domain.name,
          description: domain.description,
          enabled: domain.enabled,
          extra: JSON.stringify(domain.extra),
          created_at: nowTimestamp(),
        })
        .execute();
    },

    async update(id: string, changes: DomainChanges): Promise<void> {
      const values = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
        ...(changes.extra === undefined ? {} : { extra: JSON.stringify(changes.extra) }),
      };
      if (Object.keys(values).length === 0) {
        return;
      }
      await db.updateTable("identity_domains").set(values).where("id", "=", id).execute();
    },

    /**
     * Deletes a domain with its projects, users, groups, domain-specific roles and their
     * dependents.
     */
    async delete(id: string): Promise<void> {
      await serializable(db, async (trx) => {
        const projectIds = (
          await trx
            .selectFrom("identity_projects")
            .select("id")
            .where("domain_id", "=", id)
            .execute()
        ).map((row) => row.id);
        const userIds = (
          await trx.selectFrom("identity_users").select("id").where("domain_id", "=", id).execute()
        ).map((row) => row.id);
        const roleIds = (
          await trx.selectFrom("identity_roles").select("id").where("domain_id", "=", id).execute()
        ).map((row) => row.id);
        const groupIds = (
          await trx.selectFrom("identity_groups").select("id").where("domain_id", "=", id).execute()
        ).map((row) => row.id);

        await deleteProjectDependents(trx, projectIds);
        await deleteUserDependents(trx, userIds);
        await deleteGroupDependents(trx, groupIds);
        await trx.deleteFrom("identity_groups").where("domain_id", "=", id).execute();
        if (roleIds.length > 0) {
          await trx
            .deleteFrom("identity_role_assignments")
            .where("role_id", "in", roleIds)
            .execute();
          await trx
            .deleteFrom("identity_implied_roles")
            .where((eb) =>
              eb.or([eb("prior_role_id", "in", roleIds), eb("implied_role_id", "in", roleIds)]),
            )
            .execute();
          await trx.deleteFrom("identity_roles").where("id", "in", roleIds).execute();
        }
        await trx
          .deleteFrom("identity_role_assignments")
          .where("target_type", "=", "domain")
          .where("target_id", "=", id)
          .execute();
        await trx
          .deleteFrom("identity_tokens")
          .where("scope_type", "=", "domain")
          .where("scope_id", "=", id)
          .execute();
        await trx.deleteFrom("identity_projects").where("domain_id", "=", id).execute();
        await trx.deleteFrom("identity_users").where("domain_id", "=", id).execute();
        await trx.deleteFrom("identity_domains").where("id", "=", id).execute();
      });
    },
  };
}

export type DomainRepo = ReturnType<typeof createDomainRepo>;

function toDomain(row: Selectable<DomainRow>): Domain {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: toBoolean(row.enabled),
    extra: parseJsonObject(row.extra),
  };
}
