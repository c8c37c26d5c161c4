import type { columnTypes } from "@openstack-ts/kernel";
import { type Kysely, type Migration, sql } from "kysely";

type ColumnTypes = ReturnType<typeof columnTypes>;

/**
 * Migration 0002: the tables of containers, consumers, ACLs, orders, quotas, secret stores,
 * transport keys and HSM project keys. Consumers are unique by a hash of their fields, because
 * MySQL cannot index several long text columns together.
 */
export function domainTablesMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createContainerTables(db, types);
      await createConsumerTables(db, types);
      await createAclTables(db, types);
      await createOrderTables(db, types);
      await createStoreTables(db, types);
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "km_hsm_project_keys",
        "km_transport_keys",
        "km_project_secret_stores",
        "km_secret_stores",
        "km_project_quotas",
        "km_order_retry_tasks",
        "km_orders",
        "km_acl_users",
        "km_acls",
        "km_secret_consumers",
        "km_container_consumers",
        "km_container_secrets",
        "km_containers",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

async function createContainerTables(db: Kysely<unknown>, types: ColumnTypes) {
  await db.schema
    .createTable("km_containers")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("project_id", "varchar(255)", (column) => column.notNull())
    .addColumn("creator_id", "varchar(255)")
    .addColumn("name", "varchar(255)")
    .addColumn("type", "varchar(20)", (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("deleted", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("deleted_at", sql.raw(types.timestamp))
    .execute();
  await db.schema
    .createIndex("km_containers_project_idx")
    .on("km_containers")
    .columns(["project_id", "deleted", "created_at"])
    .execute();

  await db.schema
    .createTable("km_container_secrets")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("container_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_containers.id").onDelete("cascade"),
    )
    .addColumn("secret_id", sql.raw(types.id), (column) => column.notNull())
    .addColumn("name", "varchar(255)")
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("km_container_secrets_container_idx")
    .on("km_container_secrets")
    .column("container_id")
    .execute();
  await db.schema
    .createIndex("km_container_secrets_secret_idx")
    .on("km_container_secrets")
    .column("secret_id")
    .execute();
}

async function createConsumerTables(db: Kysely<unknown>, types: ColumnTypes) {
  await db.schema
    .createTable("km_container_consumers")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("container_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_containers.id").onDelete("cascade"),
    )
    .addColumn("project_id", "varchar(255)", (column) => column.notNull())
    .addColumn("name", "varchar(36)", (column) => column.notNull())
    .addColumn("url", "varchar(255)", (column) => column.notNull())
    .addColumn("data_hash", "varchar(64)", (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("km_container_consumers_uq", ["container_id", "data_hash"])
    .execute();

  await db.schema
    .createTable("km_secret_consumers")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("secret_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_secrets.id").onDelete("cascade"),
    )
    .addColumn("project_id", "varchar(255)", (column) => column.notNull())
    .addColumn("service", "varchar(255)", (column) => column.notNull())
    .addColumn("resource_type", "varchar(255)", (column) => column.notNull())
    .addColumn("resource_id", sql.raw(types.text), (column) => column.notNull())
    .addColumn("data_hash", "varchar(64)", (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("km_secret_consumers_uq", ["secret_id", "data_hash"])
    .execute();
  await db.schema
    .createIndex("km_secret_consumers_project_idx")
    .on("km_secret_consumers")
    .column("project_id")
    .execute();
}

async function createAclTables(db: Kysely<unknown>, types: ColumnTypes) {
  await db.schema
    .createTable("km_acls")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("entity_kind", "varchar(16)", (column) => column.notNull())
    .addColumn("entity_id", sql.raw(types.id), (column) => column.notNull())
    .addColumn("operation", "varchar(16)", (column) => column.notNull())
    .addColumn("project_access", "boolean", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("km_acls_uq", ["entity_kind", "entity_id", "operation"])
    .execute();

  await db.schema
    .createTable("km_acl_users")
    .addColumn("acl_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_acls.id").onDelete("cascade"),
    )
    .addColumn("user_id", "varchar(255)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addPrimaryKeyConstraint("km_acl_users_pk", ["acl_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("km_acl_users_user_idx")
    .on("km_acl_users")
    .column("user_id")
    .execute();
}

async function createOrderTables(db: Kysely<unknown>, types: ColumnTypes) {
  await db.schema
    .createTable("km_orders")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("project_id", "varchar(255)", (column) => column.notNull())
    .addColumn("creator_id", "varchar(255)")
    .addColumn("type", "varchar(20)", (column) => column.notNull())
    .addColumn("meta", sql.raw(types.json), (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("error_status_code", "varchar(16)")
    .addColumn("error_reason", "varchar(255)")
    .addColumn("sub_status", "varchar(36)")
    .addColumn("sub_status_message", "varchar(255)")
    .addColumn("secret_id", sql.raw(types.id))
    .addColumn("container_id", sql.raw(types.id))
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("deleted", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("deleted_at", sql.raw(types.timestamp))
    .execute();
  await db.schema
    .createIndex("km_orders_project_idx")
    .on("km_orders")
    .columns(["project_id", "deleted", "created_at"])
    .execute();
  await db.schema
    .createIndex("km_orders_status_idx")
    .on("km_orders")
    .columns(["status", "updated_at"])
    .execute();

  await db.schema
    .createTable("km_order_retry_tasks")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("order_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_orders.id").onDelete("cascade"),
    )
    .addColumn("retry_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("retry_count", "integer", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("km_order_retry_tasks_due_idx")
    .on("km_order_retry_tasks")
    .column("retry_at")
    .execute();

  await db.schema
    .createTable("km_project_quotas")
    .addColumn("project_id", "varchar(255)", (column) => column.primaryKey())
    .addColumn("secrets", "integer")
    .addColumn("orders", "integer")
    .addColumn("containers", "integer")
    .addColumn("consumers", "integer")
    .addColumn("cas", "integer")
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();
}

async function createStoreTables(db: Kysely<unknown>, types: ColumnTypes) {
  await db.schema
    .createTable("km_secret_stores")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("name", "varchar(255)", (column) => column.notNull().unique())
    .addColumn("store_plugin", "varchar(255)", (column) => column.notNull())
    .addColumn("crypto_plugin", "varchar(255)")
    .addColumn("global_default", "boolean", (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("km_project_secret_stores")
    .addColumn("project_id", "varchar(255)", (column) => column.primaryKey())
    .addColumn("secret_store_id", sql.raw(types.id), (column) =>
      column.notNull().references("km_secret_stores.id").onDelete("cascade"),
    )
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("km_transport_keys")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("plugin_name", "varchar(255)", (column) => column.notNull())
    .addColumn("transport_key", sql.raw(types.text), (column) => column.notNull())
    .addColumn("status", "varchar(20)", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("updated_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("deleted", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("deleted_at", sql.raw(types.timestamp))
    .execute();

  await db.schema
    .createTable("km_hsm_project_keys")
    .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
    .addColumn("project_id", "varchar(255)", (column) => column.notNull())
    .addColumn("version", "integer", (column) => column.notNull())
    .addColumn("mkek_label", "varchar(255)", (column) => column.notNull())
    .addColumn("wrapped_key", sql.raw(types.binary), (column) => column.notNull())
    .addColumn("hmac", sql.raw(types.binary), (column) => column.notNull())
    .addColumn("active", "boolean", (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("km_hsm_project_keys_version_uq", ["project_id", "version"])
    .execute();
}
