import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import { groupBy } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { SubnetTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";

export type SubnetRow = SubnetTable;

/** A subnet's allocation pool as stored. */
export interface PoolRow {
  first_ip: string;
  last_ip: string;
}

/** A subnet's host route. */
export interface RouteRow {
  destination: string;
  nexthop: string;
}

export const subnetListSpec: ListSpec = {
  table: "net_subnets",
  columns: {
    id: { column: "net_subnets.id" },
    name: { column: "net_subnets.name" },
    ip_version: { column: "net_subnets.ip_version" },
    network_id: { column: "net_subnets.network_id" },
    subnetpool_id: { column: "net_subnets.subnetpool_id", nullable: "text" },
    cidr: { column: "net_subnets.cidr" },
    gateway_ip: { column: "net_subnets.gateway_ip", nullable: "text" },
    project_id: { column: "net_subnets.project_id" },
    enable_dhcp: { column: "net_subnets.enable_dhcp" },
    ipv6_ra_mode: { column: "net_subnets.ipv6_ra_mode", nullable: "text" },
    ipv6_address_mode: { column: "net_subnets.ipv6_address_mode", nullable: "text" },
    description: { column: "net_subnets.description" },
    revision_number: { column: "net_subnets.revision_number" },
  },
  custom: {
    ...tagFilters("subnets", "net_subnets"),
    shared: (values) =>
      sql<SqlBool>`exists (select 1 from net_networks n where n.id = net_subnets.network_id and n.shared in (${sql.join(values)}))`,
  },
};

/** Returns the filter for the subnets a project may read: its own and those on shared networks. */
export function subnetVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`(net_subnets.project_id = ${context.projectId ?? ""} or exists (select 1 from net_networks n where n.id = net_subnets.network_id and n.shared = ${true}))`;
}

/** A subnet with its pools, name servers and routes, as it is written. */
export interface SubnetRecord {
  row: SubnetRow;
  pools: PoolRow[];
  dnsNameservers: string[];
  hostRoutes: RouteRow[];
}

export async function insertSubnet(executor: Executor, record: SubnetRecord): Promise<void> {
  await executor.insertInto("net_subnets").values(record.row).execute();
  await writePools(executor, record.row.id, record.pools);
  await writeNameservers(executor, record.row.id, record.dnsNameservers);
  await writeRoutes(executor, record.row.id, record.hostRoutes);
}

export async function writePools(executor: Executor, subnetId: string, pools: PoolRow[]) {
  await executor.deleteFrom("net_allocation_pools").where("subnet_id", "=", subnetId).execute();
  if (pools.length > 0) {
    await executor
      .insertInto("net_allocation_pools")
      .values(pools.map((pool, position) => ({ subnet_id: subnetId, position, ...pool })))
      .execute();
  }
}

export async function writeNameservers(executor: Executor, subnetId: string, addresses: string[]) {
  await executor.deleteFrom("net_dns_nameservers").where("subnet_id", "=", subnetId).execute();
  if (addresses.length > 0) {
    await executor
      .insertInto("net_dns_nameservers")
      .values(addresses.map((address, position) => ({ subnet_id: subnetId, position, address })))
      .execute();
  }
}

export async function writeRoutes(executor: Executor, subnetId: string, routes: RouteRow[]) {
  await executor.deleteFrom("net_host_routes").where("subnet_id", "=", subnetId).execute();
  if (routes.length > 0) {
    await executor
      .insertInto("net_host_routes")
      .values(routes.map((route, position) => ({ subnet_id: subnetId, position, ...route })))
      .execute();
  }
}

export async function findSubnet(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<SubnetRow | undefined> {
  let query = executor.selectFrom("net_subnets").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizeSubnet(row);
}

export async function listSubnetRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<SubnetRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_subnets").selectAll("net_subnets"),
    parts,
    visibility,
  );
  return rows.map(normalizeSubnet);
}

/** Returns every subnet of a network, oldest first. */
export async function subnetsOfNetwork(
  executor: Executor,
  networkId: string,
): Promise<SubnetRow[]> {
  const rows = await executor
    .selectFrom("net_subnets")
    .selectAll()
    .where("network_id", "=", networkId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(normalizeSubnet);
}

export async function poolsBySubnet(executor: Executor, ids: readonly string[]) {
  if (ids.length === 0) {
    return new Map<string, PoolRow[]>();
  }
  const rows = await executor
    .selectFrom("net_allocation_pools")
    .select(["subnet_id", "first_ip", "last_ip"])
    .where("subnet_id", "in", [...ids])
    .orderBy("subnet_id")
    .orderBy("position")
    .execute();
  return groupBy(rows, (row) => row.subnet_id);
}

export async function nameserversBySubnet(executor: Executor, ids: readonly string[]) {
  if (ids.length === 0) {
    return new Map<string, { address: string }[]>();
  }
  const rows = await executor
    .selectFrom("net_dns_nameservers")
    .select(["subnet_id", "address"])
    .where("subnet_id", "in", [...ids])
    .orderBy("subnet_id")
    .orderBy("position")
    .execute();
  return groupBy(rows, (row) => row.subnet_id);
}

export async function routesBySubnet(executor: Executor, ids: readonly string[]) {
  if (ids.length === 0) {
    return new Map<string, RouteRow[]>();
  }
  const rows = await executor
    .selectFrom("net_host_routes")
    .select(["subnet_id", "destination", "nexthop"])
    .where("subnet_id", "in", [...ids])
    .orderBy("subnet_id")
    .orderBy("position")
    .execute();
  return groupBy(rows, (row) => row.subnet_id);
}

export async function updateSubnetRow(
  executor: Executor,
  id: string,
  changes: Partial<SubnetRow>,
  updatedAt: string,
): Promise<void> {
  await executor
    .updateTable("net_subnets")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

export async function deleteSubnetRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom("net_subnets").where("id", "=", id).execute();
}

/** Addresses allocated on a subnet, with the owner of each port. */
export async function allocationsOnSubnet(executor: Executor, subnetId: string) {
  return executor
    .selectFrom("net_ip_allocations")
    .innerJoin("net_ports", "net_ports.id", "net_ip_allocations.port_id")
    .select([
      "net_ip_allocations.port_id",
      "net_ip_allocations.ip_address",
      "net_ports.device_owner",
    ])
    .where("net_ip_allocations.subnet_id", "=", subnetId)
    .execute();
}

export async function deleteAllocationsOfSubnet(executor: Executor, subnetId: string) {
  await executor.deleteFrom("net_ip_allocations").where("subnet_id", "=", subnetId).execute();
}

function normalizeSubnet(row: SubnetTable): SubnetRow {
  return {
    ...row,
    ip_version: Number(row.ip_version),
    enable_dhcp: toBoolean(row.enable_dhcp),
    revision_number: Number(row.revision_number),
  };
}
