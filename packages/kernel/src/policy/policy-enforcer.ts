import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { evaluatePolicyRule, type PolicyRule, parsePolicyRule } from "./policy-rule.js";

export interface PolicyEnforcerOptions {
  /** The service's default rules, by name. */
  defaults: Record<string, string>;
  /** A YAML or JSON file of rule overrides (`name: "expression"`), as oslo.policy reads. */
  overridesFile?: string | undefined;
  /** Overrides given directly, applied after the file. */
  overrides?: Record<string, string>;
}

/**
 * Holds a service's policy rules and decides whether a caller may perform an action on a target.
 * An action with no rule falls back to the `default` rule, and to "deny" without one.
 */
export class PolicyEnforcer {
  readonly #rules = new Map<string, PolicyRule>();

  constructor(options: PolicyEnforcerOptions) {
    const sources: Record<string, string> = { ...options.defaults };
    if (options.overridesFile !== undefined && options.overridesFile !== "") {
      Object.assign(sources, readOverrides(options.overridesFile));
    }
    Object.assign(sources, options.overrides ?? {});
    for (const [name, expression] of Object.entries(sources)) {
      this.#rules.set(name, parsePolicyRule(expression));
    }
  }

  /** Returns true when the rule for `action` passes for these credentials and this target. */
  enforce(
    action: string,
    target: Record<string, unknown>,
    credentials: Record<string, unknown>,
  ): boolean {
    const rule = this.#rules.get(action) ?? this.#rules.get("default");
    if (rule === undefined) {
      return false;
    }
    return evaluatePolicyRule(rule, target, credentials, (name) => this.#rules.get(name));
  }

  hasRule(name: string): boolean {
    return this.#rules.has(name);
  }
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
