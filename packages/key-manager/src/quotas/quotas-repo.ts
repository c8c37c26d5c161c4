import { toTimestamp } from "@openstack-ts/kernel";
import type { Kysely } from "kysely";
import { retryOnConflict } from "../db/conflict-retry.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import { QUOTA_RESOURCES, type QuotaValues } from "./quotas-types.js";

type Database = Kysely<KeyManagerDatabase>;

/** A project with custom quotas. */
export interface ProjectQuotaRecord {
  projectId: string;
  quotas: QuotaValues;
}

/** SQL access to `km_project_quotas`, and the counts that quotas limit. */
export function createQuotasRepo(db: Database) {
  async function saveInTransaction(
    projectId: string,
    quotas: QuotaValues,
    now: string,
  ): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("km_project_quotas")
        .set({ ...quotas, updated_at: now })
        .where("project_id", "=", projectId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx
          .insertInto("km_project_quotas")
          .values({ project_id: projectId, ...quotas, created_at: now, updated_at: now })
          .execute();
      }
    });
  }

  return {
    /** Returns a project's custom quotas, or undefined when none are set. */
    async find(projectId: string): Promise<QuotaValues | undefined> {
      const row = await db
        .selectFrom("km_project_quotas")
        .selectAll()
        .where("project_id", "=", projectId)
        .executeTakeFirst();
      return row === undefined ? undefined : valuesOf(row);
    },

    /** Returns one page of the projects with custom quotas, oldest first, and their count. */
    async list(page: { offset: number; limit: number }) {
      const counted = await db
        .selectFrom("km_project_quotas")
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirstOrThrow();
      const rows = await db
        .selectFrom("km_project_quotas")
        .selectAll()
        .orderBy("created_at")
        .orderBy("project_id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const records: ProjectQuotaRecord[] = rows.map((row) => ({
        projectId: row.project_id,
        quotas: valuesOf(row),
      }));
      return { records, total: Number(counted.total) };
    },

    /**
     * Sets every quota of a project (null for the ones not given), creating the row if needed.
     * When two requests both find no row and insert, the loser runs again and updates.
     */
    async save(projectId: string, quotas: QuotaValues, now: string): Promise<void> {
      await retryOnConflict(() => saveInTransaction(projectId, quotas, now));
    },

    /** Deletes a project's custom quotas; returns false when it had none. */
    async delete(projectId: string): Promise<boolean> {
      const result = await db
        .deleteFrom("km_project_quotas")
        .where("project_id", "=", projectId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Counts a project's secrets that are neither deleted nor expired at `now`. */
    async countSecrets(projectId: string, now: Date): Promise<number> {
      const row = await db
        .selectFrom("km_secrets")
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .where("project_id", "=", projectId)
        .where("deleted", "=", false)
        .where((eb) =>
          eb.or([eb("expiration", "is", null), eb("expiration", ">", toTimestamp(now))]),
        )
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /** Counts a project's live rows of a soft-deleted table. */
    async countLive(table: "km_orders" | "km_containers", projectId: string): Promise<number> {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .where("project_id", "=", projectId)
        .where("deleted", "=", false)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /** Counts the consumers a project registered, of one kind. */
    async countConsumers(
      table: "km_secret_consumers" | "km_container_consumers",
      projectId: string,
    ): Promise<number> {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .where("project_id", "=", projectId)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },
  };
}

export type QuotasRepo = ReturnType<typeof createQuotasRepo>;

function valuesOf(row: Record<string, unknown>): QuotaValues {
  const values = {} as QuotaValues;
  for (const resource of QUOTA_RESOURCES) {
    const value = row[resource];
    values[resource] = value === null || value === undefined ? null : Number(value);
  }
  return values;
}
