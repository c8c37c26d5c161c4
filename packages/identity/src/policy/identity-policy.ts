import { PolicyEnforcer, policyCredentials } from "@openstack-ts/kernel";
import type { FastifyRequest } from "fastify";
import { identityError } from "../errors.js";

const ADMIN = "rule:admin_required";
const ADMIN_OR_READER = "rule:admin_required or rule:system_reader";

/**
 * Default rules, in the spirit of Keystone's legacy defaults (`enforce_new_defaults = false`):
 * the admin role on any scope may do everything, a system-scoped reader may read, and users may
 * read themselves, their projects and their tokens. Operators override rules with `policy.file`.
 */
export const IDENTITY_POLICY_DEFAULTS: Record<string, string> = {
  admin_required: "role:admin",
  service_role: "role:service",
  system_reader: "role:reader and system_scope:all",
  owner: "user_id:%(user_id)s",
  admin_or_owner: "rule:admin_required or rule:owner",
  token_subject: "user_id:%(target.token.user_id)s",
  default: ADMIN,

  "identity:validate_token": "rule:admin_required or rule:service_role or rule:token_subject",
  "identity:check_token": "rule:admin_required or rule:service_role or rule:token_subject",
  "identity:revoke_token": "rule:admin_required or rule:token_subject",
  "identity:get_auth_catalog": "",
  "identity:get_auth_projects": "",
  "identity:get_auth_domains": "",
  "identity:get_auth_system": "",

  "identity:get_domain": `${ADMIN_OR_READER} or project_domain_id:%(target.domain.id)s or domain_id:%(target.domain.id)s`,
  "identity:list_domains": ADMIN_OR_READER,
  "identity:create_domain": ADMIN,
  "identity:update_domain": ADMIN,
  "identity:delete_domain": ADMIN,

  "identity:get_project": `${ADMIN_OR_READER} or project_id:%(target.project.id)s`,
  "identity:list_projects": ADMIN_OR_READER,
  "identity:list_user_projects": "rule:admin_or_owner or rule:system_reader",
  "identity:create_project": ADMIN,
  "identity:update_project": ADMIN,
  "identity:delete_project": ADMIN,
  "identity:list_project_tags": `${ADMIN_OR_READER} or project_id:%(target.project.id)s`,
  "identity:get_project_tag": `${ADMIN_OR_READER} or project_id:%(target.project.id)s`,
  "identity:update_project_tags": ADMIN,
  "identity:create_project_tag": ADMIN,
  "identity:delete_project_tags": ADMIN,
  "identity:delete_project_tag": ADMIN,

  "identity:get_user": "rule:admin_or_owner or rule:system_reader",
  "identity:list_users": ADMIN_OR_READER,
  "identity:create_user": ADMIN,
  "identity:update_user": ADMIN,
  "identity:delete_user": ADMIN,
  "identity:list_groups_for_user": "rule:admin_or_owner or rule:system_reader",
  "identity:get_group": ADMIN_OR_READER,
  "identity:list_groups": ADMIN_OR_READER,
  "identity:list_users_in_group": ADMIN_OR_READER,
  "identity:check_user_in_group": ADMIN_OR_READER,
  "identity:create_group": ADMIN,
  "identity:update_group": ADMIN,
  "identity:delete_group": ADMIN,
  "identity:add_user_to_group": ADMIN,
  "identity:remove_user_from_group": ADMIN,

  "identity:get_role": ADMIN_OR_READER,
  "identity:list_roles": ADMIN_OR_READER,
  "identity:create_role": ADMIN,
  "identity:update_role": ADMIN,
  "identity:delete_role": ADMIN,
  "identity:get_implied_role": ADMIN_OR_READER,
  "identity:list_implied_roles": ADMIN_OR_READER,
  "identity:list_role_inference_rules": ADMIN_OR_READER,
  "identity:create_implied_role": ADMIN,
  "identity:delete_implied_role": ADMIN,

  "identity:check_grant": ADMIN_OR_READER,
  "identity:list_grants": ADMIN_OR_READER,
  "identity:create_grant": ADMIN,
  "identity:revoke_grant": ADMIN,
  "identity:list_role_assignments": ADMIN_OR_READER,

  "identity:ec2_get_credential": "rule:admin_or_owner",
  "identity:ec2_list_credentials": "rule:admin_or_owner",
  "identity:ec2_create_credential": "rule:admin_or_owner",
  "identity:ec2_delete_credential": "rule:admin_or_owner",

  "identity:get_application_credential": "rule:admin_or_owner",
  "identity:list_application_credentials": "rule:admin_or_owner",
  "identity:create_application_credential": "rule:owner",
  "identity:delete_application_credential": "rule:admin_or_owner",
  "identity:get_access_rule": "rule:admin_or_owner",
  "identity:list_access_rules": "rule:admin_or_owner",
  "identity:delete_access_rule": "rule:admin_or_owner",

  "identity:get_service": ADMIN_OR_READER,
  "identity:list_services": ADMIN_OR_READER,
  "identity:get_endpoint": ADMIN_OR_READER,
  "identity:list_endpoints": ADMIN_OR_READER,
  "identity:get_region": "",
  "identity:list_regions": "",
};

/** Checks a request against a policy rule and throws a 403 when the rule does not pass. */
export type Authorize = (
  request: FastifyRequest,
  action: string,
  target?: Record<string, unknown>,
) => void;

/** Creates the policy check of the routes, from the defaults and the operator's overrides. */
export function createAuthorize(overridesFile: string): Authorize {
  const enforcer = new PolicyEnforcer({
    defaults: IDENTITY_POLICY_DEFAULTS,
    overridesFile,
  });
  return (request, action, target = {}) => {
    if (!enforcer.enforce(action, target, policyCredentials(request.auth))) {
      throw identityError("FORBIDDEN", { action });
    }
  };
}
