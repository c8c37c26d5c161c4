import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import type { ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { apiTimestamp, standardAttributeValues } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import { type Executor, isUniqueViolation, type NetworkStore } from "../db/transaction.js";
import { neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { formatNetwork, parseCidr } from "../ipam/ip-address.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { loadTags } from "../tags/tag-repo.js";
import {
  countPortsUsingGroup,
  deleteSecurityGroupRow,
  findDefaultGroupId,
  findSecurityGroup,
  insertDefaultGroup,
  insertRule,
  insertSecurityGroup,
  listSecurityGroupRows,
  rulesOfGroups,
  type SecurityGroupRow,
  type SecurityGroupRuleRow,
  securityGroupListSpec,
  securityGroupVisibility,
  updateSecurityGroupRow,
} from "./security-group-repo.js";
import {
  type SecurityGroup,
  type SecurityGroupRule,
  securityGroupDefinition,
} from "./security-group-types.js";

export interface SecurityGroupServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
}

const DEFAULT_GROUP_DESCRIPTION = "Default security group";

/**
 * Security groups, including each project's `default` group: created on the project's first use
 * with egress open for IPv4 and IPv6 and ingress open from members of the same group.
 */
export class SecurityGroupService implements ResourceService {
  readonly definition = securityGroupDefinition;
  readonly #deps: SecurityGroupServiceDependencies;

  constructor(dependencies: SecurityGroupServiceDependencies) {
    this.#deps = dependencies;
  }

  /**
   * Returns the id of the project's default group, creating it when missing. A project may only
   * cause its own default group to be created, unless the caller is an admin.
   */
  async ensureDefault(context: RequestContext, projectId: string): Promise<string | undefined> {
    if (projectId !== context.projectId && !context.isAdmin) {
      return undefined;
    }
    const existing = await findDefaultGroupId(this.#deps.store.db, projectId);
    if (existing !== undefined) {
      return existing;
    }
    try {
      const group = await this.#deps.store.writeTransaction((trx) =>
        this.#createDefault(trx, projectId),
      );
      this.#deps.events.publish(context, "security_group", "create", group);
      return group.id;
    } catch (error) {
      if (!isUniqueViolation(error)) {
        throw error;
      }
      return findDefaultGroupId(this.#deps.store.db, projectId);
    }
  }

  async #createDefault(trx: Executor, projectId: string): Promise<SecurityGroup> {
    const id = randomUUID();
    const now = nowTimestamp();
    await insertSecurityGroup(
      trx,
      groupRow(id, projectId, "default", DEFAULT_GROUP_DESCRIPTION, true, now),
    );
    await insertDefaultGroup(trx, projectId, id);
    for (const ethertype of ["IPv4", "IPv6"]) {
      await insertRule(trx, ruleRow(id, projectId, "ingress", ethertype, id, now));
      await insertRule(trx, ruleRow(id, projectId, "egress", ethertype, null, now));
    }
    return (
      await this.#renderRows(trx, [(await findSecurityGroup(trx, id)) as SecurityGroupRow])
    )[0] as SecurityGroup;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<SecurityGroup[]> {
    for (const item of items) {
      await this.ensureDefault(context, String(item.values.project_id));
    }
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      const created: string[] = [];
      for (const { values } of items) {
        const projectId = String(values.project_id);
        await this.#deps.quotas.check(trx, projectId, "security_group");
        await this.#deps.quotas.check(trx, projectId, "security_group_rule", 2);
        const id = randomUUID();
        const now = nowTimestamp();
        const stateful = values.stateful as boolean;
        await insertSecurityGroup(
          trx,
          groupRow(id, projectId, String(values.name), String(values.description), stateful, now),
        );
        for (const ethertype of ["IPv4", "IPv6"]) {
          await insertRule(trx, ruleRow(id, projectId, "egress", ethertype, null, now));
        }
        created.push(id);
      }
      return created;
    });
    const groups = await this.#renderIds(ids);
    for (const group of groups) {
      this.#deps.events.publish(context, "security_group", "create", group);
    }
    return groups;
  }

  async show(context: RequestContext, id: string): Promise<SecurityGroup> {
    const row = await findSecurityGroup(this.#deps.store.db, id, securityGroupVisibility(context));
    if (row === undefined) {
      throw neutronError("SecurityGroupNotFound", { id });
    }
    return (await this.#renderRows(this.#deps.store.db, [row]))[0] as SecurityGroup;
  }

  /** Returns the group if the caller may use it (for rules and ports). */
  async findVisible(context: RequestContext, id: string): Promise<SecurityGroupRow | undefined> {
    return findSecurityGroup(this.#deps.store.db, id, securityGroupVisibility(context));
  }

  async list(context: RequestContext, query: ListQuery): Promise<SecurityGroup[]> {
    await this.ensureDefault(context, listedProject(context, query));
    const db = this.#deps.store.db;
    const visibility = securityGroupVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      securityGroupListSpec,
      async (marker) => (await findSecurityGroup(db, marker, visibility)) !== undefined,
      (marker) => neutronError("SecurityGroupNotFound", { id: marker }),
    );
    return this.#renderRows(db, await listSecurityGroupRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    original: SecurityGroup,
  ): Promise<SecurityGroup> {
    const values = changes.values;
    await this.#deps.store.writeTransaction(async (trx) => {
      if ("stateful" in values && values.stateful !== original.stateful) {
        if ((await countPortsUsingGroup(trx, id)) > 0) {
          throw neutronError("SecurityGroupInUse", { id, reason: "in use" });
        }
      }
      if (original.name === "default" && "name" in values) {
        throw neutronError("SecurityGroupCannotUpdateDefault");
      }
      const row: Partial<SecurityGroupRow> = {};
      if ("name" in values) row.name = String(values.name);
      if ("description" in values) row.description = String(values.description);
      if ("stateful" in values) row.stateful = values.stateful as boolean;
      await updateSecurityGroupRow(trx, id, row, nowTimestamp());
    });
    const [updated] = await this.#renderIds([id]);
    this.#deps.events.publish(context, "security_group", "update", updated as SecurityGroup);
    return updated as SecurityGroup;
  }

  async remove(context: RequestContext, id: string, original: SecurityGroup): Promise<void> {
    await this.#deps.store.writeTransaction(async (trx) => {
      if ((await countPortsUsingGroup(trx, id)) > 0) {
        throw neutronError("SecurityGroupInUse", { id, reason: "in use" });
      }
      if (original.name === "default" && !context.isAdmin) {
        throw neutronError("SecurityGroupCannotRemoveDefault");
      }
      await deleteSecurityGroupRow(trx, id);
    });
    this.#deps.events.publish(context, "security_group", "delete", original);
  }

  async policyExtras() {
    return {};
  }

  async #renderIds(ids: string[]): Promise<SecurityGroup[]> {
    const rows: SecurityGroupRow[] = [];
    for (const id of ids) {
      const row = await findSecurityGroup(this.#deps.store.db, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#renderRows(this.#deps.store.db, rows);
  }

  async #renderRows(executor: Executor, rows: SecurityGroupRow[]): Promise<SecurityGroup[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "security_groups", ids);
    const rules = await rulesOfGroups(executor, ids);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      stateful: row.stateful,
      shared: false,
      security_group_rules: rules
        .filter((rule) => rule.security_group_id === row.id)
        .map(renderRule),
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}

/** The project whose default group a list request should make sure of. */
function listedProject(context: RequestContext, query: ListQuery): string {
  const filtered = query.filters.project_id?.[0];
  return typeof filtered === "string" ? filtered : (context.projectId ?? "");
}

function groupRow(
  id: string,
  projectId: string,
  name: string,
  description: string,
  stateful: boolean,
  now: string,
): SecurityGroupRow {
  return {
    id,
    project_id: projectId,
    name,
    description,
    stateful,
    created_at: now,
    updated_at: now,
    revision_number: 0,
  };
}

function ruleRow(
  groupId: string,
  projectId: string,
  direction: string,
  ethertype: string,
  remoteGroupId: string | null,
  now: string,
): SecurityGroupRuleRow {
  return {
    id: randomUUID(),
    project_id: projectId,
    security_group_id: groupId,
    remote_group_id: remoteGroupId,
    direction,
    ethertype,
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    description: "",
    created_at: now,
    updated_at: now,
    revision_number: 0,
  };
}

/** Renders a rule as the API shows it. */
export function renderRule(row: SecurityGroupRuleRow): SecurityGroupRule {
  return {
    id: row.id,
    tenant_id: row.project_id,
    project_id: row.project_id,
    security_group_id: row.security_group_id,
    ethertype: row.ethertype,
    direction: row.direction,
    protocol: row.protocol,
    port_range_min: row.port_range_min,
    port_range_max: row.port_range_max,
    remote_ip_prefix: row.remote_ip_prefix,
    normalized_cidr: normalizedCidr(row.remote_ip_prefix),
    remote_group_id: row.remote_group_id,
    description: row.description,
    created_at: apiTimestamp(row.created_at),
    updated_at: apiTimestamp(row.updated_at),
    revision_number: Number(row.revision_number),
  };
}

function normalizedCidr(prefix: string | null): string | null {
  const parsed = prefix === null ? undefined : parseCidr(prefix);
  return parsed === undefined ? null : formatNetwork(parsed);
}
