import type { Executor } from "../db/transaction.js";

/** Resources with a quota, as Neutron names them, and the table each one counts. */
export const QUOTA_TABLES = {
  network: "net_networks",
  subnet: "net_subnets",
  subnetpool: "net_subnetpools",
  port: "net_ports",
  security_group: "net_security_groups",
  security_group_rule: "net_security_group_rules",
  router: "net_routers",
  floatingip: "net_floatingips",
} as const;

export type QuotaResource = keyof typeof QUOTA_TABLES;

export const QUOTA_RESOURCES = Object.keys(QUOTA_TABLES) as QuotaResource[];

/** Stored limits of one project (only the ones set explicitly). */
export async function readProjectLimits(
  executor: Executor,
  projectId: string,
): Promise<Partial<Record<QuotaResource, number>>> {
  const rows = await executor
    .selectFrom("net_quotas")
    .select(["resource", "hard_limit"])
    .where("project_id", "=", projectId)
    .execute();
  const limits: Partial<Record<QuotaResource, number>> = {};
  for (const row of rows) {
    if (row.resource in QUOTA_TABLES) {
      limits[row.resource as QuotaResource] = Number(row.hard_limit);
    }
  }
  return limits;
}

/** Projects that have at least one explicitly set limit. */
export async function listProjectsWithLimits(executor: Executor): Promise<string[]> {
  const rows = await executor
    .selectFrom("net_quotas")
    .select("project_id")
    .distinct()
    .orderBy("project_id")
    .execute();
  return rows.map((row) => row.project_id);
}

export async function writeLimit(
  executor: Executor,
  projectId: string,
  resource: QuotaResource,
  limit: number,
): Promise<void> {
  await executor
    .deleteFrom("net_quotas")
    .where("project_id", "=", projectId)
    .where("resource", "=", resource)
    .execute();
  await executor
    .insertInto("net_quotas")
    .values({ project_id: projectId, resource, hard_limit: limit })
    .execute();
}

export async function deleteLimits(executor: Executor, projectId: string): Promise<number> {
  const result = await executor
    .deleteFrom("net_quotas")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Number of resources of a kind that a project owns. */
export async function countUsage(
  executor: Executor,
  projectId: string,
  resource: QuotaResource,
): Promise<number> {
  const row = await executor
    .selectFrom(QUOTA_TABLES[resource])
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
