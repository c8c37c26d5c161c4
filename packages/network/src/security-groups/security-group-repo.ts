import { toBoolean } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import type { RequestContext } from "../api/request-context.js";
import { type ListSpec, type ListSql, selectListRows } from "../db/list-sql.js";
import type { SecurityGroupRuleTable, SecurityGroupTable } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";
import { tagFilters } from "../tags/tag-repo.js";

export type SecurityGroupRow = SecurityGroupTable;
export type SecurityGroupRuleRow = SecurityGroupRuleTable;

export const securityGroupListSpec: ListSpec = {
  table: "net_security_groups",
  columns: {
    id: { column: "net_security_groups.id" },
    name: { column: "net_security_groups.name" },
    project_id: { column: "net_security_groups.project_id" },
    stateful: { column: "net_security_groups.stateful" },
    description: { column: "net_security_groups.description" },
    revision_number: { column: "net_security_groups.revision_number" },
  },
  custom: {
    ...tagFilters("security_groups", "net_security_groups"),
    shared: (values) => (values.includes(true) ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`),
  },
};

export const securityGroupRuleListSpec: ListSpec = {
  table: "net_security_group_rules",
  columns: {
    id: { column: "net_security_group_rules.id" },
    security_group_id: { column: "net_security_group_rules.security_group_id" },
    remote_group_id: { column: "net_security_group_rules.remote_group_id", nullable: "text" },
    direction: { column: "net_security_group_rules.direction" },
    protocol: { column: "net_security_group_rules.protocol", nullable: "text" },
    port_range_min: { column: "net_security_group_rules.port_range_min", nullable: "integer" },
    port_range_max: { column: "net_security_group_rules.port_range_max", nullable: "integer" },
    ethertype: { column: "net_security_group_rules.ethertype" },
    remote_ip_prefix: { column: "net_security_group_rules.remote_ip_prefix", nullable: "text" },
    normalized_cidr: { column: "net_security_group_rules.remote_ip_prefix", nullable: "text" },
    project_id: { column: "net_security_group_rules.project_id" },
    description: { column: "net_security_group_rules.description" },
    revision_number: { column: "net_security_group_rules.revision_number" },
  },
};

/** Returns the filter for the groups a project may read: its own. Admins may read all. */
export function securityGroupVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`net_security_groups.project_id = ${context.projectId ?? ""}`;
}

/** Returns the filter for the rules a project may read: its own and those of its groups. */
export function ruleVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  const project = context.projectId ?? "";
  return sql<SqlBool>`(net_security_group_rules.project_id = ${project} or exists (select 1 from net_security_groups g where g.id = net_security_group_rules.security_group_id and g.project_id = ${project}))`;
}

export async function insertSecurityGroup(executor: Executor, row: SecurityGroupRow) {
  await executor.insertInto("net_security_groups").values(row).execute();
}

export async function insertRule(executor: Executor, row: SecurityGroupRuleRow) {
  await executor.insertInto("net_security_group_rules").values(row).execute();
}

export async function findSecurityGroup(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<SecurityGroupRow | undefined> {
  let query = executor.selectFrom("net_security_groups").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizeGroup(row);
}

export async function findSecurityGroups(
  executor: Executor,
  ids: readonly string[],
): Promise<SecurityGroupRow[]> {
  if (ids.length === 0) {
    return [];
  }
  const rows = await executor
    .selectFrom("net_security_groups")
    .selectAll()
    .where("id", "in", [...ids])
    .execute();
  return rows.map(normalizeGroup);
}

export async function listSecurityGroupRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<SecurityGroupRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_security_groups").selectAll("net_security_groups"),
    parts,
    visibility,
  );
  return rows.map(normalizeGroup);
}

export async function findRule(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<SecurityGroupRuleRow | undefined> {
  let query = executor.selectFrom("net_security_group_rules").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : normalizeRule(row);
}

export async function listRuleRows(
  executor: Executor,
  parts: ListSql,
  visibility?: Expression<SqlBool>,
): Promise<SecurityGroupRuleRow[]> {
  const rows = await selectListRows(
    executor.selectFrom("net_security_group_rules").selectAll("net_security_group_rules"),
    parts,
    visibility,
  );
  return rows.map(normalizeRule);
}

/** Rules of several groups, oldest first. */
export async function rulesOfGroups(
  executor: Executor,
  groupIds: readonly string[],
): Promise<SecurityGroupRuleRow[]> {
  if (groupIds.length === 0) {
    return [];
  }
  const rows = await executor
    .selectFrom("net_security_group_rules")
    .selectAll()
    .where("security_group_id", "in", [...groupIds])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(normalizeRule);
}

export async function updateSecurityGroupRow(
  executor: Executor,
  id: string,
  changes: Partial<SecurityGroupRow>,
  updatedAt: string,
) {
  await executor
    .updateTable("net_security_groups")
    .set({ ...changes, updated_at: updatedAt })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

export async function deleteSecurityGroupRow(executor: Executor, id: string) {
  await executor.deleteFrom("net_security_groups").where("id", "=", id).execute();
}

export async function deleteRuleRow(executor: Executor, id: string) {
  await executor.deleteFrom("net_security_group_rules").where("id", "=", id).execute();
}

/** Number of ports a group is bound to. */
export async function countPortsUsingGroup(executor: Executor, groupId: string): Promise<number> {
  const row = await executor
    .selectFrom("net_port_security_groups")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("security_group_id", "=", groupId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function findDefaultGroupId(
  executor: Executor,
  projectId: string,
): Promise<string | undefined> {
  const row = await executor
    .selectFrom("net_default_security_groups")
    .select("security_group_id")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return row?.security_group_id;
}

export async function insertDefaultGroup(executor: Executor, projectId: string, groupId: string) {
  await executor
    .insertInto("net_default_security_groups")
    .values({ project_id: projectId, security_group_id: groupId })
    .execute();
}

/** Ids of the groups that are the default group of their project. */
export async function defaultGroupIds(
  executor: Executor,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) {
    return new Set();
  }
  const rows = await executor
    .selectFrom("net_default_security_groups")
    .select("security_group_id")
    .where("security_group_id", "in", [...ids])
    .execute();
  return new Set(rows.map((row) => row.security_group_id));
}

function normalizeGroup(row: SecurityGroupTable): SecurityGroupRow {
  return {
    ...row,
    stateful: toBoolean(row.stateful),
    revision_number: Number(row.revision_number),
  };
}

function normalizeRule(row: SecurityGroupRuleTable): SecurityGroupRuleRow {
  return {
    ...row,
    port_range_min: row.port_range_min === null ? null : Number(row.port_range_min),
    port_range_max: row.port_range_max === null ? null : Number(row.port_range_max),
    revision_number: Number(row.revision_number),
  };
}
