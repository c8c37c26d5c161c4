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
    newDefault: `${NEW}(role:admin or rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private) or rule:secret_acl_read)`,
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
    newDefault: `${NEW}(role:admin or rule:secret_project_admin or (rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and rule:secret_is_not_private))`,
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
