import { type AuthContext, PolicyEnforcer, policyCredentials } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import { defaultPolicyRules, scopeTypesOf } from "./policy-defaults.js";

/**
 * The stored facts about a protected entity that policy rules read. Built only from stored data,
 * never from the request, so query parameters cannot change a decision.
 */
export interface PolicyEntity {
  /** `secret` or `container`: the name under `target.` in the rules. */
  kind: string;
  projectId: string;
  creatorId: string | null;
  /** False when the entity's read ACL makes it private to its creator and ACL users. */
  readProjectAccess: boolean;
  /** True when the caller is listed in the entity's read ACL. */
  callerInReadAcl: boolean;
}

export interface AuthorizerOptions {
  enforceNewDefaults: boolean;
  /**
   * Denies an action to a token whose scope (project or system) the action does not accept, as
   * oslo.policy's `enforce_scope` does. Without it the scope is not checked.
   */
  enforceScope?: boolean;
  /** YAML or JSON file of rule overrides. */
  overridesFile?: string;
  overrides?: Record<string, string>;
}

/** Decides policy actions and raises upstream's 403 when one is denied. */
export interface Authorizer {
  /**
   * Throws FORBIDDEN, naming `operation` as upstream does ("Secret retrieval attempt not
   * allowed..."), unless the caller may perform `action` on `entity`.
   */
  authorize(caller: AuthContext, action: string, operation: string, entity?: PolicyEntity): void;
  /** Returns whether the caller may perform `action` on `entity`. */
  isAllowed(caller: AuthContext, action: string, entity?: PolicyEntity): boolean;
}

/** Builds the authorizer over the kernel's PolicyEnforcer with the upstream default rules. */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const enforcer = new PolicyEnforcer({
    defaults: defaultPolicyRules(options.enforceNewDefaults),
    overridesFile: options.overridesFile,
    overrides: options.overrides ?? {},
  });

  function isAllowed(caller: AuthContext, action: string, entity?: PolicyEntity): boolean {
    if (options.enforceScope === true && !scopeAccepted(caller, action)) {
      return false;
    }
    const target = policyTarget(options.enforceNewDefaults, entity);
    return enforcer.enforce(action, target, policyCredentials(caller));
  }

  return {
    isAllowed,
    authorize(caller, action, operation, entity) {
      if (!isAllowed(caller, action, entity)) {
        throw errors.create("FORBIDDEN", { operation });
      }
    },
  };
}

/** Returns true when the action accepts the caller's token scope. */
function scopeAccepted(caller: AuthContext, action: string): boolean {
  const scope = caller.systemScope ? "system" : caller.projectId !== null ? "project" : null;
  return scope !== null && scopeTypesOf(action).includes(scope);
}

/** Builds the flat target dictionary upstream passes to oslo.policy. */
function policyTarget(enforceNewDefaults: boolean, entity?: PolicyEntity): Record<string, unknown> {
  const target: Record<string, unknown> = { enforce_new_defaults: enforceNewDefaults };
  if (entity === undefined) {
    return target;
  }
  const prefix = `target.${entity.kind}`;
  target[`${prefix}.project_id`] = entity.projectId;
  target[`${prefix}.creator_id`] = entity.creatorId;
  target[`${prefix}.read_project_access`] = entity.readProjectAccess;
  if (entity.callerInReadAcl) {
    target[`${prefix}.read`] = "read";
  }
  return target;
}
