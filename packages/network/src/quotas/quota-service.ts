import { pythonRepr } from "../api/python-format.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { neutronError } from "../errors.js";
import {
  countUsage,
  deleteLimits,
  listProjectsWithLimits,
  QUOTA_RESOURCES,
  type QuotaResource,
  readProjectLimits,
  writeLimit,
} from "./quota-repo.js";

/** Default limit per resource; -1 means unlimited. */
export type QuotaDefaults = Record<QuotaResource, number>;

/** Usage of one resource as the `quota_details` extension shows it. */
export interface QuotaDetail {
  limit: number;
  used: number;
  reserved: number;
}

/**
 * Per-project limits with Neutron's semantics: a limit of -1 is unlimited, 0 forbids the resource,
 * and creating more than the limit allows fails with 409 OverQuota. Usage is counted inside the
 * creating transaction.
 */
export class QuotaService {
  readonly #store: Pick<NetworkStore, "db" | "writeTransaction">;
  readonly #defaults: QuotaDefaults;

  constructor(store: Pick<NetworkStore, "db" | "writeTransaction">, defaults: QuotaDefaults) {
    this.#store = store;
    this.#defaults = defaults;
  }

  defaults(): QuotaDefaults {
    return { ...this.#defaults };
  }

  /** Effective limits of a project: its own values over the defaults. */
  async limits(projectId: string, executor: Executor = this.#store.db): Promise<QuotaDefaults> {
    return { ...this.#defaults, ...(await readProjectLimits(executor, projectId)) };
  }

  async details(projectId: string): Promise<Record<QuotaResource, QuotaDetail>> {
    const limits = await this.limits(projectId);
    const details = {} as Record<QuotaResource, QuotaDetail>;
    for (const resource of QUOTA_RESOURCES) {
      const used = await countUsage(this.#store.db, projectId, resource);
      details[resource] = { limit: limits[resource], used, reserved: 0 };
    }
    return details;
  }

  /** Projects with explicitly set limits, each with its effective limits. */
  async listNonDefault(): Promise<(QuotaDefaults & { project_id: string; tenant_id: string })[]> {
    const projects = await listProjectsWithLimits(this.#store.db);
    const result = [];
    for (const projectId of projects) {
      result.push({
        ...(await this.limits(projectId)),
        project_id: projectId,
        tenant_id: projectId,
      });
    }
    return result;
  }

  async update(projectId: string, changes: Partial<QuotaDefaults>): Promise<QuotaDefaults> {
    await this.#store.writeTransaction(async (trx) => {
      for (const [resource, limit] of Object.entries(changes)) {
        await writeLimit(trx, projectId, resource as QuotaResource, limit as number);
      }
    });
    return this.limits(projectId);
  }

  /** Returns the project to the defaults; false when it had no limits of its own. */
  async reset(projectId: string): Promise<boolean> {
    const deleted = await this.#store.writeTransaction((trx) => deleteLimits(trx, projectId));
    return deleted > 0;
  }

  /** Throws OverQuota when adding `count` resources would exceed the project's limit. */
  async check(
    executor: Executor,
    projectId: string,
    resource: QuotaResource,
    count = 1,
  ): Promise<void> {
    const limits = await this.limits(projectId, executor);
    const limit = limits[resource];
    if (limit < 0) {
      return;
    }
    const used = await countUsage(executor, projectId, resource);
    if (used + count > limit) {
      throw neutronError("OverQuota", { overs: pythonRepr([resource]) });
    }
  }
}
