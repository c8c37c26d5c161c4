import { createHash, randomUUID } from "node:crypto";
import { type Logger, nowTimestamp } from "@openstack-ts/kernel";
import type { ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { standardAttributeValues } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import { type Executor, isUniqueViolation, type NetworkStore } from "../db/transaction.js";
import { invalidInput, neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { type IpNetwork, parseCidr } from "../ipam/ip-address.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { loadTags } from "../tags/tag-repo.js";
import {
  type PoolSettings,
  type PoolState,
  prefixesCover,
  quotaUnits,
  readPoolSettings,
} from "./prefix-allocation.js";
import {
  deleteSubnetPoolRow,
  findDefaultSubnetPool,
  findSubnetPool,
  insertSubnetPool,
  listSubnetPoolRows,
  prefixesByPool,
  type SubnetPoolRow,
  subnetPoolListSpec,
  subnetPoolVisibility,
  subnetsOfPool,
  updateSubnetPoolRow,
  writePrefixes,
} from "./subnetpool-repo.js";
import { type SubnetPool, subnetPoolDefinition } from "./subnetpool-types.js";

/** A pool the service creates at start when it does not exist yet, such as Kuryr's `kuryr`. */
export interface ConfiguredPool {
  name: string;
  prefixes: string[];
  default_prefixlen: number;
  shared: boolean;
  is_default: boolean;
  project_id: string;
}

export interface SubnetPoolServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction" | "lockRow">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
}

/** Subnet pools (the `subnet_allocation` extension) and the prefix state subnets allocate from. */
export class SubnetPoolService implements ResourceService {
  readonly definition = subnetPoolDefinition;
  readonly #deps: SubnetPoolServiceDependencies;

  constructor(dependencies: SubnetPoolServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<SubnetPool[]> {
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      const created: string[] = [];
      for (const item of items) {
        created.push(await this.#insert(trx, context, item.values));
      }
      return created;
    });
    const pools = await this.#renderIds(ids);
    for (const pool of pools) {
      this.#deps.events.publish(context, "subnetpool", "create", pool);
    }
    return pools;
  }

  async #insert(
    trx: Executor,
    context: RequestContext,
    values: Record<string, unknown>,
    id: string = randomUUID(),
  ): Promise<string> {
    const settings = readPoolSettings(values);
    const isDefault = values.is_default as boolean;
    if (isDefault) {
      await this.#checkNoDefault(trx, context, settings.ipVersion);
    }
    const projectId = String(values.project_id);
    await this.#deps.quotas.check(trx, projectId, "subnetpool");
    const now = nowTimestamp();
    await insertSubnetPool(
      trx,
      {
        id,
        project_id: projectId,
        name: String(values.name),
        description: String(values.description),
        ip_version: settings.ipVersion,
        default_prefixlen: settings.defaultPrefixlen,
        min_prefixlen: settings.minPrefixlen,
        max_prefixlen: settings.maxPrefixlen,
        default_quota: settings.defaultQuota,
        shared: values.shared as boolean,
        is_default: isDefault,
        created_at: now,
        updated_at: now,
        revision_number: 0,
      },
      settings.prefixes,
    );
    return id;
  }

  async #checkNoDefault(trx: Executor, context: RequestContext, ipVersion: number) {
    const existing = await findDefaultSubnetPool(trx, ipVersion, subnetPoolVisibility(context));
    if (existing !== undefined) {
      throw invalidInput(
        "A default subnetpool for this IP family has already been set. Only one default may exist per IP family",
      );
    }
  }

  async show(context: RequestContext, id: string): Promise<SubnetPool> {
    const row = await findSubnetPool(this.#deps.store.db, id, subnetPoolVisibility(context));
    if (row === undefined) {
      throw neutronError("SubnetPoolNotFound", { subnetpool_id: id });
    }
    return (await this.#render(this.#deps.store.db, [row]))[0] as SubnetPool;
  }

  async list(context: RequestContext, query: ListQuery): Promise<SubnetPool[]> {
    const db = this.#deps.store.db;
    const visibility = subnetPoolVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      subnetPoolListSpec,
      async (marker) => (await findSubnetPool(db, marker, visibility)) !== undefined,
      (marker) => neutronError("SubnetPoolNotFound", { subnetpool_id: marker }),
    );
    return this.#render(db, await listSubnetPoolRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    original: SubnetPool,
  ): Promise<SubnetPool> {
    const values = changes.values;
    await this.#deps.store.writeTransaction(async (trx) => {
      await this.#deps.store.lockRow(trx, "net_subnetpools", id);
      const merged = {
        ...original,
        default_prefixlen: Number(original.default_prefixlen),
        min_prefixlen: Number(original.min_prefixlen),
        max_prefixlen: Number(original.max_prefixlen),
        ...values,
        default_quota: values.default_quota ?? original.default_quota,
      };
      if ("prefixes" in values) {
        this.#checkPrefixUpdate(original.prefixes, values.prefixes as string[]);
      }
      const settings = readPoolSettings(merged);
      if (settings.ipVersion !== original.ip_version) {
        throw neutronError("PrefixVersionMismatch");
      }
      if (values.is_default === true && !original.is_default) {
        await this.#checkNoDefault(trx, context, settings.ipVersion);
      }
      await updateSubnetPoolRow(trx, id, this.#columnChanges(values, settings), nowTimestamp());
      if ("prefixes" in values) {
        await writePrefixes(trx, id, settings.prefixes);
      }
    });
    const [updated] = await this.#renderIds([id]);
    this.#deps.events.publish(context, "subnetpool", "update", updated as SubnetPool);
    return updated as SubnetPool;
  }

  #checkPrefixUpdate(existing: string[], updated: string[]) {
    const parse = (texts: string[]) => texts.map((text) => parseCidr(text) as IpNetwork);
    if (!prefixesCover(parse(existing), parse(updated))) {
      throw neutronError("IllegalSubnetPoolPrefixUpdate", {
        msg: "Existing prefixes must be a subset of the new prefixes",
      });
    }
  }

  #columnChanges(values: Record<string, unknown>, settings: PoolSettings): Partial<SubnetPoolRow> {
    const changes: Partial<SubnetPoolRow> = {
      min_prefixlen: settings.minPrefixlen,
      max_prefixlen: settings.maxPrefixlen,
      default_prefixlen: settings.defaultPrefixlen,
      default_quota: settings.defaultQuota,
    };
    if ("name" in values) changes.name = String(values.name);
    if ("description" in values) changes.description = String(values.description);
    if ("is_default" in values) changes.is_default = values.is_default as boolean;
    return changes;
  }

  async remove(context: RequestContext, id: string, original: SubnetPool): Promise<void> {
    await this.#deps.store.writeTransaction(async (trx) => {
      await this.#deps.store.lockRow(trx, "net_subnetpools", id);
      if ((await subnetsOfPool(trx, id)).length > 0) {
        throw neutronError("SubnetPoolDeleteError", {
          reason: "Subnet pool has existing allocations",
        });
      }
      await deleteSubnetPoolRow(trx, id);
    });
    this.#deps.events.publish(context, "subnetpool", "delete", original);
  }

  async policyExtras() {
    return {};
  }

  /** Returns the pool row if the caller may use it. */
  async findVisible(context: RequestContext, id: string): Promise<SubnetPoolRow | undefined> {
    return findSubnetPool(this.#deps.store.db, id, subnetPoolVisibility(context));
  }

  /** Returns the default pool of an IP version that the caller may use. */
  async findDefault(
    context: RequestContext,
    ipVersion: number,
  ): Promise<SubnetPoolRow | undefined> {
    return findDefaultSubnetPool(this.#deps.store.db, ipVersion, subnetPoolVisibility(context));
  }

  /**
   * Locks a pool for the rest of the transaction and reads what allocating a subnet from it needs,
   * so two subnets can never get overlapping prefixes from one pool.
   */
  async allocationState(trx: Executor, poolId: string, projectId: string): Promise<PoolState> {
    await this.#deps.store.lockRow(trx, "net_subnetpools", poolId);
    const row = await findSubnetPool(trx, poolId);
    if (row === undefined) {
      throw neutronError("SubnetPoolNotFound", { subnetpool_id: poolId });
    }
    const prefixes = (await prefixesByPool(trx, [poolId])).get(poolId) ?? [];
    const subnets = await subnetsOfPool(trx, poolId);
    const allocated = subnets.map((subnet) => parseCidr(subnet.cidr) as IpNetwork);
    const projectUsage = allocated
      .filter((_network, index) => subnets[index]?.project_id === projectId)
      .reduce((sum, network) => sum + quotaUnits(row.ip_version as 4 | 6, network.prefixlen), 0n);
    return {
      settings: {
        ipVersion: row.ip_version as 4 | 6,
        prefixes,
        minPrefixlen: row.min_prefixlen,
        maxPrefixlen: row.max_prefixlen,
        defaultPrefixlen: row.default_prefixlen,
        defaultQuota: row.default_quota,
      },
      allocated,
      projectUsage,
    };
  }

  /**
   * Creates the configured pools that do not exist yet. Each id is derived from the pool's name, so
   * when several processes start at once the primary key lets only the first insert succeed.
   */
  async ensureConfiguredPools(pools: ConfiguredPool[], logger: Logger): Promise<void> {
    for (const pool of pools) {
      const id = nameBasedUuid(`subnetpool:${pool.name}`);
      if ((await findSubnetPool(this.#deps.store.db, id)) !== undefined) {
        continue;
      }
      const values = {
        name: pool.name,
        prefixes: pool.prefixes,
        default_prefixlen: pool.default_prefixlen,
        shared: pool.shared,
        is_default: pool.is_default,
        project_id: pool.project_id,
        description: "",
      };
      try {
        await this.#deps.store.writeTransaction((trx) => this.#insertConfigured(trx, values, id));
        logger.info({ subnetpool: pool.name, id }, "configured subnet pool created");
      } catch (error) {
        if (!isUniqueViolation(error)) {
          throw error;
        }
      }
    }
  }

  async #insertConfigured(trx: Executor, values: Record<string, unknown>, id: string) {
    const settings = readPoolSettings(values);
    const now = nowTimestamp();
    await insertSubnetPool(
      trx,
      {
        id,
        project_id: String(values.project_id),
        name: String(values.name),
        description: "",
        ip_version: settings.ipVersion,
        default_prefixlen: settings.defaultPrefixlen,
        min_prefixlen: settings.minPrefixlen,
        max_prefixlen: settings.maxPrefixlen,
        default_quota: null,
        shared: values.shared as boolean,
        is_default: values.is_default as boolean,
        created_at: now,
        updated_at: now,
        revision_number: 0,
      },
      settings.prefixes,
    );
  }

  async #renderIds(ids: string[]): Promise<SubnetPool[]> {
    const rows: SubnetPoolRow[] = [];
    for (const id of ids) {
      const row = await findSubnetPool(this.#deps.store.db, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#render(this.#deps.store.db, rows);
  }

  async #render(executor: Executor, rows: SubnetPoolRow[]): Promise<SubnetPool[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "subnetpools", ids);
    const prefixes = await prefixesByPool(executor, ids);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      prefixes: sortPrefixes(prefixes.get(row.id) ?? []),
      ip_version: row.ip_version,
      default_prefixlen: String(row.default_prefixlen),
      min_prefixlen: String(row.min_prefixlen),
      max_prefixlen: String(row.max_prefixlen),
      default_quota: row.default_quota,
      address_scope_id: null,
      is_default: row.is_default,
      shared: row.shared,
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}

function sortPrefixes(prefixes: string[]): string[] {
  const parsed = prefixes.map((text) => ({ text, network: parseCidr(text) as IpNetwork }));
  parsed.sort((a, b) => {
    if (a.network.address < b.network.address) {
      return -1;
    }
    if (a.network.address > b.network.address) {
      return 1;
    }
    return 0;
  });
  return parsed.map((entry) => entry.text);
}

/** Returns a version 5 style UUID for a name, so the same configured pool always gets the same id. */
export function nameBasedUuid(name: string): string {
  const hash = createHash("sha1").update(`openstack-ts/network/${name}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
