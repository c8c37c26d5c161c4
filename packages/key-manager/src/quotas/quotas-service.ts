import { type Logger, nowTimestamp } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import type { ProjectQuotaRecord, QuotasRepo } from "./quotas-repo.js";
import {
  type EffectiveQuotas,
  QUOTA_RESOURCES,
  type QuotaResource,
  type QuotaValues,
  type ResourceCounter,
} from "./quotas-types.js";

export interface QuotasServiceDependencies {
  repo: Pick<QuotasRepo, "find" | "list" | "save" | "delete">;
  /** Configured default of each resource. */
  defaults: EffectiveQuotas;
  logger: Logger;
}

/**
 * Quotas: effective values (project values over configured defaults), administration of project
 * values, and enforcement when a resource is created.
 */
export function createQuotasService(dependencies: QuotasServiceDependencies) {
  const { repo, defaults, logger } = dependencies;
  const runExclusively = createKeyedLock();

  async function effective(projectId: string): Promise<EffectiveQuotas> {
    const stored = await repo.find(projectId);
    const result = { ...defaults };
    for (const resource of QUOTA_RESOURCES) {
      const value = stored?.[resource];
      if (value !== null && value !== undefined) {
        result[resource] = value;
      }
    }
    return result;
  }

  /**
   * Raises 403 "<operation> issue seen - Creation not allowed because a quota has been reached."
   * when the project may not create one more of `resource`. A value of -1 or less is unlimited and
   * 0 forbids every creation; otherwise the live count must stay below the value.
   */
  async function enforce(
    projectId: string,
    resource: QuotaResource,
    count: ResourceCounter,
    operation: string,
  ): Promise<void> {
    const quota = (await effective(projectId))[resource];
    if (quota <= -1) {
      return;
    }
    const used = quota === 0 ? 0 : await count(projectId);
    if (quota === 0 || used >= quota) {
      logger.info(
        { project_id: projectId, resource, quota, used },
        "creation refused: quota reached",
      );
      throw errors.create("QUOTA_REACHED", { operation });
    }
  }

  return {
    effective,

    /**
     * Runs `create` after the quota check of `enforce`. Checks and creations of one project and
     * resource run one at a time, so concurrent requests cannot all pass the count before any of
     * them inserts. An unlimited quota skips the lock.
     *
     * NOTE: the lock is in this process only. Several key manager processes on one database can
     * still exceed a quota together, as upstream Barbican can, which counts without locking.
     */
    async withQuota<T>(
      projectId: string,
      resource: QuotaResource,
      count: ResourceCounter,
      operation: string,
      create: () => Promise<T>,
    ): Promise<T> {
      if ((await effective(projectId))[resource] <= -1) {
        return create();
      }
      return runExclusively(`${resource}/${projectId}`, async () => {
        await enforce(projectId, resource, count, operation);
        return create();
      });
    },

    /** Returns a project's custom quotas, or 404 when it has none. */
    async projectQuotas(projectId: string): Promise<QuotaValues> {
      const stored = await repo.find(projectId);
      if (stored === undefined) {
        throw errors.create("PROJECT_QUOTAS_NOT_FOUND");
      }
      return stored;
    },

    list(page: { offset: number; limit: number }): Promise<{
      records: ProjectQuotaRecord[];
      total: number;
    }> {
      return repo.list(page);
    },

    /** Sets a project's custom quotas; resources not given fall back to the defaults. */
    async save(projectId: string, values: Partial<QuotaValues>): Promise<void> {
      const quotas = {} as QuotaValues;
      for (const resource of QUOTA_RESOURCES) {
        quotas[resource] = values[resource] ?? null;
      }
      await repo.save(projectId, quotas, nowTimestamp());
      logger.info({ project_id: projectId, quotas }, "project quotas set");
    },

    /** Deletes a project's custom quotas, or raises 404 when it has none. */
    async delete(projectId: string): Promise<void> {
      if (!(await repo.delete(projectId))) {
        throw errors.create("PROJECT_QUOTAS_NOT_FOUND");
      }
      logger.info({ project_id: projectId }, "project quotas deleted");
    },
  };
}

export type QuotasService = ReturnType<typeof createQuotasService>;

/**
 * Creates a lock that runs the tasks of one key one at a time, in call order. A failed task
 * releases the lock like a successful one.
 */
function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return async function runExclusively<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (tails.get(key) === tail) {
        tails.delete(key);
      }
    }
  };
}
