import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import { groupBy } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { PortTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";
import { parseFixedIpsFilter } from "./port-types.js";

export type PortRow = PortTable;

export const portListSpec: ListSpec = {
  table: "net_ports",
  columns: {
    id: { column: "net_ports.id" },
    name: { column: "net_ports.name" },
    network_id: { column: "net_ports.network_id" },
    admin_state_up: { column: "net_ports.admin_state_up" },
    mac_address: { column: "net_ports.mac_address" },
    device_id: { column: "net_ports.device_id" },
    device_owner: { column: "net_ports.device_owner" },
    project_id: { column: "net_ports.project_id" },
    status: { column: "net_ports.status" },
    "binding:host_id": { column: "net_ports.binding_host_id" },
    "binding:vnic_type": { column: "net_ports.binding_vnic_type" },
    description: { column: "net_ports.description" },
    revision_number: { column: "net_ports.revision_number" },
  },
  custom: {
    ...tagFilters("ports", "net_ports"),
    fixed_ips: (values) => fixedIpsCondition(parseFixedIpsFilter(values)),
    security_groups: (values) =>
      sql<SqlBool>`exists (select 1 from net_port_security_groups b where b.port_id = net_ports.id and b.security_group_id in (${sql.join(values)}))`,
  },
};

/**
 * One allocation of the port must match every given part of the `fixed_ips` filter, as the
 * joined query in Neutron does.
 */
function fixedIpsCondition(filter: Record<string, string[]>): Expression<SqlBool> {
  const parts = [sql<SqlBool>`a.port_id = net_ports.id`];
  if (filter.ip_address !== undefined) {
    parts.push(sql<SqlBool>`a.ip_address in (${sql.join(filter.ip_address)})`);
  }
  if (filter.subnet_id !== undefined) {
    parts.push(sql<SqlBool>`a.subnet_id in (${sql.join(filter.subnet_id)})`);
  }
  for (const substring of filter.ip_address_substr ?? []) {
    parts.push(sql<SqlBool>`a.ip_address like ${`%${substring.replace(/[%_]/g, "")}%`}`);
  }
  return sql<SqlBool>`exists (select 1 from net_ip_allocations a where ${sql.join(parts, sql` and `)})`;
}

/** Returns the filter for the ports a project may read: its own and those on its networks. */
export function portVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  const project = context.projectId ?? "";
  return sql<SqlBool>`(net_ports.project_id = ${project} or exists (select 1 from net_networks n where n.id = net_ports.network_id and n.project_id = ${project}))`;
}

export async function insertPort(executor: Executor, row: PortRow): Promise<void> {
  await executor.insertInto("net_ports").values(row).execute();
}

export async function findPort(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<PortRow | undefined> {
  let query = executor.selectFrom("net_ports").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizePort(row);
}

export async function findPorts(executor: Executor, ids: readonly string[]): Promise<PortRow[]> {
  if (ids.length === 0) {
    return [];
  }
  const rows = await executor
    .selectFrom("net_ports")
    .selectAll()
    .where("id", "in", [...ids])
    .execute();
  const byId = new Map(rows.map((row) => [row.id, normalizePort(row)]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row === undefined ? [] : [row];
  });
}

export async function listPortRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<PortRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_ports").selectAll("net_ports"),
    parts,
    visibility,
  );
  return rows.map(normalizePort);
}

export async function updatePortRow(
  executor: Executor,
  id: string,
  changes: Partial<PortRow>,
  updatedAt: string,
): Promise<void> {
  await executor
    .updateTable("net_ports")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

/** Raises the revision of ports whose addresses changed without a port update. */
export async function touchPorts(executor: Executor, ids: readonly string[], updatedAt: string) {
  if (ids.length === 0) {
    return;
  }
  await executor
    .updateTable("net_ports")
    .set({ updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "in", [...ids])
    .execute();
}

export async function deletePortRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom("net_ports").where("id", "=", id).execute();
}

export async function macInUse(
  executor: Executor,
  networkId: string,
  mac: string,
): Promise<boolean> {
  const row = await executor
    .selectFrom("net_ports")
    .select("id")
    .where("network_id", "=", networkId)
    .where("mac_address", "=", mac)
    .executeTakeFirst();
  return row !== undefined;
}

/** Addresses of several ports, in subnet creation order and then address order. */
export async function allocationsByPort(executor: Executor, portIds: readonly string[]) {
  if (portIds.length === 0) {
    return new Map<string, { subnet_id: string; ip_address: string }[]>();
  }
  const rows = await executor
    .selectFrom("net_ip_allocations")
    .innerJoin("net_subnets", "net_subnets.id", "net_ip_allocations.subnet_id")
    .select([
      "net_ip_allocations.port_id",
      "net_ip_allocations.subnet_id",
      "net_ip_allocations.ip_address",
    ])
    .where("net_ip_allocations.port_id", "in", [...portIds])
    .orderBy("net_subnets.created_at")
    .orderBy("net_subnets.id")
    .orderBy("net_ip_allocations.ip_address")
    .execute();
  return groupBy(rows, (row) => row.port_id);
}

export async function securityGroupsByPort(executor: Executor, portIds: readonly string[]) {
  if (portIds.length === 0) {
    return new Map<string, { security_group_id: string }[]>();
  }
  const rows = await executor
    .selectFrom("net_port_security_groups")
    .select(["port_id", "security_group_id"])
    .where("port_id", "in", [...portIds])
    .orderBy("security_group_id")
    .execute();
  return groupBy(rows, (row) => row.port_id);
}

export async function writePortSecurityGroups(
  executor: Executor,
  portId: string,
  groupIds: string[],
) {
  await executor.deleteFrom("net_port_security_groups").where("port_id", "=", portId).execute();
  const unique = [...new Set(groupIds)];
  if (unique.length > 0) {
    await executor
      .insertInto("net_port_security_groups")
      .values(unique.map((groupId) => ({ port_id: portId, security_group_id: groupId })))
      .execute();
  }
}

export async function addressPairsByPort(executor: Executor, portIds: readonly string[]) {
  if (portIds.length === 0) {
    return new Map<string, { mac_address: string; ip_address: string }[]>();
  }
  const rows = await executor
    .selectFrom("net_allowed_address_pairs")
    .select(["port_id", "mac_address", "ip_address"])
    .where("port_id", "in", [...portIds])
    .execute();
  return groupBy(rows, (row) => row.port_id);
}

export async function writeAddressPairs(
  executor: Executor,
  portId: string,
  pairs: { mac_address: string; ip_address: string }[],
) {
  await executor.deleteFrom("net_allowed_address_pairs").where("port_id", "=", portId).execute();
  const unique = new Map(pairs.map((pair) => [`${pair.mac_address} ${pair.ip_address}`, pair]));
  if (unique.size > 0) {
    await executor
      .insertInto("net_allowed_address_pairs")
      .values([...unique.values()].map((pair) => ({ port_id: portId, ...pair })))
      .execute();
  }
}

export async function dhcpOptionsByPort(executor: Executor, portIds: readonly string[]) {
  if (portIds.length === 0) {
    return new Map<string, { opt_name: string; opt_value: string; ip_version: number }[]>();
  }
  const rows = await executor
    .selectFrom("net_extra_dhcp_options")
    .select(["port_id", "opt_name", "opt_value", "ip_version"])
    .where("port_id", "in", [...portIds])
    .orderBy("opt_name")
    .orderBy("ip_version")
    .execute();
  return groupBy(rows, (row) => row.port_id);
}

export async function writeDhcpOptions(
  executor: Executor,
  portId: string,
  options: { opt_name: string; opt_value: string; ip_version: number }[],
) {
  await executor.deleteFrom("net_extra_dhcp_options").where("port_id", "=", portId).execute();
  if (options.length > 0) {
    await executor
      .insertInto("net_extra_dhcp_options")
      .values(options.map((option) => ({ port_id: portId, ...option })))
      .execute();
  }
}

/** Ports of a network whose device owner is in the set. */
export async function portIdsOfNetworkWithOwners(
  executor: Executor,
  networkId: string,
  owners: readonly string[],
): Promise<string[]> {
  if (owners.length === 0) {
    return [];
  }
  const rows = await executor
    .selectFrom("net_ports")
    .select("id")
    .where("network_id", "=", networkId)
    .where("device_owner", "in", [...owners])
    .execute();
  return rows.map((row) => row.id);
}

function normalizePort(row: PortTable): PortRow {
  return {
    ...row,
    admin_state_up: toBoolean(row.admin_state_up),
    port_security_enabled: toBoolean(row.port_security_enabled),
    revision_number: Number(row.revision_number),
  };
}
