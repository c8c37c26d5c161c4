/**
 * Tables of the RCA database, as kysely sees them. Timestamps are fixed-width ISO-8601 UTC text,
 * JSON columns hold serialised objects, and booleans may come back as 0/1 (read them with
 * `toBoolean`).
 */
export interface RcaDatabase {
  rca_templates: TemplateRow;
  rca_webhooks: WebhookRow;
  rca_active_actions: ActiveActionRow;
  rca_alarms: AlarmRow;
  rca_edges: EdgeRow;
  rca_changes: ChangeRow;
  rca_graph_snapshots: GraphSnapshotRow;
}

export interface TemplateRow {
  id: string;
  name: string;
  status: string;
  status_details: string | null;
  template_type: string | null;
  file_content: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookRow {
  id: string;
  project_id: string;
  is_admin_webhook: boolean | number;
  url: string;
  headers: string | null;
  regex_filter: string | null;
  created_at: string;
}

export interface ActiveActionRow {
  action_id: string;
  trigger_id: string;
  action_type: string;
  source_vertex_id: string | null;
  target_vertex_id: string | null;
  score: number;
  extra_info: string | null;
  created_at: string;
}

export interface AlarmRow {
  vitrage_id: string;
  start_timestamp: string;
  end_timestamp: string;
  name: string;
  vitrage_type: string;
  vitrage_aggregated_severity: string;
  vitrage_operational_severity: string;
  project_id: string | null;
  vitrage_resource_type: string | null;
  vitrage_resource_id: string | null;
  vitrage_resource_project_id: string | null;
  payload: string;
}

export interface EdgeRow {
  source_id: string;
  target_id: string;
  label: string;
  start_timestamp: string;
  end_timestamp: string;
  payload: string;
}

export interface ChangeRow {
  id: string;
  vitrage_id: string;
  timestamp: string;
  severity: string;
  payload: string;
}

export interface GraphSnapshotRow {
  id: string;
  snapshot: string;
  created_at: string;
}

/** End timestamp of an alarm or causal edge that is still active. */
export const ACTIVE_END_TIMESTAMP = "9999-12-31T23:59:59.999Z";

/** Columns of the alarm history that alarm lists may sort and filter on. */
export const ALARM_COLUMNS = [
  "vitrage_id",
  "start_timestamp",
  "end_timestamp",
  "name",
  "vitrage_type",
  "vitrage_aggregated_severity",
  "vitrage_operational_severity",
  "project_id",
  "vitrage_resource_type",
  "vitrage_resource_id",
  "vitrage_resource_project_id",
  "payload",
] as const;

export type AlarmColumn = (typeof ALARM_COLUMNS)[number];

/** Reads a JSON column, tolerating drivers that already parsed it. */
export function readJson<T>(value: unknown): T {
  if (typeof value === "string") {
    return JSON.parse(value) as T;
  }
  return value as T;
}
