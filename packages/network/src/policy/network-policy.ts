import { readFileSync } from "node:fs";
import { PolicyEnforcer } from "@openstack-ts/kernel";
import { parse as parseYaml } from "yaml";
import { parseBoolean } from "../api/converters.js";
import type { RequestContext, RoleChecker } from "../api/request-context.js";
import { isPlainObject } from "../api/validators.js";
import { neutronError } from "../errors.js";
import { DEFAULT_POLICY_RULES } from "./default-rules.js";

/** The parent network of a subnet or port, which several rules look at. */
export interface PolicyNetwork {
  project_id: string;
  shared: boolean;
  external: boolean;
}

/** Facts about related resources that a policy target needs besides the resource itself. */
export interface PolicyExtras {
  network?: PolicyNetwork | undefined;
  /** Owner of the security group of a security group rule. */
  securityGroupProjectId?: string | undefined;
}

/** The attribute rules to add to a create or update check. */
export interface AttributeCheck {
  /** Attributes that carry `enforce_policy`. */
  enforced: readonly string[];
  /** Attributes the request set explicitly (on create: set and different from the default). */
  explicit: ReadonlySet<string>;
}

const FIELD_CHECK = /field:([^\s()]+)/g;

/**
 * Neutron's authorization: the default rules of Neutron 21 in legacy mode (each new rule is OR-ed
 * with its deprecated one), plus operator overrides. They are applied as Neutron applies them. An
 * admin passes every check. Create and update also check `<action>:<attribute>` for each explicitly
 * set attribute that enforces policy. Reads hide attributes whose `get_<resource>:<attribute>` rule
 * fails.
 *
 * Neutron's `field:<collection>:<attribute>=<value>` checks are not part of the kernel's rule
 * language, so each one is rewritten into a literal check against a computed target key named
 * after the original text (`True:%(field:networks:shared=True)s`), and that key is filled before
 * every evaluation.
 */
export class NetworkPolicy implements RoleChecker {
  readonly #enforcer: PolicyEnforcer;
  readonly #fieldChecks: string[];

  constructor(overridesFile = "") {
    const overrides = overridesFile === "" ? {} : readOverrides(overridesFile);
    const rules = { ...DEFAULT_POLICY_RULES, ...overrides };
    const fieldChecks = new Set<string>();
    const rewritten: Record<string, string> = {};
    for (const [name, expression] of Object.entries(rules)) {
      rewritten[name] = expression.replace(FIELD_CHECK, (whole) => {
        fieldChecks.add(whole);
        return `True:%(${whole})s`;
      });
    }
    this.#enforcer = new PolicyEnforcer({ defaults: rewritten });
    this.#fieldChecks = [...fieldChecks];
  }

  isAdmin(credentials: Record<string, unknown>): boolean {
    return this.#enforcer.enforce("context_is_admin", {}, credentials);
  }

  isAdvsvc(credentials: Record<string, unknown>): boolean {
    return this.#enforcer.enforce("context_is_advsvc", {}, credentials);
  }

  /** Returns whether the caller may perform `action` (with its attribute rules) on the target. */
  check(
    context: RequestContext,
    action: string,
    item: Record<string, unknown>,
    extras: PolicyExtras = {},
    attributes?: AttributeCheck,
  ): boolean {
    return this.#failedRule(context, action, item, extras, attributes) === undefined;
  }

  /** Throws Neutron's 403 PolicyNotAuthorized when `check` fails. */
  enforce(
    context: RequestContext,
    action: string,
    item: Record<string, unknown>,
    extras: PolicyExtras = {},
    attributes?: AttributeCheck,
  ): void {
    const failed = this.#failedRule(context, action, item, extras, attributes);
    if (failed !== undefined) {
      throw neutronError("PolicyNotAuthorized", { rule: failed });
    }
  }

  /** Removes the attributes whose `get_<resource>:<attribute>` rule fails for the caller. */
  filterAttributes(
    context: RequestContext,
    resource: string,
    item: Record<string, unknown>,
    extras: PolicyExtras = {},
  ): Record<string, unknown> {
    if (context.isAdmin) {
      return item;
    }
    const target = this.#target(item, extras);
    const shown: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item)) {
      const rule = `get_${resource}:${name}`;
      if (
        name === "project_id" ||
        !this.#enforcer.hasRule(rule) ||
        this.#enforcer.enforce(rule, target, context.credentials)
      ) {
        shown[name] = value;
      }
    }
    return shown;
  }

  #failedRule(
    context: RequestContext,
    action: string,
    item: Record<string, unknown>,
    extras: PolicyExtras,
    attributes: AttributeCheck | undefined,
  ): string | undefined {
    if (context.isAdmin) {
      return undefined;
    }
    const rules = [action, ...attributeRules(action, item, attributes)];
    const target = this.#target(item, extras);
    const allowed = rules.every((rule) =>
      this.#enforcer.enforce(rule, target, context.credentials),
    );
    if (allowed) {
      return undefined;
    }
    return rules.length === 1
      ? `rule:${action}`
      : `(${rules.map((rule) => `rule:${rule}`).join(" and ")})`;
  }

  #target(item: Record<string, unknown>, extras: PolicyExtras): Record<string, unknown> {
    const target: Record<string, unknown> = { ...item };
    if (target.tenant_id === undefined && item.project_id !== undefined) {
      target.tenant_id = item.project_id;
    }
    if (extras.network !== undefined) {
      target["network:tenant_id"] = extras.network.project_id;
      target["network:project_id"] = extras.network.project_id;
    }
    if (extras.securityGroupProjectId !== undefined) {
      target["security_group:tenant_id"] = extras.securityGroupProjectId;
    }
    for (const check of this.#fieldChecks) {
      target[check] = evaluateFieldCheck(check, item, extras);
    }
    return target;
  }
}

/** The `<action>:<attribute>` and `<action>:<attribute>:<key>` rules a request must also pass. */
function attributeRules(
  action: string,
  item: Record<string, unknown>,
  attributes: AttributeCheck | undefined,
): string[] {
  if (attributes === undefined) {
    return [];
  }
  const rules: string[] = [];
  for (const name of attributes.enforced) {
    if (!attributes.explicit.has(name)) {
      continue;
    }
    rules.push(`${action}:${name}`);
    const value = item[name];
    if (isPlainObject(value)) {
      // A dictionary attribute (a router's external_gateway_info) checks each key it carries.
      for (const key of Object.keys(value)) {
        rules.push(`${action}:${name}:${key}`);
      }
      continue;
    }
    if (!Array.isArray(value)) {
      continue;
    }
    for (const entry of value) {
      if (typeof entry === "object" && entry !== null) {
        for (const key of Object.keys(entry)) {
          rules.push(`${action}:${name}:${key}`);
        }
      }
    }
  }
  return [...new Set(rules)];
}

/**
 * Evaluates `field:<collection>:<attribute>=<value>`: the attribute of the item, or of its network
 * for `networks:shared` and `networks:router:external` on subnets and ports. A value starting
 * with `~` is a regular expression.
 */
function evaluateFieldCheck(
  check: string,
  item: Record<string, unknown>,
  extras: PolicyExtras,
): boolean {
  const body = check.slice("field:".length);
  const colon = body.indexOf(":");
  const collection = body.slice(0, colon);
  const [field, expected] = splitOnce(body.slice(colon + 1), "=");
  let actual: unknown = item[field];
  if (actual === undefined && collection === "networks" && extras.network !== undefined) {
    actual = field === "shared" ? extras.network.shared : undefined;
    actual = field === "router:external" ? extras.network.external : actual;
  }
  if (actual === undefined || actual === null) {
    return false;
  }
  if (expected.startsWith("~")) {
    return new RegExp(`^(?:${expected.slice(1)})`).test(String(actual));
  }
  if (typeof actual === "boolean") {
    return parseBoolean(expected) === actual;
  }
  return String(actual) === expected;
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ""] : [text.slice(0, index), text.slice(index + 1)];
}

function readOverrides(file: string): Record<string, string> {
  const document = parseYaml(readFileSync(file, "utf8")) as unknown;
  if (document === null || document === undefined) {
    return {};
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new Error(`policy file ${file} must be a mapping of rule names to expressions`);
  }
  const rules: Record<string, string> = {};
  for (const [name, expression] of Object.entries(document)) {
    if (typeof expression !== "string") {
      throw new Error(`policy file ${file}: rule ${name} must be a string`);
    }
    rules[name] = expression;
  }
  return rules;
}
