import { columnTypes, type SqlDialect } from "@openstack-ts/kernel";
import { type Kysely, type Migration, sql } from "kysely";

/**
 * The RCA schema. Tables carry an `rca_` prefix so the service can share a database with the
 * others. Alarm history, causal edges and alarm changes follow upstream Vitrage's `alarms`,
 * `edges` and `changes` tables; an alarm is active while its `end_timestamp` is the far-future
 * value `ACTIVE_END_TIMESTAMP`.
 */
export function rcaMigrations(dialect: SqlDialect): Record<string, Migration> {
  const types = columnTypes(dialect);
  const id = sql.raw(types.id);
  const timestamp = sql.raw(types.timestamp);
  const json = sql.raw(types.json);
  const text = sql.raw(types.text);

  return {
    "0001_rca_initial": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("rca_templates")
          .addColumn("id", id, (column) => column.primaryKey())
          .addColumn("name", "varchar(255)", (column) => column.notNull())
          .addColumn("status", "varchar(16)", (column) => column.notNull())
          .addColumn("status_details", text)
          .addColumn("template_type", "varchar(64)")
          .addColumn("file_content", json, (column) => column.notNull())
          .addColumn("created_at", timestamp, (column) => column.notNull())
          .addColumn("updated_at", timestamp, (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex("rca_templates_name")
          .on("rca_templates")
          .column("name")
          .execute();

        await db.schema
          .createTable("rca_webhooks")
          .addColumn("id", id, (column) => column.primaryKey())
          .addColumn("project_id", "varchar(128)", (column) => column.notNull())
          .addColumn("is_admin_webhook", "boolean", (column) => column.notNull())
          .addColumn("url", text, (column) => column.notNull())
          .addColumn("headers", text)
          .addColumn("regex_filter", text)
          .addColumn("created_at", timestamp, (column) => column.notNull())
          .execute();

        await db.schema
          .createTable("rca_active_actions")
          .addColumn("action_id", "varchar(128)", (column) => column.notNull())
          .addColumn("trigger_id", "varchar(128)", (column) => column.notNull())
          .addColumn("action_type", "varchar(64)", (column) => column.notNull())
          .addColumn("source_vertex_id", "varchar(128)")
          .addColumn("target_vertex_id", "varchar(128)")
          .addColumn("score", "integer", (column) => column.notNull())
          .addColumn("extra_info", json)
          .addColumn("created_at", timestamp, (column) => column.notNull())
          .addPrimaryKeyConstraint("rca_active_actions_pk", ["action_id", "trigger_id"])
          .execute();

        await db.schema
          .createTable("rca_alarms")
          .addColumn("vitrage_id", "varchar(128)", (column) => column.primaryKey())
          .addColumn("start_timestamp", timestamp, (column) => column.notNull())
          .addColumn("end_timestamp", timestamp, (column) => column.notNull())
          .addColumn("name", "varchar(255)", (column) => column.notNull())
          .addColumn("vitrage_type", "varchar(64)", (column) => column.notNull())
          .addColumn("vitrage_aggregated_severity", "varchar(64)", (column) => column.notNull())
          .addColumn("vitrage_operational_severity", "varchar(64)", (column) => column.notNull())
          .addColumn("project_id", "varchar(128)")
          .addColumn("vitrage_resource_type", "varchar(128)")
          .addColumn("vitrage_resource_id", "varchar(128)")
          .addColumn("vitrage_resource_project_id", "varchar(128)")
          .addColumn("payload", json, (column) => column.notNull())
          .execute();
        for (const column of ["end_timestamp", "start_timestamp", "project_id"]) {
          await db.schema
            .createIndex(`rca_alarms_${column}`)
            .on("rca_alarms")
            .column(column)
            .execute();
        }

        await db.schema
          .createTable("rca_edges")
          .addColumn("source_id", "varchar(128)", (column) => column.notNull())
          .addColumn("target_id", "varchar(128)", (column) => column.notNull())
          .addColumn("label", "varchar(64)", (column) => column.notNull())
          .addColumn("start_timestamp", timestamp, (column) => column.notNull())
          .addColumn("end_timestamp", timestamp, (column) => column.notNull())
          .addColumn("payload", json, (column) => column.notNull())
          .addPrimaryKeyConstraint("rca_edges_pk", ["source_id", "target_id", "label"])
          .execute();
        await db.schema
          .createIndex("rca_edges_target")
          .on("rca_edges")
          .column("target_id")
          .execute();

        await db.schema
          .createTable("rca_changes")
          .addColumn("id", id, (column) => column.primaryKey())
          .addColumn("vitrage_id", "varchar(128)", (column) => column.notNull())
          .addColumn("timestamp", timestamp, (column) => column.notNull())
          .addColumn("severity", "varchar(64)", (column) => column.notNull())
          .addColumn("payload", json, (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex("rca_changes_vitrage_id")
          .on("rca_changes")
          .column("vitrage_id")
          .execute();

        await db.schema
          .createTable("rca_graph_snapshots")
          .addColumn("id", "varchar(64)", (column) => column.primaryKey())
          .addColumn("snapshot", json, (column) => column.notNull())
          .addColumn("created_at", timestamp, (column) => column.notNull())
          .execute();
      },
    },
  };
}
