import { nowTimestamp } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonObject } from "../common/json-column.js";
import { deleteGroupDependents } from "../db/cascade.js";
import { type Reference, serializable, writeWithReferences } from "../db/references.js";
import type { GroupRow, IdentitySchema } from "../db/schema.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { Group, GroupChanges, GroupFilter } from "./group-types.js";

/** SQL access to groups and their members. */
export function createGroupRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(id: string): Promise<Group | undefined> {
      const row = await db
        .selectFrom("identity_groups")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toGroup(row);
    },

    async getByName(domainId: string, name: string): Promise<Group | undefined> {
      const row = await db
        .selectFrom("identity_groups")
        .selectAll()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : toGroup(row);
    },

    async list(filter: GroupFilter): Promise<Group[]> {
      if (filter.ids !== undefined && filter.ids.length === 0) {
        return [];
      }
      let query = db.selectFrom("identity_groups").selectAll().orderBy("name").orderBy("id");
      if (filter.ids !== undefined) {
        query = query.where("id", "in", filter.ids);
      }
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      if (filter.domainId !== undefined) {
        query = query.where("domain_id", "=", filter.domainId);
      }
      return (await query.execute()).map(toGroup);
    },

    /** Inserts a group; its domain is checked in the same transaction. */
    async insert(group: Group): Promise<void> {
      await writeWithReferences(db, [{ kind: "domain", id: group.domainId }], (trx) =>
        trx
          .insertInto("identity_groups")
          .values({
            id: group.id,
            name: group.name,
            domain_id: group.domainId,
            description: group.description,
            extra: JSON.stringify(group.extra),
            created_at: nowTimestamp(),
          })
          .execute(),
      );
    },

    async update(id: string, changes: GroupChanges): Promise<void> {
      const values = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.extra === undefined ? {} : { extra: JSON.stringify(changes.extra) }),
      };
      if (Object.keys(values).length === 0) {
        return;
      }
      await db.updateTable("identity_groups").set(values).where("id", "=", id).execute();
    },

    /** Deletes a group with its memberships and role assignments. */
    /** Deletes the row and what refers to it. Returns false when it was already gone. */
    async delete(id: string): Promise<boolean> {
      return serializable(db, async (trx) => {
        await deleteGroupDependents(trx, [id]);
        const deleted = await trx
          .deleteFrom("identity_groups")
          .where("id", "=", id)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },

    /**
     * Adds a member; adding an existing member changes nothing. The group and the user are
     * checked in the same transaction.
     */
    async addMember(groupId: string, userId: string): Promise<void> {
      const references: Reference[] = [
        { kind: "group", id: groupId },
        { kind: "user", id: userId },
      ];
      try {
        await writeWithReferences(db, references, async (trx) => {
          const existing = await trx
            .selectFrom("identity_group_members")
            .select("user_id")
            .where("group_id", "=", groupId)
            .where("user_id", "=", userId)
            .executeTakeFirst();
          if (existing === undefined) {
            await trx
              .insertInto("identity_group_members")
              .values({ group_id: groupId, user_id: userId })
              .execute();
          }
        });
      } catch (error) {
        if (!isUniqueViolation(error)) {
          throw error;
        }
      }
    },

    async removeMember(groupId: string, userId: string): Promise<number> {
      const result = await db
        .deleteFrom("identity_group_members")
        .where("group_id", "=", groupId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async isMember(groupId: string, userId: string): Promise<boolean> {
      const row = await db
        .selectFrom("identity_group_members")
        .select("user_id")
        .where("group_id", "=", groupId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return row !== undefined;
    },

    async memberIds(groupId: string): Promise<string[]> {
      const rows = await db
        .selectFrom("identity_group_members")
        .select("user_id")
        .where("group_id", "=", groupId)
        .execute();
      return rows.map((row) => row.user_id);
    },

    async groupIdsOfUser(userId: string): Promise<string[]> {
      const rows = await db
        .selectFrom("identity_group_members")
        .select("group_id")
        .where("user_id", "=", userId)
        .execute();
      return rows.map((row) => row.group_id);
    },
  };
}

export type GroupRepo = ReturnType<typeof createGroupRepo>;

function toGroup(row: Selectable<GroupRow>): Group {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id,
    description: row.description,
    extra: parseJsonObject(row.extra),
  };
}
