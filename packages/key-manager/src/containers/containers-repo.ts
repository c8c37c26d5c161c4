import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { ContainerTable } from "../db/domain-schema.js";
import { lockLiveRow } from "../db/row-locks.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import type {
  ContainerListFilters,
  ContainerRecord,
  ContainerSecretRef,
} from "./containers-types.js";

type Executor = Kysely<KeyManagerDatabase> | Transaction<KeyManagerDatabase>;

/** SQL access to containers and their secret references. Deleted containers are never returned. */
export function createContainersRepo(db: Kysely<KeyManagerDatabase>) {
  return {
    /** Inserts a container and its references in one transaction. */
    /**
     * Inserts a container and its references unless a referenced secret was deleted meanwhile;
     * returns that reference then, and inserts nothing.
     */
    async insert(container: ContainerRecord): Promise<ContainerSecretRef | undefined> {
      return db.transaction().execute(async (trx) => {
        for (const ref of container.secretRefs) {
          if (!(await lockLiveRow(trx, "km_secrets", ref.secretId))) {
            return ref;
          }
        }
        await insertContainer(trx, container);
        return undefined;
      });
    },

    /** Returns a container that is not deleted, with its references. */
    async find(id: string): Promise<ContainerRecord | undefined> {
      const row = await db
        .selectFrom("km_containers")
        .selectAll()
        .where("id", "=", id)
        .where("deleted", "=", false)
        .executeTakeFirst();
      if (row === undefined) {
        return undefined;
      }
      const refs = await secretRefsOf(db, [id]);
      return fromRow(row, refs.get(id) ?? []);
    },

    /** Returns one page of a project's containers, oldest first, and their count. */
    async list(filters: ContainerListFilters, page: { offset: number; limit: number }) {
      let query = db
        .selectFrom("km_containers")
        .where("project_id", "=", filters.projectId)
        .where("deleted", "=", false);
      if (filters.name !== undefined) {
        query = query.where("name", "=", filters.name);
      }
      if (filters.type !== undefined) {
        query = query.where("type", "=", filters.type);
      }
      const counted = await query
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirstOrThrow();
      const total = Number(counted.total);
      if (total === 0 || page.offset >= total) {
        return { containers: [] as ContainerRecord[], total };
      }
      const rows = await query
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const refs = await secretRefsOf(
        db,
        rows.map((row) => row.id),
      );
      return { containers: rows.map((row) => fromRow(row, refs.get(row.id) ?? [])), total };
    },

    /**
     * Marks a container deleted and removes its consumers and ACLs, in one transaction. Returns
     * false when it was already deleted.
     */
    async softDelete(id: string, now: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("km_containers")
          .set({ deleted: true, deleted_at: now, updated_at: now })
          .where("id", "=", id)
          .where("deleted", "=", false)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          return false;
        }
        await trx.deleteFrom("km_container_consumers").where("container_id", "=", id).execute();
        await trx
          .deleteFrom("km_acls")
          .where("entity_kind", "=", "container")
          .where("entity_id", "=", id)
          .execute();
        return true;
      });
    },

    /**
     * Adds a reference to a container unless the secret was deleted ("secret-gone"), the
     * container holds the same name and secret already ("exists") or was deleted ("gone").
     * Updating the container's row without changing it locks the row on PostgreSQL and MySQL
     * first, so concurrent additions of one pair cannot both pass the check.
     */
    async addSecret(
      containerId: string,
      ref: ContainerSecretRef,
      now: string,
    ): Promise<"added" | "exists" | "gone" | "secret-gone"> {
      return db.transaction().execute(async (trx) => {
        if (!(await lockLiveRow(trx, "km_secrets", ref.secretId))) {
          return "secret-gone";
        }
        await trx
          .updateTable("km_containers")
          .set((eb) => ({ id: eb.ref("id") }))
          .where("id", "=", containerId)
          .execute();
        const container = await trx
          .selectFrom("km_containers")
          .select("id")
          .where("id", "=", containerId)
          .where("deleted", "=", false)
          .executeTakeFirst();
        if (container === undefined) {
          return "gone";
        }
        let existing = trx
          .selectFrom("km_container_secrets")
          .select("id")
          .where("container_id", "=", containerId)
          .where("secret_id", "=", ref.secretId);
        existing =
          ref.name === null
            ? existing.where("name", "is", null)
            : existing.where("name", "=", ref.name);
        if ((await existing.executeTakeFirst()) !== undefined) {
          return "exists";
        }
        await trx
          .insertInto("km_container_secrets")
          .values({
            id: randomUUID(),
            container_id: containerId,
            secret_id: ref.secretId,
            name: ref.name,
            created_at: now,
          })
          .execute();
        return "added";
      });
    },

    /** Removes every reference with this name and secret; returns false when there was none. */
    async removeSecret(containerId: string, ref: ContainerSecretRef): Promise<boolean> {
      let query = db
        .deleteFrom("km_container_secrets")
        .where("container_id", "=", containerId)
        .where("secret_id", "=", ref.secretId);
      query =
        ref.name === null ? query.where("name", "is", null) : query.where("name", "=", ref.name);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type ContainersRepo = ReturnType<typeof createContainersRepo>;

/** Inserts a container and its references with the given executor (a transaction). */
export async function insertContainer(trx: Executor, container: ContainerRecord): Promise<void> {
  await trx
    .insertInto("km_containers")
    .values({
      id: container.id,
      project_id: container.projectId,
      creator_id: container.creatorId,
      name: container.name,
      type: container.type,
      status: container.status,
      created_at: container.createdAt,
      updated_at: container.updatedAt,
      deleted: false,
      deleted_at: null,
    })
    .execute();
  if (container.secretRefs.length === 0) {
    return;
  }
  await trx
    .insertInto("km_container_secrets")
    .values(
      container.secretRefs.map((ref) => ({
        id: randomUUID(),
        container_id: container.id,
        secret_id: ref.secretId,
        name: ref.name,
        created_at: container.createdAt,
      })),
    )
    .execute();
}

async function secretRefsOf(
  db: Executor,
  containerIds: string[],
): Promise<Map<string, ContainerSecretRef[]>> {
  const byContainer = new Map<string, ContainerSecretRef[]>();
  if (containerIds.length === 0) {
    return byContainer;
  }
  const rows = await db
    .selectFrom("km_container_secrets")
    .select(["container_id", "secret_id", "name"])
    .where("container_id", "in", containerIds)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  for (const row of rows) {
    const refs = byContainer.get(row.container_id) ?? [];
    refs.push({ name: row.name, secretId: row.secret_id });
    byContainer.set(row.container_id, refs);
  }
  return byContainer;
}

function fromRow(row: Selectable<ContainerTable>, secretRefs: ContainerSecretRef[]) {
  return {
    id: row.id,
    projectId: row.project_id,
    creatorId: row.creator_id,
    name: row.name,
    type: row.type,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secretRefs,
  } satisfies ContainerRecord;
}
