import { nowTimestamp, toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonObject } from "../common/json-column.js";
import { deleteUserDependents } from "../db/cascade.js";
import { serializable, writeWithReferences } from "../db/references.js";
import type { IdentitySchema, UserRow } from "../db/schema.js";
import type { User, UserChanges, UserFilter } from "./user-types.js";

/** SQL access to users. */
export function createUserRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(id: string): Promise<User | undefined> {
      const row = await db
        .selectFrom("identity_users")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async getByName(domainId: string, name: string): Promise<User | undefined> {
      const row = await db
        .selectFrom("identity_users")
        .selectAll()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async list(filter: UserFilter): Promise<User[]> {
      let query = db.selectFrom("identity_users").selectAll().orderBy("name").orderBy("id");
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      if (filter.domainId !== undefined) {
        query = query.where("domain_id", "=", filter.domainId);
      }
      if (filter.enabled !== undefined) {
        query = query.where("enabled", "=", filter.enabled);
      }
      return (await query.execute()).map(toUser);
    },

    /** Inserts a user; its domain is checked in the same transaction. */
    async insert(user: User): Promise<void> {
      const now = nowTimestamp();
      await writeWithReferences(db, [{ kind: "domain", id: user.domainId }], (trx) =>
        trx
          .insertInto("identity_users")
          .values({
            id: user.id,
            name: user.name,
            domain_id: user.domainId,
            enabled: user.enabled,
            default_project_id: user.defaultProjectId,
            description: user.description,
            extra: JSON.stringify(user.extra),
            password_hash: user.passwordHash,
            password_created_at: user.passwordHash === null ? null : now,
            created_at: now,
          })
          .execute(),
      );
    },

    async update(id: string, changes: UserChanges): Promise<void> {
      const values = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
        ...(changes.defaultProjectId === undefined
          ? {}
          : { default_project_id: changes.defaultProjectId }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.extra === undefined ? {} : { extra: JSON.stringify(changes.extra) }),
        ...(changes.passwordHash === undefined
          ? {}
          : { password_hash: changes.passwordHash, password_created_at: nowTimestamp() }),
      };
      if (Object.keys(values).length === 0) {
        return;
      }
      await db.updateTable("identity_users").set(values).where("id", "=", id).execute();
    },

    /** Deletes a user with its role assignments, tokens and credentials. */
    /** Deletes the row and what refers to it. Returns false when it was already gone. */
    async delete(id: string): Promise<boolean> {
      return serializable(db, async (trx) => {
        await deleteUserDependents(trx, [id]);
        const deleted = await trx
          .deleteFrom("identity_users")
          .where("id", "=", id)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },
  };
}

export type UserRepo = ReturnType<typeof createUserRepo>;

function toUser(row: Selectable<UserRow>): User {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id,
    enabled: toBoolean(row.enabled),
    defaultProjectId: row.default_project_id,
    description: row.description,
    extra: parseJsonObject(row.extra),
    passwordHash: row.password_hash,
  };
}
