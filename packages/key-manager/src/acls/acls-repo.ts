import { randomUUID } from "node:crypto";
import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Transaction } from "kysely";
import { retryOnConflict } from "../db/conflict-retry.js";
import { lockLiveRow } from "../db/row-locks.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import {
  type AclDecisionView,
  type AclEntityKind,
  READ_OPERATION,
  type ReadAcl,
  type ReadAclChange,
} from "./acls-types.js";

type Database = Kysely<KeyManagerDatabase>;

/** SQL access to `km_acls` and `km_acl_users`. */
export function createAclsRepo(db: Database) {
  async function saveReadInTransaction(
    kind: AclEntityKind,
    entityId: string,
    change: ReadAclChange,
    now: string,
  ): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const table = kind === "secret" ? "km_secrets" : "km_containers";
      if (!(await lockLiveRow(trx, table, entityId))) {
        return false;
      }
      const aclId = await upsertAcl(trx, kind, entityId, change.projectAccess, now);
      if (change.users === undefined) {
        return true;
      }
      await trx.deleteFrom("km_acl_users").where("acl_id", "=", aclId).execute();
      const users = [...new Set(change.users)];
      if (users.length > 0) {
        await trx
          .insertInto("km_acl_users")
          .values(users.map((userId) => ({ acl_id: aclId, user_id: userId, created_at: now })))
          .execute();
      }
      return true;
    });
  }

  return {
    /** Returns the stored read ACL of an entity, or undefined when it has none. */
    async findRead(kind: AclEntityKind, entityId: string): Promise<ReadAcl | undefined> {
      const acl = await db
        .selectFrom("km_acls")
        .selectAll()
        .where("entity_kind", "=", kind)
        .where("entity_id", "=", entityId)
        .where("operation", "=", READ_OPERATION)
        .executeTakeFirst();
      if (acl === undefined) {
        return undefined;
      }
      const users = await db
        .selectFrom("km_acl_users")
        .select("user_id")
        .where("acl_id", "=", acl.id)
        .orderBy("created_at")
        .orderBy("user_id")
        .execute();
      return {
        projectAccess: toBoolean(acl.project_access),
        users: users.map((row) => row.user_id),
        createdAt: acl.created_at,
        updatedAt: acl.updated_at,
      };
    },

    /** Returns what the read ACL of an entity says about one user, in one query. */
    async decisionFor(
      kind: AclEntityKind,
      entityId: string,
      userId: string | null,
    ): Promise<AclDecisionView> {
      const row = await db
        .selectFrom("km_acls")
        .leftJoin("km_acl_users", (join) =>
          join
            .onRef("km_acl_users.acl_id", "=", "km_acls.id")
            .on("km_acl_users.user_id", "=", userId ?? ""),
        )
        .select(["km_acls.project_access", "km_acl_users.user_id"])
        .where("km_acls.entity_kind", "=", kind)
        .where("km_acls.entity_id", "=", entityId)
        .where("km_acls.operation", "=", READ_OPERATION)
        .executeTakeFirst();
      if (row === undefined) {
        return { readProjectAccess: true, callerInReadAcl: false };
      }
      return {
        readProjectAccess: toBoolean(row.project_access),
        callerInReadAcl: userId !== null && row.user_id !== null,
      };
    },

    /**
     * Creates or updates the read ACL in one transaction. A change without `users` keeps the
     * stored users; a new ACL without `projectAccess` gets project access. When a concurrent
     * request creates or deletes the ACL in between, the transaction runs again. Returns false,
     * writing nothing, when the secret or container is deleted.
     */
    async saveRead(
      kind: AclEntityKind,
      entityId: string,
      change: ReadAclChange,
      now: string,
    ): Promise<boolean> {
      return retryOnConflict(() => saveReadInTransaction(kind, entityId, change, now));
    },

    /** Deletes every ACL of an entity; the entity falls back to the implicit default. */
    async deleteAll(kind: AclEntityKind, entityId: string): Promise<void> {
      await db
        .deleteFrom("km_acls")
        .where("entity_kind", "=", kind)
        .where("entity_id", "=", entityId)
        .execute();
    },
  };
}

export type AclsRepo = ReturnType<typeof createAclsRepo>;

async function upsertAcl(
  trx: Transaction<KeyManagerDatabase>,
  kind: AclEntityKind,
  entityId: string,
  projectAccess: boolean | undefined,
  now: string,
): Promise<string> {
  const existing = await trx
    .selectFrom("km_acls")
    .select("id")
    .where("entity_kind", "=", kind)
    .where("entity_id", "=", entityId)
    .where("operation", "=", READ_OPERATION)
    .executeTakeFirst();
  if (existing !== undefined) {
    const changes =
      projectAccess === undefined
        ? { updated_at: now }
        : { updated_at: now, project_access: projectAccess };
    await trx.updateTable("km_acls").set(changes).where("id", "=", existing.id).execute();
    return existing.id;
  }
  const id = randomUUID();
  await trx
    .insertInto("km_acls")
    .values({
      id,
      entity_kind: kind,
      entity_id: entityId,
      operation: READ_OPERATION,
      project_access: projectAccess ?? true,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}
