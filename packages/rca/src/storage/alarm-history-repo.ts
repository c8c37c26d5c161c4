import { randomUUID } from "node:crypto";
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from "kysely";
import {
  ACTIVE_END_TIMESTAMP,
  type AlarmColumn,
  type AlarmRow,
  type EdgeRow,
  type RcaDatabase,
  readJson,
} from "./storage-types.js";

/** An alarm as the history stores it when it becomes active or changes. */
export interface AlarmRecord {
  vitrageId: string;
  name: string;
  vitrageType: string;
  aggregatedSeverity: string;
  operationalSeverity: string;
  projectId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  resourceProjectId: string | null;
  /** Every vertex property of the alarm, returned by alarm lists. */
  payload: Record<string, unknown>;
}

/** An alarm read back from the history. */
export interface StoredAlarm extends AlarmRecord {
  startTimestamp: string;
  endTimestamp: string;
  active: boolean;
}

/** A causal (or other) edge between two alarms. */
export interface StoredEdge {
  sourceId: string;
  targetId: string;
  label: string;
  startTimestamp: string;
  endTimestamp: string;
  payload: Record<string, unknown>;
}

export type SortDirection = "asc" | "desc";

/** Filters, order and page of an alarm list, with upstream's semantics. */
export interface AlarmQuery {
  /** Only alarms whose end lies in the future. */
  onlyActive: boolean;
  /** Time frame: alarms active at some moment between start and end (or after start). */
  start?: string | undefined;
  end?: string | undefined;
  /** Maximum rows; 0 returns every match. */
  limit: number;
  sortBy: AlarmColumn[];
  sortDirs: SortDirection[];
  /** Each column matches when it contains one of its values (SQL LIKE '%value%'). */
  filters: { column: AlarmColumn; values: string[] }[];
  nextPage: boolean;
  /** vitrage_id of the row a page starts after (or, for a previous page, before). */
  marker?: string | undefined;
  /** Restricts to a project's alarms; absent means every project. */
  projectId?: string | undefined;
  isAdminProject: boolean;
}

/** Upstream's cap on one page of alarms. */
export const MAX_ALARM_PAGE = 10000;

type Builder = ExpressionBuilder<RcaDatabase, "rca_alarms">;

/**
 * Stores the alarm history, causal edges and alarm changes, and answers alarm lists, counts and
 * root-cause walks from them.
 */
export class AlarmHistoryRepo {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  /** Records an alarm that became active; an alarm that had ended starts a new period. */
  async activate(alarm: AlarmRecord, at: string): Promise<void> {
    const existing = await this.#db
      .selectFrom("rca_alarms")
      .select(["vitrage_id", "end_timestamp"])
      .where("vitrage_id", "=", alarm.vitrageId)
      .executeTakeFirst();
    const columns = alarmColumns(alarm);
    if (existing === undefined) {
      await this.#db
        .insertInto("rca_alarms")
        .values({
          ...columns,
          vitrage_id: alarm.vitrageId,
          start_timestamp: at,
          end_timestamp: ACTIVE_END_TIMESTAMP,
        })
        .execute();
    } else {
      const restart = existing.end_timestamp <= at ? { start_timestamp: at } : {};
      await this.#db
        .updateTable("rca_alarms")
        .set({ ...columns, ...restart, end_timestamp: ACTIVE_END_TIMESTAMP })
        .where("vitrage_id", "=", alarm.vitrageId)
        .execute();
    }
    await this.#addChange(alarm.vitrageId, at, alarm.operationalSeverity, alarm.payload);
  }

  /** Updates an active alarm's properties (a severity change, a new project) and logs the change. */
  async change(alarm: AlarmRecord, at: string): Promise<void> {
    const result = await this.#db
      .updateTable("rca_alarms")
      .set(alarmColumns(alarm))
      .where("vitrage_id", "=", alarm.vitrageId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      await this.activate(alarm, at);
      return;
    }
    await this.#addChange(alarm.vitrageId, at, alarm.operationalSeverity, alarm.payload);
  }

  /** Ends an alarm and every causal edge that touches it. */
  async deactivate(vitrageId: string, at: string): Promise<void> {
    await this.#db
      .updateTable("rca_alarms")
      .set({ end_timestamp: at })
      .where("vitrage_id", "=", vitrageId)
      .where("end_timestamp", ">", at)
      .execute();
    await this.#db
      .updateTable("rca_edges")
      .set({ end_timestamp: at })
      .where((eb) => eb.or([eb("source_id", "=", vitrageId), eb("target_id", "=", vitrageId)]))
      .where("end_timestamp", ">", at)
      .execute();
    await this.#addChange(vitrageId, at, "OK", { vitrage_id: vitrageId, ended: true });
  }

  /** Ends every active alarm and edge, used when the graph starts empty. */
  async endAll(at: string): Promise<void> {
    await this.#db
      .updateTable("rca_alarms")
      .set({ end_timestamp: at })
      .where("end_timestamp", ">", at)
      .execute();
    await this.#db
      .updateTable("rca_edges")
      .set({ end_timestamp: at })
      .where("end_timestamp", ">", at)
      .execute();
  }

  /** Records an edge between two alarms as active. */
  async activateEdge(edge: Omit<StoredEdge, "startTimestamp" | "endTimestamp">, at: string) {
    const key = { source_id: edge.sourceId, target_id: edge.targetId, label: edge.label };
    const existing = await this.#db
      .selectFrom("rca_edges")
      .select("end_timestamp")
      .where("source_id", "=", key.source_id)
      .where("target_id", "=", key.target_id)
      .where("label", "=", key.label)
      .executeTakeFirst();
    const payload = JSON.stringify(edge.payload);
    if (existing === undefined) {
      await this.#db
        .insertInto("rca_edges")
        .values({ ...key, payload, start_timestamp: at, end_timestamp: ACTIVE_END_TIMESTAMP })
        .execute();
      return;
    }
    const restart = existing.end_timestamp <= at ? { start_timestamp: at } : {};
    await this.#db
      .updateTable("rca_edges")
      .set({ ...restart, payload, end_timestamp: ACTIVE_END_TIMESTAMP })
      .where("source_id", "=", key.source_id)
      .where("target_id", "=", key.target_id)
      .where("label", "=", key.label)
      .execute();
  }

  /** Ends an edge between two alarms. */
  async deactivateEdge(sourceId: string, targetId: string, label: string, at: string) {
    await this.#db
      .updateTable("rca_edges")
      .set({ end_timestamp: at })
      .where("source_id", "=", sourceId)
      .where("target_id", "=", targetId)
      .where("label", "=", label)
      .where("end_timestamp", ">", at)
      .execute();
  }

  /** Returns one stored alarm, active or not. */
  async get(vitrageId: string): Promise<StoredAlarm | undefined> {
    const row = await this.#db
      .selectFrom("rca_alarms")
      .selectAll()
      .where("vitrage_id", "=", vitrageId)
      .executeTakeFirst();
    return row === undefined ? undefined : toStoredAlarm(row, new Date().toISOString());
  }

  /** Lists alarms with upstream's filters, order and keyset pages. */
  async list(query: AlarmQuery, now: string): Promise<StoredAlarm[]> {
    const sortBy = [...query.sortBy];
    const sortDirs = [...query.sortDirs];
    if (!sortBy.includes("vitrage_id")) {
      sortBy.push("vitrage_id");
      sortDirs.push("asc");
    }
    const limit = query.limit === 0 ? 0 : Math.min(query.limit, MAX_ALARM_PAGE);

    let marker = await this.#markerRow(query.marker);
    if (marker !== undefined && !query.nextPage && limit > 0) {
      marker = await this.#previousPageMarker(query, now, sortBy, sortDirs, limit, marker);
    }
    const rows = await this.#select(query, now, sortBy, sortDirs, limit, marker);
    return rows.map((row) => toStoredAlarm(row, now));
  }

  /** Counts active alarms by operational severity. */
  async countActive(
    now: string,
    projectId: string | undefined,
    isAdminProject: boolean,
  ): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom("rca_alarms")
      .select(["vitrage_operational_severity as severity", (eb) => eb.fn.countAll().as("count")])
      .where("end_timestamp", ">", now)
      .where((eb) => projectCondition(eb, projectId, isAdminProject))
      .groupBy("vitrage_operational_severity")
      .execute();
    const counts: Record<string, number> = { SEVERE: 0, CRITICAL: 0, WARNING: 0, OK: 0, "N/A": 0 };
    for (const row of rows) {
      if (row.severity in counts) {
        counts[row.severity] = Number(row.count);
      }
    }
    return counts;
  }

  /**
   * Walks `causes` edges from an alarm in both directions and returns every alarm reached (the
   * requested one included) with the edges walked. Edges to alarms of other projects are skipped
   * unless no project is given. For a project that is not an admin's, an alarm outside the
   * project returns nothing (upstream returns it, with every field).
   */
  async rca(
    alarmId: string,
    projectId: string | undefined,
    isAdminProject: boolean,
  ): Promise<{ alarms: StoredAlarm[]; edges: StoredEdge[] }> {
    if (projectId !== undefined && !isAdminProject) {
      const visible = await this.#db
        .selectFrom("rca_alarms")
        .select("vitrage_id")
        .where("vitrage_id", "=", alarmId)
        .where((eb) => projectCondition(eb, projectId, false))
        .executeTakeFirst();
      if (visible === undefined) {
        return { alarms: [], edges: [] };
      }
    }
    const forward = await this.#walk(alarmId, "source_id", projectId, isAdminProject);
    const backward = await this.#walk(alarmId, "target_id", projectId, isAdminProject);
    const ids = new Set([alarmId, ...forward.ids, ...backward.ids]);
    const now = new Date().toISOString();
    const rows = await this.#db
      .selectFrom("rca_alarms")
      .selectAll()
      .where("vitrage_id", "in", [...ids])
      .orderBy("start_timestamp")
      .orderBy("vitrage_id")
      .execute();
    return {
      alarms: rows.map((row) => toStoredAlarm(row, now)),
      edges: [...forward.edges, ...backward.edges],
    };
  }

  /** Deletes alarms and edges that ended before a time, and their changes. */
  async purgeEndedBefore(before: string): Promise<number> {
    const ended = await this.#db
      .selectFrom("rca_alarms")
      .select("vitrage_id")
      .where("end_timestamp", "<", before)
      .execute();
    const ids = ended.map((row) => row.vitrage_id);
    for (let index = 0; index < ids.length; index += 500) {
      const chunk = ids.slice(index, index + 500);
      await this.#db.deleteFrom("rca_changes").where("vitrage_id", "in", chunk).execute();
      await this.#db.deleteFrom("rca_alarms").where("vitrage_id", "in", chunk).execute();
    }
    await this.#db.deleteFrom("rca_edges").where("end_timestamp", "<", before).execute();
    return ids.length;
  }

  async #walk(
    alarmId: string,
    from: "source_id" | "target_id",
    projectId: string | undefined,
    isAdminProject: boolean,
  ) {
    const to = from === "source_id" ? "target_id" : "source_id";
    const seen = new Set<string>([alarmId]);
    const edges: StoredEdge[] = [];
    let frontier = [alarmId];
    while (frontier.length > 0) {
      const rows = await this.#db
        .selectFrom("rca_edges")
        .innerJoin("rca_alarms", `rca_alarms.vitrage_id`, `rca_edges.${to}`)
        .selectAll("rca_edges")
        .where(`rca_edges.${from}`, "in", frontier)
        .where("rca_edges.label", "=", "causes")
        .where((eb) => projectCondition(eb as unknown as Builder, projectId, isAdminProject))
        .execute();
      const next: string[] = [];
      for (const row of rows) {
        edges.push(toStoredEdge(row));
        const reached = row[to];
        if (!seen.has(reached)) {
          seen.add(reached);
          next.push(reached);
        }
      }
      frontier = next;
    }
    seen.delete(alarmId);
    return { ids: [...seen], edges };
  }

  async #markerRow(marker: string | undefined): Promise<AlarmRow | undefined> {
    if (marker === undefined || marker === "") {
      return undefined;
    }
    return this.#db
      .selectFrom("rca_alarms")
      .selectAll()
      .where("vitrage_id", "=", marker)
      .executeTakeFirst();
  }

  async #previousPageMarker(
    query: AlarmQuery,
    now: string,
    sortBy: AlarmColumn[],
    sortDirs: SortDirection[],
    limit: number,
    marker: AlarmRow,
  ): Promise<AlarmRow | undefined> {
    const reversed = sortDirs.map((direction) => (direction === "asc" ? "desc" : "asc"));
    const rows = await this.#select(query, now, sortBy, reversed, limit + 1, marker);
    return rows.length < limit + 1 ? undefined : rows[rows.length - 1];
  }

  #select(
    query: AlarmQuery,
    now: string,
    sortBy: AlarmColumn[],
    sortDirs: SortDirection[],
    limit: number,
    marker: AlarmRow | undefined,
  ): Promise<AlarmRow[]> {
    let builder = this.#db
      .selectFrom("rca_alarms")
      .selectAll()
      .where((eb) => projectCondition(eb, query.projectId, query.isAdminProject));
    if (query.onlyActive) {
      builder = builder.where("end_timestamp", ">", now);
    } else if (query.start !== undefined) {
      builder = builder.where((eb) => timeFrameCondition(eb, query.start as string, query.end));
    }
    for (const filter of query.filters) {
      builder = builder.where((eb) =>
        eb.or(filter.values.map((value) => eb(filter.column, "like", `%${value}%`))),
      );
    }
    if (marker !== undefined) {
      builder = builder.where((eb) => afterMarker(eb, marker, sortBy, sortDirs));
    }
    sortBy.forEach((column, index) => {
      builder = builder.orderBy(column, sortDirs[index] ?? "asc");
    });
    if (limit > 0) {
      builder = builder.limit(limit);
    }
    return builder.execute();
  }

  async #addChange(
    vitrageId: string,
    at: string,
    severity: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.#db
      .insertInto("rca_changes")
      .values({
        id: randomUUID(),
        vitrage_id: vitrageId,
        timestamp: at,
        severity: fit(severity, 64),
        payload: JSON.stringify(payload),
      })
      .execute();
  }
}

/**
 * The alarm's columns, each cut to its column width, because PostgreSQL and MySQL reject longer
 * text and the alarm would be missing from the history. The payload keeps the full values, and
 * lists return the payload.
 */
function alarmColumns(alarm: AlarmRecord) {
  return {
    name: fit(alarm.name, 255),
    vitrage_type: fit(alarm.vitrageType, 64),
    vitrage_aggregated_severity: fit(alarm.aggregatedSeverity, 64),
    vitrage_operational_severity: fit(alarm.operationalSeverity, 64),
    project_id: fitOrNull(alarm.projectId, 128),
    vitrage_resource_type: fitOrNull(alarm.resourceType, 128),
    vitrage_resource_id: fitOrNull(alarm.resourceId, 128),
    vitrage_resource_project_id: fitOrNull(alarm.resourceProjectId, 128),
    payload: JSON.stringify(alarm.payload),
  };
}

/** Cuts text to at most `width` characters (the column's varchar width). */
function fit(text: string, width: number): string {
  return text.length > width ? text.slice(0, width) : text;
}

function fitOrNull(text: string | null, width: number): string | null {
  return text === null ? null : fit(text, width);
}

/**
 * Upstream's tenant rule: a project sees alarms of its own or on its resources; an admin project
 * also sees alarms with no project on resources with no project.
 */
function projectCondition(
  eb: Builder,
  projectId: string | undefined,
  isAdminProject: boolean,
): Expression<SqlBool> {
  if (projectId === undefined) {
    return sql<SqlBool>`1 = 1`;
  }
  const own = eb.or([
    eb("rca_alarms.project_id", "=", projectId),
    eb("rca_alarms.vitrage_resource_project_id", "=", projectId),
  ]);
  if (!isAdminProject) {
    return own;
  }
  return eb.or([
    own,
    eb.and([
      eb.or([eb("rca_alarms.project_id", "=", projectId), eb("rca_alarms.project_id", "is", null)]),
      eb.or([
        eb("rca_alarms.vitrage_resource_project_id", "=", projectId),
        eb("rca_alarms.vitrage_resource_project_id", "is", null),
      ]),
    ]),
  ]);
}

function timeFrameCondition(eb: Builder, start: string, end: string | undefined) {
  if (end === undefined) {
    return eb("end_timestamp", ">=", start);
  }
  return eb.or([
    eb.and([eb("start_timestamp", ">=", start), eb("start_timestamp", "<=", end)]),
    eb.and([eb("end_timestamp", ">=", start), eb("end_timestamp", "<=", end)]),
    eb.and([eb("start_timestamp", "<=", start), eb("end_timestamp", ">=", end)]),
  ]);
}

/** Keyset condition: rows strictly after the marker in the given order. */
function afterMarker(
  eb: Builder,
  marker: AlarmRow,
  sortBy: AlarmColumn[],
  sortDirs: SortDirection[],
): Expression<SqlBool> {
  const branches = sortBy.map((column, index) => {
    const equalities = sortBy
      .slice(0, index)
      .map((previous) => eb(previous, "=", marker[previous] as string));
    const operator = sortDirs[index] === "desc" ? "<" : ">";
    return eb.and([...equalities, eb(column, operator, marker[column] as string)]);
  });
  return eb.or(branches);
}

function toStoredAlarm(row: AlarmRow, now: string): StoredAlarm {
  return {
    vitrageId: row.vitrage_id,
    name: row.name,
    vitrageType: row.vitrage_type,
    aggregatedSeverity: row.vitrage_aggregated_severity,
    operationalSeverity: row.vitrage_operational_severity,
    projectId: row.project_id,
    resourceType: row.vitrage_resource_type,
    resourceId: row.vitrage_resource_id,
    resourceProjectId: row.vitrage_resource_project_id,
    payload: readJson<Record<string, unknown>>(row.payload),
    startTimestamp: row.start_timestamp,
    endTimestamp: row.end_timestamp,
    active: row.end_timestamp > now,
  };
}

function toStoredEdge(row: EdgeRow): StoredEdge {
  return {
    sourceId: row.source_id,
    targetId: row.target_id,
    label: row.label,
    startTimestamp: row.start_timestamp,
    endTimestamp: row.end_timestamp,
    payload: readJson<Record<string, unknown>>(row.payload),
  };
}
