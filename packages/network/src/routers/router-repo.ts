import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import { groupBy } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { RouterTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";
import type { Route } from "./router-types.js";

/** A router row with its booleans normalized. */
export type RouterRow = RouterTable;

export const routerListSpec: ListSpec = {
  table: "net_routers",
  columns: {
    id: { column: "net_routers.id" },
    name: { column: "net_routers.name" },
    admin_state_up: { column: "net_routers.admin_state_up" },
    status: { column: "net_routers.status" },
    project_id: { column: "net_routers.project_id" },
    description: { column: "net_routers.description" },
    revision_number: { column: "net_routers.revision_number" },
  },
  custom: tagFilters("routers", "net_routers"),
};

/** Routers a project may read: its own. Admins read every router. */
export function routerVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`net_routers.project_id = ${context.projectId ?? ""}`;
}

export async function insertRouter(executor: Executor, row: RouterRow): Promise<void> {
  await executor.insertInto("net_routers").values(row).execute();
}

export async function findRouter(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<RouterRow | undefined> {
  let query = executor.selectFrom("net_routers").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizeRouter(row);
}

export async function listRouterRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<RouterRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_routers").selectAll("net_routers"),
    parts,
    visibility,
  );
  return rows.map(normalizeRouter);
}

/** Changes columns and raises the revision. An empty change only raises the revision. */
export async function updateRouterRow(
  executor: Executor,
  id: string,
  changes: Partial<RouterRow>,
  updatedAt: string,
): Promise<void> {
  await executor
    .updateTable("net_routers")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

export async function deleteRouterRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom("net_routers").where("id", "=", id).execute();
}

/** Lists the ports of a router with their type and network, oldest first. */
export async function routerPorts(executor: Executor, routerId: string) {
  return executor
    .selectFrom("net_router_ports")
    .innerJoin("net_ports", "net_ports.id", "net_router_ports.port_id")
    .select([
      "net_router_ports.port_id",
      "net_router_ports.port_type",
      "net_ports.network_id",
      "net_ports.device_owner",
    ])
    .where("net_router_ports.router_id", "=", routerId)
    .orderBy("net_ports.created_at")
    .orderBy("net_ports.id")
    .execute();
}

export async function insertRouterPort(
  executor: Executor,
  routerId: string,
  portId: string,
  portType: string,
): Promise<void> {
  await executor
    .insertInto("net_router_ports")
    .values({ router_id: routerId, port_id: portId, port_type: portType })
    .execute();
}

/** Extra routes of several routers, sorted by destination and next hop. */
export async function routesByRouter(
  executor: Executor,
  routerIds: readonly string[],
): Promise<Map<string, Route[]>> {
  if (routerIds.length === 0) {
    return new Map();
  }
  const rows = await executor
    .selectFrom("net_router_routes")
    .select(["router_id", "destination", "nexthop"])
    .where("router_id", "in", [...routerIds])
    .orderBy("destination")
    .orderBy("nexthop")
    .execute();
  const grouped = groupBy(rows, (row) => row.router_id);
  return new Map(
    [...grouped].map(([id, routes]) => [
      id,
      routes.map((route) => ({ destination: route.destination, nexthop: route.nexthop })),
    ]),
  );
}

export async function writeRoutes(
  executor: Executor,
  routerId: string,
  routes: Route[],
): Promise<void> {
  await executor.deleteFrom("net_router_routes").where("router_id", "=", routerId).execute();
  const unique = new Map(routes.map((route) => [`${route.destination} ${route.nexthop}`, route]));
  if (unique.size > 0) {
    await executor
      .insertInto("net_router_routes")
      .values([...unique.values()].map((route) => ({ router_id: routerId, ...route })))
      .execute();
  }
}

function normalizeRouter(row: RouterTable): RouterRow {
  return {
    ...row,
    admin_state_up: toBoolean(row.admin_state_up),
    enable_snat: toBoolean(row.enable_snat),
    revision_number: Number(row.revision_number),
  };
}
