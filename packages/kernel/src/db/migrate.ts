import { type Kysely, type Migration, type MigrationResult, Migrator, SqliteAdapter } from "kysely";

export interface MigrationOutcome {
  results: MigrationResult[];
  error?: unknown;
}

/**
 * Applies a service's migrations up to the newest one. Each service keeps its own history table,
 * `<service>_migrations`, so several services can share one database. Throws after logging which
 * step failed; the results list every step that ran.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  service: string,
  migrations: Record<string, Migration>,
): Promise<MigrationOutcome> {
  const migrator = createMigrator(db, service, migrations);
  let { error, results } = await migrator.migrateToLatest();
  // Kysely locks migrations on PostgreSQL and MySQL, not on SQLite. When another process migrates
  // the same SQLite file, a step fails on a table that process created; once it has recorded its
  // steps, running again finds nothing left to do.
  for (
    let attempt = 1;
    attempt < SQLITE_MIGRATION_ATTEMPTS && isSqliteMigrationRace(db, error);
    attempt++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error");
    const step = failed === undefined ? "" : ` at ${failed.migrationName}`;
    throw new Error(
      `database migration of ${service} failed${step}: ${(error as Error).message ?? error}`,
      {
        cause: error,
      },
    );
  }
  return { results: results ?? [] };
}

/** Runs of a SQLite migration that another process migrating the same file keeps failing. */
const SQLITE_MIGRATION_ATTEMPTS = 50;

function isSqliteMigrationRace(db: Kysely<unknown>, error: unknown): boolean {
  if (error === undefined || !(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return false;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "SQLITE_BUSY" || (typeof message === "string" && /already exists/.test(message));
}

export function createMigrator(
  db: Kysely<unknown>,
  service: string,
  migrations: Record<string, Migration>,
): Migrator {
  const prefix = service.replaceAll("-", "_");
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${prefix}_migrations`,
    migrationLockTableName: `${prefix}_migrations_lock`,
  });
}
