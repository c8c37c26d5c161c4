import { createMigrator, toTimestamp } from "@openstack-ts/kernel";
import type { Kysely, MigrationResult } from "kysely";
import { MIGRATION_SERVICE, migrationsFor } from "../db/migrations.js";
import type { KeyManagerDatabase } from "../db/schema.js";

/** Applies every pending migration; returns the steps that ran. */
export async function upgradeDatabase(
  db: Kysely<KeyManagerDatabase>,
  url: string,
): Promise<MigrationResult[]> {
  const migrator = createMigrator(db as Kysely<unknown>, MIGRATION_SERVICE, migrationsFor(url));
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new Error(`database upgrade failed: ${(error as Error).message ?? error}`, {
      cause: error,
    });
  }
  return results ?? [];
}

/** Returns the names of applied and pending migrations. */
export async function migrationStatus(db: Kysely<KeyManagerDatabase>, url: string) {
  const migrator = createMigrator(db as Kysely<unknown>, MIGRATION_SERVICE, migrationsFor(url));
  const migrations = await migrator.getMigrations();
  return migrations.map((migration) => ({
    name: migration.name,
    applied: migration.executedAt !== undefined,
  }));
}

/** Options of `cleanDatabase`, as `barbican-manage db clean` takes them. */
export interface CleanOptions {
  /** Purges only rows soft-deleted at least this many days ago. */
  minDays: number;
  /** Soft-deletes expired secrets first, so they are purged once old enough. */
  softDeleteExpiredSecrets: boolean;
  /**
   * Removes the project keys and preferred store of projects that have no secret, container or
   * order left. Project quotas stay, because an operator set them on purpose.
   */
  cleanUnassociatedProjects: boolean;
  now?: Date;
}

/** Rows each step of a clean changed. */
export interface CleanResult {
  expiredSecretsSoftDeleted: number;
  secretsPurged: number;
  containersPurged: number;
  ordersPurged: number;
  transportKeysPurged: number;
  projectsCleaned: number;
}

/**
 * Soft-deletes expired secrets (when asked), then purges rows soft-deleted at least `minDays`
 * days ago, with everything that hangs off them, then removes the keys of projects that have
 * nothing left (when asked). Each purge is one transaction per table.
 */
export async function cleanDatabase(
  db: Kysely<KeyManagerDatabase>,
  options: CleanOptions,
): Promise<CleanResult> {
  const now = options.now ?? new Date();
  const nowText = toTimestamp(now);
  const cutoff = toTimestamp(new Date(now.getTime() - options.minDays * 86_400_000));
  const result: CleanResult = {
    expiredSecretsSoftDeleted: 0,
    secretsPurged: 0,
    containersPurged: 0,
    ordersPurged: 0,
    transportKeysPurged: 0,
    projectsCleaned: 0,
  };
  if (options.softDeleteExpiredSecrets) {
    result.expiredSecretsSoftDeleted = await softDeleteExpired(db, nowText);
  }
  result.secretsPurged = await purgeSecrets(db, cutoff);
  result.containersPurged = await purgeContainers(db, cutoff);
  result.ordersPurged = await purgeRows(db, "km_orders", cutoff);
  result.transportKeysPurged = await purgeRows(db, "km_transport_keys", cutoff);
  if (options.cleanUnassociatedProjects) {
    result.projectsCleaned = await cleanProjects(db);
  }
  return result;
}

async function softDeleteExpired(db: Kysely<KeyManagerDatabase>, now: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const expired = trx
      .selectFrom("km_secrets")
      .select("id")
      .where("deleted", "=", false)
      .where("expiration", "<=", now);
    const ids = (await expired.execute()).map((row) => row.id);
    if (ids.length === 0) {
      return 0;
    }
    await trx.deleteFrom("km_secret_payloads").where("secret_id", "in", ids).execute();
    const result = await trx
      .updateTable("km_secrets")
      .set({ deleted: true, deleted_at: now, updated_at: now })
      .where("id", "in", ids)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}

async function purgeSecrets(db: Kysely<KeyManagerDatabase>, cutoff: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom("km_secrets")
        .select("id")
        .where("deleted", "=", true)
        .where("deleted_at", "<=", cutoff)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) {
      return 0;
    }
    await trx.deleteFrom("km_secret_payloads").where("secret_id", "in", ids).execute();
    await trx.deleteFrom("km_secret_metadata").where("secret_id", "in", ids).execute();
    await trx.deleteFrom("km_secret_consumers").where("secret_id", "in", ids).execute();
    await trx.deleteFrom("km_container_secrets").where("secret_id", "in", ids).execute();
    await trx
      .deleteFrom("km_acls")
      .where("entity_kind", "=", "secret")
      .where("entity_id", "in", ids)
      .execute();
    const result = await trx.deleteFrom("km_secrets").where("id", "in", ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}

async function purgeContainers(db: Kysely<KeyManagerDatabase>, cutoff: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom("km_containers")
        .select("id")
        .where("deleted", "=", true)
        .where("deleted_at", "<=", cutoff)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) {
      return 0;
    }
    await trx.deleteFrom("km_container_secrets").where("container_id", "in", ids).execute();
    await trx.deleteFrom("km_container_consumers").where("container_id", "in", ids).execute();
    const result = await trx.deleteFrom("km_containers").where("id", "in", ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}

async function purgeRows(
  db: Kysely<KeyManagerDatabase>,
  table: "km_orders" | "km_transport_keys",
  cutoff: string,
): Promise<number> {
  if (table === "km_orders") {
    await db
      .deleteFrom("km_order_retry_tasks")
      .where("order_id", "in", (eb) =>
        eb
          .selectFrom("km_orders")
          .select("id")
          .where("deleted", "=", true)
          .where("deleted_at", "<=", cutoff),
      )
      .execute();
  }
  const result = await db
    .deleteFrom(table)
    .where("deleted", "=", true)
    .where("deleted_at", "<=", cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes project keys and preferred stores of projects with no secret, container or order.
 * NOTE: a key manager that has a project's key cached could still write a secret with it after
 * this check, so run the cleanup while no service writes secrets for the projects it removes.
 */
async function cleanProjects(db: Kysely<KeyManagerDatabase>): Promise<number> {
  const keyed = await db
    .selectFrom("km_project_keys")
    .select("project_id")
    .union(db.selectFrom("km_hsm_project_keys").select("project_id"))
    .union(db.selectFrom("km_project_secret_stores").select("project_id"))
    .execute();
  let cleaned = 0;
  for (const { project_id: projectId } of keyed) {
    cleaned += (await cleanProjectIfUnused(db, projectId)) ? 1 : 0;
  }
  return cleaned;
}

async function cleanProjectIfUnused(
  db: Kysely<KeyManagerDatabase>,
  projectId: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    for (const table of ["km_secrets", "km_containers", "km_orders"] as const) {
      const used = await trx
        .selectFrom(table)
        .select("id")
        .where("project_id", "=", projectId)
        .limit(1)
        .executeTakeFirst();
      if (used !== undefined) {
        return false;
      }
    }
    await trx.deleteFrom("km_project_keys").where("project_id", "=", projectId).execute();
    await trx.deleteFrom("km_hsm_project_keys").where("project_id", "=", projectId).execute();
    await trx.deleteFrom("km_project_secret_stores").where("project_id", "=", projectId).execute();
    return true;
  });
}
