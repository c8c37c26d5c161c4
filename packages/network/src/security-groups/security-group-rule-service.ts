import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import type { ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { canonicalizeAndCheck, type RuleValues, ruleKey } from "./rule-checks.js";
import {
  deleteRuleRow,
  findRule,
  findSecurityGroup,
  insertRule,
  listRuleRows,
  rulesOfGroups,
  ruleVisibility,
  securityGroupRuleListSpec,
} from "./security-group-repo.js";
import type { SecurityGroupService } from "./security-group-service.js";
import { renderRule } from "./security-group-service.js";
import { type SecurityGroupRule, securityGroupRuleDefinition } from "./security-group-types.js";

export interface SecurityGroupRuleServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  groups: Pick<SecurityGroupService, "ensureDefault">;
}

/** Security group rules: validation, duplicate detection, create, read and delete. */
export class SecurityGroupRuleService implements ResourceService {
  readonly definition = securityGroupRuleDefinition;
  readonly #deps: SecurityGroupRuleServiceDependencies;

  constructor(dependencies: SecurityGroupRuleServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<SecurityGroupRule[]> {
    const rules = items.map((item) => ({ values: item.values, rule: ruleValues(item.values) }));
    for (const { rule } of rules) {
      canonicalizeAndCheck(rule);
    }
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      const seen = new Set<string>();
      const created: string[] = [];
      for (const { values, rule } of rules) {
        const projectId = String(values.project_id);
        await this.#checkGroups(trx, context, rule, projectId);
        await this.#checkDuplicate(trx, rule, seen);
        await this.#deps.quotas.check(trx, projectId, "security_group_rule");
        const id = randomUUID();
        const now = nowTimestamp();
        await insertRule(trx, {
          id,
          project_id: projectId,
          ...rule,
          description: String(values.description),
          created_at: now,
          updated_at: now,
          revision_number: 0,
        });
        created.push(id);
      }
      return created;
    });
    const created: SecurityGroupRule[] = [];
    for (const id of ids) {
      const row = await findRule(this.#deps.store.db, id);
      if (row !== undefined) {
        created.push(renderRule(row));
      }
    }
    for (const rule of created) {
      this.#deps.events.publish(context, "security_group_rule", "create", rule);
    }
    return created;
  }

  /**
   * The group and the remote group must exist for the rule's project (any group for an admin),
   * as Neutron checks them with the rule's project as the caller.
   */
  async #checkGroups(trx: Executor, context: RequestContext, rule: RuleValues, projectId: string) {
    for (const groupId of [rule.remote_group_id, rule.security_group_id]) {
      if (groupId === null) {
        continue;
      }
      const group = await findSecurityGroup(trx, groupId);
      if (group === undefined || (!context.isAdmin && group.project_id !== projectId)) {
        throw neutronError("SecurityGroupNotFound", { id: groupId });
      }
    }
  }

  async #checkDuplicate(trx: Executor, rule: RuleValues, seen: Set<string>) {
    const key = ruleKey(rule);
    if (seen.has(key)) {
      throw neutronError("DuplicateSecurityGroupRuleInPost");
    }
    seen.add(key);
    for (const existing of await rulesOfGroups(trx, [rule.security_group_id])) {
      if (ruleKey(existing) === key) {
        throw neutronError("SecurityGroupRuleExists", { rule_id: existing.id });
      }
    }
  }

  async show(context: RequestContext, id: string): Promise<SecurityGroupRule> {
    const row = await findRule(this.#deps.store.db, id, ruleVisibility(context));
    if (row === undefined) {
      throw neutronError("SecurityGroupRuleNotFound", { id });
    }
    return renderRule(row);
  }

  async list(context: RequestContext, query: ListQuery): Promise<SecurityGroupRule[]> {
    const filtered = query.filters.project_id?.[0];
    await this.#deps.groups.ensureDefault(
      context,
      typeof filtered === "string" ? filtered : (context.projectId ?? ""),
    );
    const db = this.#deps.store.db;
    const visibility = ruleVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      securityGroupRuleListSpec,
      async (marker) => (await findRule(db, marker, visibility)) !== undefined,
      (marker) => neutronError("SecurityGroupRuleNotFound", { id: marker }),
    );
    return (await listRuleRows(db, parts, visibility)).map(renderRule);
  }

  async update(): Promise<SecurityGroupRule> {
    throw neutronError("HTTPMethodNotAllowed");
  }

  async remove(context: RequestContext, id: string, original: SecurityGroupRule): Promise<void> {
    await this.#deps.store.writeTransaction((trx) => deleteRuleRow(trx, id));
    this.#deps.events.publish(context, "security_group_rule", "delete", original);
  }

  async policyExtras(
    _context: RequestContext,
    item: Record<string, unknown>,
  ): Promise<PolicyExtras> {
    const group = await findSecurityGroup(this.#deps.store.db, String(item.security_group_id));
    return { securityGroupProjectId: group?.project_id };
  }
}

function ruleValues(values: Record<string, unknown>): RuleValues {
  return {
    security_group_id: String(values.security_group_id),
    remote_group_id: values.remote_group_id === null ? null : String(values.remote_group_id),
    direction: String(values.direction),
    ethertype: String(values.ethertype),
    protocol: values.protocol as string | null,
    port_range_min: values.port_range_min as number | null,
    port_range_max: values.port_range_max as number | null,
    remote_ip_prefix: values.remote_ip_prefix as string | null,
  };
}
