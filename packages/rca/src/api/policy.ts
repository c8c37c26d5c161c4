import { type PolicyEnforcer, policyCredentials } from "@openstack-ts/kernel";
import type { FastifyRequest } from "fastify";
import { rcaErrors } from "../errors.js";

const ADMIN = "role:admin";

/**
 * Upstream Vitrage's default rules: every action is open to any authenticated caller, except
 * the `:all_tenants` variants, which need the admin role.
 */
export const RCA_POLICY_DEFAULTS: Record<string, string> = {
  "get topology": "",
  "get topology:all_tenants": ADMIN,
  "get alarm": "",
  "list alarms": "",
  "list alarms:all_tenants": ADMIN,
  "list alarms history": "",
  "list alarms history:all_tenants": ADMIN,
  "get alarms count": "",
  "get alarms count:all_tenants": ADMIN,
  "get rca": "",
  "get rca:all_tenants": ADMIN,
  "get resource": "",
  "list resources": "",
  "list resources:all_tenants": ADMIN,
  "count resources": "",
  "count resources:all_tenants": ADMIN,
  "template validate": "",
  "template add": "",
  "template delete": "",
  "template list": "",
  "template show": "",
  "event post": "",
  "webhook add": "",
  "webhook delete": "",
  "webhook list": "",
  "webhook list:all_tenants": ADMIN,
  "webhook show": "",
  "get service list": "",
  "get status": "",
};

/** Checks a policy rule for the caller; throws 403 "Authorization Failed" when it fails. */
export function enforce(
  policy: Pick<PolicyEnforcer, "enforce">,
  request: FastifyRequest,
  rule: string,
): void {
  if (!policy.enforce(rule, {}, policyCredentials(request.auth))) {
    throw rcaErrors.create("POLICY_FORBIDDEN");
  }
}

/** Reads a flag the way oslo's `bool_from_string` does: true, 1, yes, on, y, t. */
export function parseFlag(value: unknown): boolean {
  if (typeof value === "boolean") {
    return value;
  }
  if (typeof value === "number") {
    return value === 1;
  }
  if (typeof value !== "string") {
    return false;
  }
  return ["1", "t", "true", "on", "y", "yes"].includes(value.trim().toLowerCase());
}

/** Reads a query parameter that may be repeated as a list. */
export function asList(value: unknown): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).map(String);
}
