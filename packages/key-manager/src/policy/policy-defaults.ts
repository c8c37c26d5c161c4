/**
 * The key manager's policy rules, as upstream Barbican defines them in oslo.policy syntax.
 *
 * Each action has a new default (reader/member/admin roles), guarded by
 * `True:%(enforce_new_defaults)s`, and a legacy rule (admin/creator/observer/audit roles). As in
 * oslo.policy, the legacy rule is OR-ed in while new defaults are not enforced. The guard makes the
 * new rule fail in that case, so exactly one of the two sets applies. Actions of later domains
 * (containers, orders, ACLs, quotas) add their entries to `ACTION_RULES`.
 */

/** Rules that actions refer to with `rule:<name>`. */
export const BASE_RULES: Record<string, string> = {
  secret_project_match: "project_id:%(target.secret.project_id)s",
  secret_project_reader: "role:reader and rule:secret_project_match",
  secret_project_member: "role:member and rule:secret_project_match",
  secret_project_admin: "role:admin and rule:secret_project_match",
  secret_owner: "user_id:%(target.secret.creator_id)s",
  secret_is_not_private: "True:%(target.secret.read_project_access)s",
  secret_acl_read: "'read':%(target.secret.read)s",

  audit: "role:audit",
  observer: "role:observer",
  creator: "role:creator",
  admin: "role:admin",
  service_admin: "role:key-manager:service-admin",
  all_users: "rule:admin or rule:observer or rule:creator or rule:audit or rule:service_admin",
  all_but_audit: "rule:admin or rule:observer or rule:creator",
  admin_or_creator: "rule:admin or rule:creator",
  secret_creator_user: "user_id:%(target.secret.creator_id)s",
  secret_private_read: "'False':%(target.secret.read_project_access)s",
  secret_non_private_read:
    "rule:all_users and rule:secret_project_match and not rule:secret_private_read",
  secret_decrypt_non_private_read:
    "rule:all_but_audit and rule:secret_project_match and not rule:secret_private_read",
  secret_project_creator: "rule:creator and rule:secret_project_match and rule:secret_creator_user",
  secret_project_creator_role: "rule:creator and rule:secret_project_match",

  system_reader: "role:reader and system_scope:all",
  system_admin: "role:admin and system_scope:all",
  container_project_match: "project_id:%(target.container.project_id)s",
  container_project_member: "role:member and rule:container_project_match",
  container_project_admin: "role:admin and rule:container_project_match",
  container_owner: "user_id:%(target.container.creator_id)s",
  container_is_not_private: "True:%(target.container.read_project_access)s",
  container_acl_read: "'read':%(target.container.read)s",
  order_project_match: "project_id:%(target.order.project_id)s",
  order_project_member: "role:member and rule:order_project_match",
  container_private_read: "'False':%(target.container.read_project_access)s",
  container_creator_user: "user_id:%(target.container.creator_id)s",
  container_non_private_read:
    "rule:all_users and rule:container_project_match and not rule:container_private_read",
  container_project_creator:
    "rule:creator and rule:container_project_match and rule:container_creator_user",
  container_project_creator_role: "rule:creator and rule:container_project_match",
};

/** An action's new default and its legacy rule. */
export interface ActionRule {
  newDefault: string;
  legacy: string;
}

const NEW = "True:%(enforce_new_defaults)s and ";
const SECRET_WRITE_NEW = `${NEW}(rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))`;
const SECRET_META_WRITE_LEGACY =
  "rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and rule:secret_non_private_read)";

/** Rules of the actions the API enforces, by action name. */
export const ACTION_RULES: Record<string, ActionRule> = {
  "secrets:post": { newDefault: `${NEW}role:member`, legacy: "rule:admin_or_creator" },
  "secrets:get": { newDefault: `${NEW}role:member`, legacy: "rule:all_but_audit" },
  "secret:get": {
    newDefault: `${NEW}(rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or rule:secret_acl_read)`,
    legacy:
      "rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or rule:secret_acl_read",
  },
  "secret:decrypt": {
    newDefault: `${NEW}(rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or rule:secret_acl_read)`,
    legacy:
      "rule:secret_decrypt_non_private_read or rule:secret_project_creator or rule:secret_project_admin or rule:secret_acl_read",
  },
  "secret:put": {
    newDefault: SECRET_WRITE_NEW,
    legacy: "rule:admin_or_creator and rule:secret_project_match",
  },
  "secret:delete": {
    newDefault: `${NEW}(rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))`,
    legacy:
      "rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and not rule:secret_private_read)",
  },
  "secret_meta:get": {
    newDefault: `${NEW}(rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or rule:secret_acl_read)`,
    legacy:
      "rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or rule:secret_acl_read",
  },
  "secret_meta:post": { newDefault: SECRET_WRITE_NEW, legacy: SECRET_META_WRITE_LEGACY },
  "secret_meta:put": { newDefault: SECRET_WRITE_NEW, legacy: SECRET_META_WRITE_LEGACY },
  "secret_meta:delete": { newDefault: SECRET_WRITE_NEW, legacy: SECRET_META_WRITE_LEGACY },
};

const CONTAINER_WRITE_NEW = `${NEW}(rule:container_project_admin or (rule:container_project_member and rule:container_owner) or (rule:container_project_member and rule:container_is_not_private))`;
const CONTAINER_READ_NEW = `${NEW}(rule:container_project_admin or (rule:container_project_member and rule:container_owner) or (rule:container_project_member and rule:container_is_not_private) or rule:container_acl_read)`;
const CONTAINER_CONSUMERS_NEW = `${NEW}(rule:system_admin or rule:container_project_admin or (rule:container_project_member and rule:container_owner) or (rule:container_project_member and rule:container_is_not_private) or rule:container_acl_read)`;
const CONTAINER_CONSUMERS_LEGACY =
  "rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or rule:container_acl_read";
const SECRET_CONSUMERS_NEW = `${NEW}(rule:system_admin or rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or rule:secret_acl_read)`;
const SECRET_CONSUMERS_LEGACY =
  "rule:secret_non_private_read or rule:secret_project_creator or rule:secret_project_admin or rule:secret_acl_read";
const SECRET_ACL_WRITE_LEGACY =
  "rule:secret_project_admin or rule:secret_project_creator or (rule:secret_project_creator_role and rule:secret_non_private_read)";
const CONTAINER_ACL_WRITE_LEGACY =
  "rule:container_project_admin or rule:container_project_creator or (rule:container_project_creator_role and rule:container_non_private_read)";
const CONTAINER_SECRET_LEGACY =
  "rule:container_project_admin or rule:container_project_creator or rule:container_project_creator_role and rule:container_non_private_read";

/**
 * Rules of containers, consumers, ACLs, orders, quotas, secret stores and transport keys, as
 * Barbican 15 defines them. Barbican 15 gives project quotas and transport key writes to
 * system-scoped administrators; later releases moved them to project administrators.
 */
Object.assign(ACTION_RULES, {
  "secret_acls:get": {
    newDefault: SECRET_WRITE_NEW,
    legacy: "rule:all_but_audit and rule:secret_project_match",
  },
  "secret_acls:put_patch": { newDefault: SECRET_WRITE_NEW, legacy: SECRET_ACL_WRITE_LEGACY },
  "secret_acls:delete": { newDefault: SECRET_WRITE_NEW, legacy: SECRET_ACL_WRITE_LEGACY },
  "container_acls:get": {
    newDefault: CONTAINER_WRITE_NEW,
    legacy: "rule:all_but_audit and rule:container_project_match",
  },
  "container_acls:put_patch": {
    newDefault: CONTAINER_WRITE_NEW,
    legacy: CONTAINER_ACL_WRITE_LEGACY,
  },
  "container_acls:delete": { newDefault: CONTAINER_WRITE_NEW, legacy: CONTAINER_ACL_WRITE_LEGACY },
  "consumer:get": {
    newDefault: CONTAINER_CONSUMERS_NEW,
    legacy:
      "rule:admin or rule:observer or rule:creator or rule:audit or rule:container_non_private_read or rule:container_project_creator or rule:container_project_admin or rule:container_acl_read",
  },
  "container_consumers:get": {
    newDefault: CONTAINER_CONSUMERS_NEW,
    legacy: CONTAINER_CONSUMERS_LEGACY,
  },
  "container_consumers:post": {
    newDefault: CONTAINER_CONSUMERS_NEW,
    legacy: CONTAINER_CONSUMERS_LEGACY,
  },
  "container_consumers:delete": {
    newDefault: CONTAINER_CONSUMERS_NEW,
    legacy: CONTAINER_CONSUMERS_LEGACY,
  },
  "secret_consumers:get": { newDefault: SECRET_CONSUMERS_NEW, legacy: SECRET_CONSUMERS_LEGACY },
  "secret_consumers:post": { newDefault: SECRET_CONSUMERS_NEW, legacy: SECRET_CONSUMERS_LEGACY },
  "secret_consumers:delete": { newDefault: SECRET_CONSUMERS_NEW, legacy: SECRET_CONSUMERS_LEGACY },
  "containers:post": { newDefault: `${NEW}role:member`, legacy: "rule:admin_or_creator" },
  "containers:get": { newDefault: `${NEW}role:member`, legacy: "rule:all_but_audit" },
  "container:get": { newDefault: CONTAINER_READ_NEW, legacy: CONTAINER_CONSUMERS_LEGACY },
  "container:delete": {
    newDefault: CONTAINER_WRITE_NEW,
    legacy: "rule:container_project_admin or rule:container_project_creator",
  },
  "container_secret:post": { newDefault: CONTAINER_WRITE_NEW, legacy: CONTAINER_SECRET_LEGACY },
  "container_secret:delete": { newDefault: CONTAINER_WRITE_NEW, legacy: CONTAINER_SECRET_LEGACY },
  "orders:get": { newDefault: `${NEW}role:member`, legacy: "rule:all_but_audit" },
  "orders:post": { newDefault: `${NEW}role:member`, legacy: "rule:admin_or_creator" },
  "orders:put": { newDefault: `${NEW}role:member`, legacy: "rule:admin_or_creator" },
  "order:get": {
    newDefault: `${NEW}rule:order_project_member`,
    legacy: "rule:all_users and project_id:%(target.order.project_id)s",
  },
  "order:delete": {
    newDefault: `${NEW}rule:order_project_member`,
    legacy: "rule:admin and project_id:%(target.order.project_id)s",
  },
  "quotas:get": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "project_quotas:get": { newDefault: `${NEW}rule:system_reader`, legacy: "rule:service_admin" },
  "project_quotas:put": { newDefault: `${NEW}rule:system_admin`, legacy: "rule:service_admin" },
  "project_quotas:delete": { newDefault: `${NEW}rule:system_admin`, legacy: "rule:service_admin" },
  "secretstores:get": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "secretstores:get_global_default": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "secretstores:get_preferred": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "secretstore_preferred:post": { newDefault: `${NEW}role:admin`, legacy: "rule:admin" },
  "secretstore_preferred:delete": { newDefault: `${NEW}role:admin`, legacy: "rule:admin" },
  "secretstore:get": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "transport_key:get": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "transport_key:delete": { newDefault: `${NEW}rule:system_admin`, legacy: "rule:service_admin" },
  "transport_keys:get": { newDefault: `${NEW}role:reader`, legacy: "rule:all_users" },
  "transport_keys:post": { newDefault: `${NEW}rule:system_admin`, legacy: "rule:service_admin" },
} satisfies Record<string, ActionRule>);

/** A token scope that a rule accepts when `policy.enforce_scope` is set. */
export type ScopeType = "project" | "system";

const PROJECT_AND_SYSTEM: ScopeType[] = ["project", "system"];
const SYSTEM_ONLY: ScopeType[] = ["system"];

/**
 * Scope types of each action, as Barbican 15 declares them. An action not listed accepts
 * project-scoped tokens only.
 */
export const ACTION_SCOPES: Record<string, ScopeType[]> = {
  "consumer:get": PROJECT_AND_SYSTEM,
  "container_consumers:get": PROJECT_AND_SYSTEM,
  "container_consumers:post": PROJECT_AND_SYSTEM,
  "container_consumers:delete": PROJECT_AND_SYSTEM,
  "secret_consumers:get": PROJECT_AND_SYSTEM,
  "secret_consumers:post": PROJECT_AND_SYSTEM,
  "secret_consumers:delete": PROJECT_AND_SYSTEM,
  "project_quotas:get": SYSTEM_ONLY,
  "project_quotas:put": SYSTEM_ONLY,
  "project_quotas:delete": SYSTEM_ONLY,
  "secretstores:get": PROJECT_AND_SYSTEM,
  "secretstores:get_global_default": PROJECT_AND_SYSTEM,
  "secretstores:get_preferred": PROJECT_AND_SYSTEM,
  "secretstore:get": PROJECT_AND_SYSTEM,
  "transport_key:get": PROJECT_AND_SYSTEM,
  "transport_keys:get": PROJECT_AND_SYSTEM,
  "transport_key:delete": SYSTEM_ONLY,
  "transport_keys:post": SYSTEM_ONLY,
};

/** Returns the scope types an action accepts. */
export function scopeTypesOf(action: string): ScopeType[] {
  return ACTION_SCOPES[action] ?? ["project"];
}

/**
 * Returns the default rule set: the base rules plus, for each action, its new default alone when
 * `enforceNewDefaults` is set, else the new default OR-ed with the legacy rule.
 */
export function defaultPolicyRules(enforceNewDefaults: boolean): Record<string, string> {
  const rules: Record<string, string> = { ...BASE_RULES };
  for (const [action, rule] of Object.entries(ACTION_RULES)) {
    rules[action] = enforceNewDefaults
      ? rule.newDefault
      : `(${rule.newDefault}) or (${rule.legacy})`;
  }
  return rules;
}
