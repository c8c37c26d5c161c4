import { type Kysely, type Migration, type MigrationResult, Migrator } from "kysely";

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
  const { error, results } = await migrator.migrateToLatest();
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
