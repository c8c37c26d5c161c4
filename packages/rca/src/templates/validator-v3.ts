/**
 * Validation of version 3 templates: the structure (entities as a mapping, inline relationships
 * in conditions, one key per action), then regular expressions, conditions, parameters, and a
 * trial load.
 *
 * @module
 */
import { ACTION_TYPES, ActionType } from "../evaluator/evaluator-types.js";
import { compilePattern } from "../graph/graph-filter.js";
import {
  ConditionParseError,
  type DnfCondition,
  hasPositiveClause,
  parseCondition,
} from "./condition.js";
import {
  anyOf,
  anyString,
  isSchemaFailure,
  mappingOf,
  oneOf,
  SchemaError,
  satisfies,
  statusCodeOf,
  type Validator,
  validate,
} from "./schema.js";
import { TEMPLATE_TYPES, TEMPLATE_VERSIONS } from "./status-messages.js";
import { isFunctionCall, resolveParameters } from "./template-functions.js";
import { loadTemplateV3 } from "./template-loader.js";
import {
  correctResult,
  customFault,
  GENERAL_DESCRIPTION,
  TemplateValidationError,
  type ValidationResult,
} from "./validation-result.js";

type TemplateDocument = Readonly<Record<string, unknown>>;

/** Pattern of an inline relationship, `source [label] target`. */
export const RELATIONSHIP_PATTERN = /(\w+)\s*\[\s*(\w+)\s*\]\s*(\w+)/g;

const RELATIONSHIP_SYMBOL = "relationship";

/** Validates a version 3 template. */
export function validateTemplateV3(
  template: TemplateDocument,
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  try {
    validate(templateSchema(template), template);
    validateRegularExpressions(template);
    for (const scenario of template.scenarios as TemplateDocument[]) {
      validateConditionText(template, String(scenario.condition));
    }
    resolveParameters(structuredClone(template) as Record<string, unknown>, params, false);
    loadTemplateV3(template);
  } catch (error) {
    if (error instanceof TemplateValidationError) {
      return customFault(error.statusCode, error.details);
    }
    if (isSchemaFailure(error)) {
      return customFault(statusCodeOf(error), error.toString());
    }
    throw error;
  }
  return correctResult(GENERAL_DESCRIPTION);
}

function templateSchema(template: TemplateDocument): Validator {
  const entities = template.entities;
  const entityIds =
    typeof entities === "object" && entities !== null && !Array.isArray(entities)
      ? Object.keys(entities)
      : [];
  return mappingOf([
    { name: "entities", required: true, message: 10000, value: entitiesSchema },
    { name: "metadata", required: true, message: 62, value: metadataSchema },
    { name: "scenarios", required: true, message: 80, value: scenariosSchema(entityIds) },
    { name: "parameters", value: parametersSchema },
  ]);
}

const entitiesSchema: Validator = mappingOf([{ value: mappingOf([{ value: anyString }]) }]);

const metadataSchema: Validator = mappingOf([
  { name: "version", required: true, message: 63, value: oneOf(TEMPLATE_VERSIONS) },
  { name: "name", required: true, message: 60, value: anyString },
  { name: "description", value: anyString },
  { name: "type", required: true, message: 64, value: oneOf(TEMPLATE_TYPES, 64) },
]);

const parametersSchema: Validator = mappingOf([
  {
    value: anyOf(
      anyString,
      mappingOf([
        { name: "description", value: anyString },
        { name: "default", value: anyString },
      ]),
    ),
  },
]);

function scenariosSchema(entityIds: readonly string[]): Validator {
  const entity = (message: number) => oneOf(entityIds, message);
  const action = anyOf(
    mappingOf([
      {
        name: ActionType.RAISE_ALARM,
        value: mappingOf([
          { name: "severity", required: true, message: 126, value: anyString },
          { name: "target", required: true, message: 10100, value: entity(10101) },
          { name: "alarm_name", required: true, message: 10104, value: anyString },
          { name: "causing_alarm", value: entity(10107) },
        ]),
      },
    ]),
    mappingOf([
      {
        name: ActionType.SET_STATE,
        value: mappingOf([
          { name: "state", required: true, message: 128, value: anyString },
          { name: "target", required: true, message: 10100, value: entity(10101) },
        ]),
      },
    ]),
    mappingOf([
      {
        name: ActionType.ADD_CAUSAL_RELATIONSHIP,
        value: mappingOf([
          { name: "source", required: true, message: 10102, value: entity(10103) },
          { name: "target", required: true, message: 10100, value: entity(10101) },
        ]),
      },
    ]),
    mappingOf([
      {
        name: ActionType.MARK_DOWN,
        value: mappingOf([
          { name: "target", required: true, message: 10100, value: entity(10101) },
        ]),
      },
    ]),
    mappingOf([
      {
        name: ActionType.EXECUTE_MISTRAL,
        value: mappingOf([
          { name: "workflow", required: true, message: 10105, value: anyString },
          { name: "input", value: mappingOf([{ value: properFunction }]) },
        ]),
      },
    ]),
  );
  const actionList: Validator = (path, value) => {
    if (!Array.isArray(value)) {
      throw new SchemaError("expected a list", path);
    }
    value.forEach((item, index) => {
      requireSingleAction([...path, index], item);
      action([...path, index], item);
    });
  };
  return (path, value) => {
    if (!Array.isArray(value)) {
      throw new SchemaError("expected a list", path);
    }
    value.forEach((scenario, index) => {
      mappingOf([
        { name: "actions", required: true, message: 84, value: actionList },
        { name: "condition", required: true, message: 83, value: anyString },
      ])([...path, index], scenario);
    });
  };
}

/**
 * Rejects an empty action mapping, which passes upstream's schema and then fails its loader
 * with an internal error.
 */
function requireSingleAction(path: readonly (string | number)[], value: unknown): void {
  if (typeof value === "object" && value !== null && Object.keys(value).length === 0) {
    satisfies(() => false, `action must have one of the keys ${ACTION_TYPES.join(", ")}`)(
      path,
      value,
    );
  }
}

/** Accepts a Mistral input value unless it has parentheses that are not a function call (138). */
const properFunction: Validator = satisfies(
  (value) => typeof value !== "string" || !/[(),]/.test(value) || isFunctionCall(value),
  138,
);

function validateRegularExpressions(template: TemplateDocument): void {
  for (const entity of Object.values(template.entities as Record<string, TemplateDocument>)) {
    for (const [key, value] of Object.entries(entity)) {
      if (!key.toLowerCase().endsWith(".regex")) {
        continue;
      }
      try {
        compilePattern(String(value));
      } catch {
        throw new TemplateValidationError(47, key, value);
      }
    }
  }
}

/**
 * Checks that a condition names only known entities (10200) and that `not` applies only to
 * relationships (86) with at least one positive term (134).
 */
function validateConditionText(template: TemplateDocument, condition: string): void {
  let remaining = ` ${condition} `.replace(/\s+\[\s*\w+\s*\]\s+/g, " ");
  if (remaining.includes("[") || remaining.includes("]")) {
    throw new TemplateValidationError(85, condition);
  }
  remaining = remaining.replace(/\b(AND|OR|NOT|and|or|not)\b/g, "");
  for (const entityId of Object.keys(template.entities as TemplateDocument)) {
    remaining = remaining.replace(new RegExp(`\\b${escapeRegExp(entityId)}\\b`, "g"), " ");
  }
  remaining = remaining.replaceAll("(", "").replaceAll(")", "");
  if (remaining.trim().length > 0) {
    throw new TemplateValidationError(10200, condition, remaining);
  }

  const simplified = condition.replace(RELATIONSHIP_PATTERN, RELATIONSHIP_SYMBOL);
  let dnf: DnfCondition;
  try {
    dnf = parseCondition(simplified);
  } catch (error) {
    if (error instanceof ConditionParseError) {
      throw new TemplateValidationError(85, condition, error.message);
    }
    throw error;
  }
  for (const clause of dnf) {
    for (const term of clause) {
      if (!term.positive && !term.symbol.startsWith(RELATIONSHIP_SYMBOL)) {
        throw new TemplateValidationError(86, term.symbol, condition);
      }
    }
  }
  if (!hasPositiveClause(dnf)) {
    throw new TemplateValidationError(134, "", condition);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
