import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { NetworkTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";

/** A network row with its booleans normalized. */
export type NetworkRow = NetworkTable;

export const networkListSpec: ListSpec = {
  table: "net_networks",
  columns: {
    id: { column: "net_networks.id" },
    name: { column: "net_networks.name" },
    admin_state_up: { column: "net_networks.admin_state_up" },
    status: { column: "net_networks.status" },
    project_id: { column: "net_networks.project_id" },
    shared: { column: "net_networks.shared" },
    mtu: { column: "net_networks.mtu" },
    "router:external": { column: "net_networks.external" },
    description: { column: "net_networks.description" },
    revision_number: { column: "net_networks.revision_number" },
  },
  custom: tagFilters("networks", "net_networks"),
};

/**
 * Returns the filter for the networks a project may read: its own, shared and external ones.
 * Admins may read every network.
 */
export function networkVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`(net_networks.project_id = ${context.projectId ?? ""} or net_networks.shared = ${true} or net_networks.external = ${true})`;
}

export async function insertNetwork(executor: Executor, row: NetworkRow): Promise<void> {
  await executor.insertInto("net_networks").values(row).execute();
}

export async function findNetwork(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<NetworkRow | undefined> {
  let query = executor.selectFrom("net_networks").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizeNetwork(row);
}

export async function listNetworkRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<NetworkRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_networks").selectAll("net_networks"),
    parts,
    visibility,
  );
  return rows.map(normalizeNetwork);
}

export async function updateNetworkRow(
  executor: Executor,
  id: string,
  changes: Partial<NetworkRow>,
  updatedAt: string,
): Promise<void> {
  await executor
    .updateTable("net_networks")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

export async function deleteNetworkRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom("net_networks").where("id", "=", id).execute();
}

/** Subnet ids of each network, oldest first. */
export async function subnetIdsByNetwork(
  executor: Executor,
  networkIds: readonly string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(networkIds.map((id) => [id, []]));
  if (networkIds.length === 0) {
    return result;
  }
  const rows = await executor
    .selectFrom("net_subnets")
    .select(["id", "network_id"])
    .where("network_id", "in", [...networkIds])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  for (const row of rows) {
    result.get(row.network_id)?.push(row.id);
  }
  return result;
}

/** Ports of a network with the fields the network rules look at. */
export async function portsOfNetwork(executor: Executor, networkId: string) {
  return executor
    .selectFrom("net_ports")
    .select(["id", "project_id", "device_owner"])
    .where("network_id", "=", networkId)
    .orderBy("id")
    .execute();
}

/** Projects that own subnets on a network. */
export async function subnetProjectsOfNetwork(
  executor: Executor,
  networkId: string,
): Promise<string[]> {
  const rows = await executor
    .selectFrom("net_subnets")
    .select("project_id")
    .distinct()
    .where("network_id", "=", networkId)
    .execute();
  return rows.map((row) => row.project_id);
}

function normalizeNetwork(row: NetworkTable): NetworkRow {
  return {
    ...row,
    admin_state_up: toBoolean(row.admin_state_up),
    shared: toBoolean(row.shared),
    external: toBoolean(row.external),
    port_security_enabled: toBoolean(row.port_security_enabled),
    mtu: Number(row.mtu),
    revision_number: Number(row.revision_number),
  };
}
