import { columnTypes, dialectOf, type SqlDialect } from "@openstack-ts/kernel";
import { type Kysely, type Migration, sql } from "kysely";
import { domainTablesMigration } from "./domain-migrations.js";

/** Name under which the key manager keeps its migration history (`key_manager_migrations`). */
export const MIGRATION_SERVICE = "key-manager";

/**
 * Returns the key manager's migrations, in order. Each one runs on SQLite, PostgreSQL and MySQL,
 * with the kernel's `columnTypes` for the column types that differ between dialects.
 */
export function keyManagerMigrations(dialect: SqlDialect): Record<string, Migration> {
  const types = columnTypes(dialect);
  return {
    "0001_secrets": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("km_secrets")
          .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
          .addColumn("project_id", "varchar(255)", (column) => column.notNull())
          .addColumn("creator_id", "varchar(255)")
          .addColumn("name", "varchar(255)")
          .addColumn("secret_type", "varchar(80)", (column) => column.notNull())
          .addColumn("algorithm", "varchar(255)")
          .addColumn("bit_length", "integer")
          .addColumn("mode", "varchar(255)")
          .addColumn("expiration", sql.raw(types.timestamp))
          .addColumn("status", "varchar(20)", (column) => column.notNull())
          .addColumn("content_type", "varchar(255)")
          .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addColumn("deleted", "boolean", (column) => column.notNull().defaultTo(false))
          .addColumn("deleted_at", sql.raw(types.timestamp))
          .execute();
        await db.schema
          .createIndex("km_secrets_project_idx")
          .on("km_secrets")
          .columns(["project_id", "deleted", "created_at"])
          .execute();

        await db.schema
          .createTable("km_project_keys")
          .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
          .addColumn("project_id", "varchar(255)", (column) => column.notNull())
          .addColumn("version", "integer", (column) => column.notNull())
          .addColumn("algorithm", "varchar(32)", (column) => column.notNull())
          .addColumn("wrapped_key", sql.raw(types.binary), (column) => column.notNull())
          .addColumn("master_key_version", "integer", (column) => column.notNull())
          .addColumn("active", "boolean", (column) => column.notNull())
          .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addUniqueConstraint("km_project_keys_version_uq", ["project_id", "version"])
          .execute();

        await db.schema
          .createTable("km_secret_payloads")
          .addColumn("secret_id", sql.raw(types.id), (column) =>
            column.primaryKey().references("km_secrets.id").onDelete("cascade"),
          )
          .addColumn("store_name", "varchar(64)", (column) => column.notNull())
          .addColumn("key_id", sql.raw(types.id))
          .addColumn("key_version", "integer", (column) => column.notNull())
          .addColumn("data", sql.raw(types.binary), (column) => column.notNull())
          .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
          .execute();

        await db.schema
          .createTable("km_secret_metadata")
          .addColumn("secret_id", sql.raw(types.id), (column) =>
            column.notNull().references("km_secrets.id").onDelete("cascade"),
          )
          .addColumn("key", "varchar(255)", (column) => column.notNull())
          .addColumn("value", sql.raw(types.text), (column) => column.notNull())
          .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addPrimaryKeyConstraint("km_secret_metadata_pk", ["secret_id", "key"])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("km_secret_metadata").execute();
        await db.schema.dropTable("km_secret_payloads").execute();
        await db.schema.dropTable("km_project_keys").execute();
        await db.schema.dropTable("km_secrets").execute();
      },
    },
    "0002_domain_tables": domainTablesMigration(types),
  };
}

/** Returns the migrations for the database at `url`. */
export function migrationsFor(url: string): Record<string, Migration> {
  return keyManagerMigrations(dialectOf(url));
}
