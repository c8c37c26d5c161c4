import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { SubnetPoolTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";

export type SubnetPoolRow = SubnetPoolTable;

export const subnetPoolListSpec: ListSpec = {
  table: "net_subnetpools",
  columns: {
    id: { column: "net_subnetpools.id" },
    name: { column: "net_subnetpools.name" },
    project_id: { column: "net_subnetpools.project_id" },
    default_quota: { column: "net_subnetpools.default_quota", nullable: "integer" },
    ip_version: { column: "net_subnetpools.ip_version" },
    default_prefixlen: { column: "net_subnetpools.default_prefixlen" },
    min_prefixlen: { column: "net_subnetpools.min_prefixlen" },
    max_prefixlen: { column: "net_subnetpools.max_prefixlen" },
    is_default: { column: "net_subnetpools.is_default" },
    shared: { column: "net_subnetpools.shared" },
    description: { column: "net_subnetpools.description" },
    revision_number: { column: "net_subnetpools.revision_number" },
  },
  custom: tagFilters("subnetpools", "net_subnetpools"),
};

/** Returns the filter for the pools a project may read: its own and shared ones. */
export function subnetPoolVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`(net_subnetpools.project_id = ${context.projectId ?? ""} or net_subnetpools.shared = ${true})`;
}

export async function insertSubnetPool(
  executor: Executor,
  row: SubnetPoolRow,
  prefixes: string[],
): Promise<void> {
  await executor.insertInto("net_subnetpools").values(row).execute();
  await writePrefixes(executor, row.id, prefixes);
}

export async function writePrefixes(
  executor: Executor,
  poolId: string,
  prefixes: string[],
): Promise<void> {
  await executor
    .deleteFrom("net_subnetpool_prefixes")
    .where("subnetpool_id", "=", poolId)
    .execute();
  if (prefixes.length > 0) {
    await executor
      .insertInto("net_subnetpool_prefixes")
      .values(prefixes.map((cidr) => ({ subnetpool_id: poolId, cidr })))
      .execute();
  }
}

export async function findSubnetPool(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<SubnetPoolRow | undefined> {
  let query = executor.selectFrom("net_subnetpools").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizePool(row);
}

/** The default pool of an IP version that the caller may see. */
export async function findDefaultSubnetPool(
  executor: Executor,
  ipVersion: number,
  visibility?: Expression<SqlBool>,
): Promise<SubnetPoolRow | undefined> {
  let query = executor
    .selectFrom("net_subnetpools")
    .selectAll()
    .where("is_default", "=", true)
    .where("ip_version", "=", ipVersion);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.orderBy("created_at").executeTakeFirst();
  return row === undefined ? undefined : normalizePool(row);
}

export async function listSubnetPoolRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<SubnetPoolRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_subnetpools").selectAll("net_subnetpools"),
    parts,
    visibility,
  );
  return rows.map(normalizePool);
}

export async function prefixesByPool(
  executor: Executor,
  poolIds: readonly string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(poolIds.map((id) => [id, []]));
  if (poolIds.length === 0) {
    return result;
  }
  const rows = await executor
    .selectFrom("net_subnetpool_prefixes")
    .select(["subnetpool_id", "cidr"])
    .where("subnetpool_id", "in", [...poolIds])
    .execute();
  for (const row of rows) {
    result.get(row.subnetpool_id)?.push(row.cidr);
  }
  return result;
}

export async function updateSubnetPoolRow(
  executor: Executor,
  id: string,
  changes: Partial<SubnetPoolRow>,
  updatedAt: string,
): Promise<void> {
  await executor
    .updateTable("net_subnetpools")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

export async function deleteSubnetPoolRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom("net_subnetpools").where("id", "=", id).execute();
}

/** Subnets allocated from a pool: their prefix and owner. */
export async function subnetsOfPool(executor: Executor, poolId: string) {
  return executor
    .selectFrom("net_subnets")
    .select(["id", "cidr", "project_id"])
    .where("subnetpool_id", "=", poolId)
    .execute();
}

function normalizePool(row: SubnetPoolTable): SubnetPoolRow {
  return {
    ...row,
    ip_version: Number(row.ip_version),
    default_prefixlen: Number(row.default_prefixlen),
    min_prefixlen: Number(row.min_prefixlen),
    max_prefixlen: Number(row.max_prefixlen),
    default_quota: row.default_quota === null ? null : Number(row.default_quota),
    shared: toBoolean(row.shared),
    is_default: toBoolean(row.is_default),
    revision_number: Number(row.revision_number),
  };
}
