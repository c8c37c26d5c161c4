import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { rcaErrors } from "../../errors.js";
import { EntityCategory, type EntityGraphReader } from "../../graph/graph-types.js";
import type {
  AlarmHistoryRepo,
  AlarmQuery,
  SortDirection,
} from "../../storage/alarm-history-repo.js";
import { ALARM_COLUMNS, type AlarmColumn } from "../../storage/storage-types.js";
import { asList, enforce, parseFlag } from "../policy.js";
import { tenantContext } from "../tenant-context.js";
import { renderAlarm } from "./alarm-render.js";

type AlarmParams = Record<string, unknown>;

export interface AlarmRouteDependencies {
  graph: Pick<EntityGraphReader, "getVertex">;
  history: Pick<AlarmHistoryRepo, "list" | "countActive">;
  policy: Pick<PolicyEnforcer, "enforce">;
}

/**
 * `GET /v1/alarm` (active alarms), `/v1/alarm/history` (ended ones too), `/v1/alarm/count` and
 * `/v1/alarm/{vitrage_id}`. Lists and counts come from the alarm history in SQL; show reads the
 * alarm from the entity graph, as upstream does.
 */
export function registerAlarmRoutes(app: FastifyInstance, dependencies: AlarmRouteDependencies) {
  const { graph, history, policy } = dependencies;

  app.get<{ Querystring: AlarmParams }>("/v1/alarm", async (request) => {
    return listAlarms(request, request.query, true, "list alarms");
  });

  app.get<{ Querystring: AlarmParams }>("/v1/alarm/history", async (request) => {
    return listAlarms(request, request.query, false, "list alarms history");
  });

  app.get<{ Querystring: AlarmParams }>("/v1/alarm/count", async (request) => {
    const allTenants = parseFlag(request.query.all_tenants);
    enforce(policy, request, allTenants ? "get alarms count:all_tenants" : "get alarms count");
    const tenant = tenantContext(request.auth);
    const now = new Date().toISOString();
    if (allTenants) {
      return history.countActive(now, undefined, false);
    }
    return history.countActive(now, tenant.projectId ?? "", tenant.isAdmin);
  });

  app.get<{ Params: { vitrageId: string } }>("/v1/alarm/:vitrageId", async (request) => {
    enforce(policy, request, "get alarm");
    const tenant = tenantContext(request.auth);
    const alarm = graph.getVertex(request.params.vitrageId);
    if (alarm === undefined || alarm.vitrage_category !== EntityCategory.ALARM) {
      throw rcaErrors.create("ALARM_SHOW_FAILED");
    }
    if (!tenant.isAdmin && tenant.projectId !== (alarm.project_id ?? null)) {
      throw rcaErrors.create("ALARM_SHOW_FAILED");
    }
    return alarm;
  });

  async function listAlarms(
    request: FastifyRequest,
    params: AlarmParams,
    onlyActive: boolean,
    rule: string,
  ) {
    const allTenants = parseFlag(params.all_tenants);
    enforce(policy, request, allTenants ? `${rule}:all_tenants` : rule);
    const tenant = tenantContext(request.auth);
    const query = parseAlarmQuery(params, onlyActive);
    const vitrageId = typeof params.vitrage_id === "string" ? params.vitrage_id : "all";
    const byResource = vitrageId !== "all" && vitrageId !== "";
    if (byResource) {
      query.filters.push({ column: "vitrage_resource_id", values: [vitrageId] });
    }
    // Upstream skips the project rule when a resource is named, for every caller, which lists
    // the alarms of any project's resource. Here only an admin, who may list all tenants
    // anyway, skips it.
    if (!allTenants && !(byResource && tenant.isAdmin)) {
      query.projectId = tenant.projectId ?? "no-project";
      query.isAdminProject = tenant.isAdmin;
    }
    const alarms = await history.list(query, new Date().toISOString());
    return alarms.map(renderAlarm);
  }
}

/** Reads the list parameters with upstream's defaults and checks, as 400 errors. */
export function parseAlarmQuery(params: AlarmParams, onlyActive: boolean): AlarmQuery {
  const start = parseTime(params.start, "start");
  const end = parseTime(params.end, "end");
  if (onlyActive && (start !== undefined || end !== undefined)) {
    throw invalid("'only_active_alarms' can't be used with 'start' or 'end' ");
  }
  if (end !== undefined && start === undefined) {
    throw invalid("'end' can't be used without 'start'");
  }

  const sortBy = asList(params.sort_by);
  const sortDirs = asList(params.sort_dirs);
  const filterBy = asList(params.filter_by);
  const filterVals = asList(params.filter_vals);
  if ((filterBy.length === 0) !== (filterVals.length === 0)) {
    throw invalid("Cannot perform filtering, one of filter_by or filter_vals are missing");
  }
  if (filterBy.length !== filterVals.length) {
    throw invalid("Cannot perform filtering, len of 'filter_by' and 'filter_vals' differs");
  }
  for (const direction of sortDirs) {
    if (direction !== "asc" && direction !== "desc") {
      throw invalid(`Unknown sort direction ${direction}`);
    }
  }

  const limit = params.limit === undefined ? 10000 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    throw invalid(`limit must be a whole number, not ${String(params.limit)}`);
  }

  const columns =
    sortBy.length > 0 ? sortBy.map(column) : (["start_timestamp", "vitrage_id"] as AlarmColumn[]);
  const directions = columns.map((_, index) => (sortDirs[index] ?? "asc") as SortDirection);
  return {
    onlyActive,
    start,
    end,
    limit,
    sortBy: columns,
    sortDirs: directions,
    filters: filterBy.map((name, index) => ({
      column: column(name),
      values: [filterVals[index] ?? ""],
    })),
    nextPage: String(params.next_page ?? "true").toLowerCase() !== "false",
    marker: typeof params.marker === "string" && params.marker !== "" ? params.marker : undefined,
    isAdminProject: false,
  };
}

function column(name: string): AlarmColumn {
  if (!(ALARM_COLUMNS as readonly string[]).includes(name)) {
    throw invalid(`Unknown alarm field ${name}`);
  }
  return name as AlarmColumn;
}

function parseTime(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  const text = String(value);
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const parsed = Date.parse(zoned.replace(" ", "T"));
  if (Number.isNaN(parsed)) {
    throw invalid(`${name} is not a valid time: ${text}`);
  }
  return new Date(parsed).toISOString();
}

function invalid(reason: string) {
  return rcaErrors.create("ALARM_INVALID_ARGUMENT", { reason });
}
