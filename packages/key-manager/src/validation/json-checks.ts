import { pythonList, pythonRepr } from "../api/python-repr.js";
import { invalidObject } from "../secrets/secret-validation.js";

/** A JSON type name as JSON Schema spells it. */
export type JsonType = "string" | "integer" | "boolean" | "null" | "object" | "array";

/**
 * A subset of JSON Schema: enough for upstream's request schemas. Messages follow Python's
 * jsonschema, which upstream reports in its 400 responses.
 */
export interface JsonRule {
  types?: JsonType[];
  minLength?: number;
  maxLength?: number;
  values?: readonly string[];
  /** Properties of an object, checked in this order. */
  properties?: [string, JsonRule][];
  required?: string[];
  /**
   * Draft 3 schemas mark required properties inside each property, so jsonschema names the
   * missing property as the invalid one; draft 4's top-level `required` names none.
   */
  requiredNamesProperty?: boolean;
  additionalProperties?: false;
  /** Rule of every array item. */
  items?: JsonRule;
}

/** A violation: jsonschema's message and the top-level property it concerns, if any. */
interface Violation {
  reason: string;
  property: string | null;
}

/**
 * Checks a parsed body against a rule and raises upstream's 400 ("Provided object does not match
 * schema '<schema>': <reason>. Invalid property: '<property>'") at the first violation.
 */
export function checkJson(body: unknown, schema: string, rule: JsonRule): void {
  const violation = findViolation(body, rule, null);
  if (violation !== undefined) {
    throw invalidObject(schema, violation.reason, violation.property);
  }
}

/** Returns true when the value is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function findViolation(
  value: unknown,
  rule: JsonRule,
  property: string | null,
): Violation | undefined {
  if (rule.types !== undefined && !rule.types.some((type) => isJsonType(value, type))) {
    const types = rule.types.map((type) => `'${type}'`).join(", ");
    return { reason: `${pythonRepr(value)} is not of type ${types}`, property };
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (rule.minLength !== undefined && length < rule.minLength) {
      return { reason: `${pythonRepr(value)} is too short`, property };
    }
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      return { reason: `${pythonRepr(value)} is too long`, property };
    }
    if (rule.values !== undefined && !rule.values.includes(value)) {
      return { reason: `${pythonRepr(value)} is not one of ${pythonList(rule.values)}`, property };
    }
  }
  if (Array.isArray(value) && rule.items !== undefined) {
    for (const item of value) {
      const found = findViolation(item, rule.items, property);
      if (found !== undefined) {
        return found;
      }
    }
  }
  if (isJsonObject(value)) {
    return objectViolation(value, rule, property);
  }
  return undefined;
}

function objectViolation(
  value: Record<string, unknown>,
  rule: JsonRule,
  property: string | null,
): Violation | undefined {
  for (const [name, propertyRule] of rule.properties ?? []) {
    if (name in value) {
      const found = findViolation(value[name], propertyRule, property ?? name);
      if (found !== undefined) {
        return found;
      }
    }
  }
  for (const name of rule.required ?? []) {
    if (!(name in value)) {
      const invalid = rule.requiredNamesProperty === true ? (property ?? name) : property;
      return { reason: `'${name}' is a required property`, property: invalid };
    }
  }
  if (rule.additionalProperties === false) {
    const known = new Set((rule.properties ?? []).map(([name]) => name));
    const unexpected = Object.keys(value).filter((name) => !known.has(name));
    if (unexpected.length > 0) {
      const names = unexpected.map((name) => pythonRepr(name)).join(", ");
      const verb = unexpected.length === 1 ? "was" : "were";
      return {
        reason: `Additional properties are not allowed (${names} ${verb} unexpected)`,
        property,
      };
    }
  }
  return undefined;
}

function isJsonType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "object":
      return isJsonObject(value);
    case "array":
      return Array.isArray(value);
  }
}
