/**
 * Structure checks of version 1 and 2 templates and of definition templates: sections, their
 * types and required fields. Content rules (references, conditions) come after, in
 * {@link validateContent}.
 *
 * @module
 */
import { ACTION_TYPES } from "../evaluator/evaluator-types.js";
import {
  anyOf,
  anyString,
  isSchemaFailure,
  type KeySpec,
  mappingOf,
  satisfies,
  statusCodeOf,
  typeOf,
  type Validator,
  validate,
} from "./schema.js";
import { isKnownStatusCode, statusMessage } from "./status-messages.js";
import {
  correctResult,
  faultResult,
  SYNTAX_DESCRIPTION,
  type ValidationResult,
} from "./validation-result.js";

type TemplateDocument = Readonly<Record<string, unknown>>;

const ENTITY_CATEGORIES = ["RESOURCE", "ALARM"];

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

/** Checks the structure of a version 1 or 2 standard template. */
export function validateSyntax(template: TemplateDocument): ValidationResult {
  const hasIncludes = "includes" in template;
  let result = checkSections(template, hasIncludes);
  if (result.valid) {
    result = checkMetadata(template.metadata);
  }
  if (result.valid && hasIncludes) {
    result = checkIncludes(template.includes);
  }
  if (result.valid && "definitions" in template) {
    result = checkDefinitions(template.definitions as TemplateDocument, hasIncludes);
  }
  if (result.valid) {
    result = checkScenarios(template.scenarios as unknown[]);
  }
  return result;
}

/** Checks the structure of a definition template. */
export function validateDefinitionSyntax(template: TemplateDocument): ValidationResult {
  let result = checkSchema(
    mappingOf([
      { name: "definitions", required: true, message: 21, value: typeOf("dict") },
      { name: "metadata", required: true, message: 62, value: typeOf("dict") },
    ]),
    template,
  );
  if ("includes" in template || "scenarios" in template) {
    return faultResult(SYNTAX_DESCRIPTION, 143);
  }
  if (result.valid) {
    result = checkMetadata(template.metadata);
  }
  if (result.valid) {
    result = checkDefinitions(template.definitions as TemplateDocument, false);
  }
  return result;
}

function checkSections(template: TemplateDocument, hasIncludes: boolean): ValidationResult {
  const keys: KeySpec[] = [
    { name: "definitions", required: !hasIncludes, message: 21, value: typeOf("dict") },
    { name: "metadata", required: true, message: 62, value: typeOf("dict") },
    { name: "scenarios", required: true, message: 80, value: typeOf("list") },
    { name: "includes", value: typeOf("list") },
    { name: "parameters", value: parametersSchema },
  ];
  return checkSchema(mappingOf(keys), template);
}

function checkMetadata(metadata: unknown): ValidationResult {
  return checkSchema(
    mappingOf([
      { name: "version", value: anyString },
      { name: "name", required: true, message: 60, value: anyString },
      { name: "description", value: anyString },
      { name: "type", value: anyString },
    ]),
    metadata,
  );
}

function checkIncludes(includes: unknown): ValidationResult {
  const list = includes as unknown[];
  if (list.length === 0) {
    return faultResult(SYNTAX_DESCRIPTION, 140);
  }
  let result = correctResult();
  for (const include of list) {
    result = checkIncludeName(include);
    if (!result.valid) {
      return result;
    }
  }
  return result;
}

/** Upstream reports an include error with the bare message of its code. */
function checkIncludeName(include: unknown): ValidationResult {
  try {
    validate(
      mappingOf([{ name: "name", required: true, message: 141, value: anyString }]),
      include,
    );
    return correctResult();
  } catch (error) {
    if (!isSchemaFailure(error)) {
      throw error;
    }
    const code = statusCodeOf(error);
    return faultResult(SYNTAX_DESCRIPTION, code, statusMessage(code));
  }
}

function checkDefinitions(definitions: TemplateDocument, hasIncludes: boolean): ValidationResult {
  let result = correctResult();
  const relationships = definitions.relationships;
  if (!("relationships" in definitions) || (isTruthy(relationships) && !hasIncludes)) {
    result = checkSchema(
      mappingOf([
        { name: "entities", required: true, message: 20, value: typeOf("list") },
        { name: "relationships", value: typeOf("list") },
      ]),
      definitions,
    );
  }
  if (!result.valid || !("entities" in definitions)) {
    return result;
  }
  result = checkEntities(definitions.entities, hasIncludes);
  if (result.valid && isTruthy(relationships)) {
    return checkRelationships(relationships);
  }
  return result;
}

function checkEntities(entities: unknown, hasIncludes: boolean): ValidationResult {
  if (!isTruthy(entities) && !hasIncludes) {
    return faultResult(SYNTAX_DESCRIPTION, 43);
  }
  if (!Array.isArray(entities)) {
    return checkSchema(typeOf("list"), entities);
  }
  let result = correctResult();
  for (const entity of entities) {
    result = checkSchema(
      mappingOf([{ name: "entity", required: true, message: 46, value: typeOf("dict") }]),
      entity,
    );
    if (result.valid) {
      result = checkSchema(entitySchema, (entity as TemplateDocument).entity);
    }
    if (!result.valid) {
      return result;
    }
  }
  return result;
}

const templateIdValue = satisfies((value) => /^_*[a-zA-Z]+\w*/.test(String(value)), 1);

const entitySchema: Validator = mappingOf(
  [
    {
      name: "category",
      required: true,
      message: 42,
      value: satisfies((value) => ENTITY_CATEGORIES.includes(String(value)), 45),
    },
    { name: "type", value: anyString },
    { name: "template_id", required: true, message: 41, value: templateIdValue },
  ],
  { extra: true },
);

/**
 * Checks relationships. As upstream does, an entry without the `relationship` key fails only
 * when it is the last one.
 */
function checkRelationships(relationships: unknown): ValidationResult {
  if (!Array.isArray(relationships)) {
    return checkSchema(typeOf("list"), relationships);
  }
  let result = correctResult();
  for (const relationship of relationships) {
    result = checkSchema(
      mappingOf([{ name: "relationship", required: true, message: 101, value: typeOf("dict") }]),
      relationship,
    );
    if (result.valid) {
      result = checkSchema(relationshipSchema, (relationship as TemplateDocument).relationship);
      if (!result.valid) {
        return result;
      }
    }
  }
  return result;
}

const relationshipSchema: Validator = mappingOf([
  { name: "source", required: true, message: 102, value: anyString },
  { name: "target", required: true, message: 103, value: anyString },
  { name: "relationship_type", required: true, message: 100, value: anyString },
  { name: "template_id", required: true, message: 104, value: templateIdValue },
]);

/**
 * Checks scenarios. As upstream does, an entry without the `scenario` key fails only when it is
 * the last one.
 */
function checkScenarios(scenarios: readonly unknown[]): ValidationResult {
  if (scenarios.length === 0) {
    return faultResult(SYNTAX_DESCRIPTION, 81);
  }
  let result = correctResult();
  for (const scenario of scenarios) {
    result = checkSchema(
      mappingOf([{ name: "scenario", required: true, message: 82, value: typeOf("dict") }]),
      scenario,
    );
    if (result.valid) {
      result = checkScenario((scenario as TemplateDocument).scenario);
      if (!result.valid) {
        return result;
      }
    }
  }
  return result;
}

function checkScenario(scenario: unknown): ValidationResult {
  const result = checkSchema(
    mappingOf([
      { name: "condition", required: true, message: 83, value: anyString },
      { name: "actions", required: true, message: 84, value: typeOf("list") },
    ]),
    scenario,
  );
  if (!result.valid) {
    return result;
  }
  return checkActions((scenario as TemplateDocument).actions as unknown[]);
}

function checkActions(actions: readonly unknown[]): ValidationResult {
  if (actions.length === 0) {
    return faultResult(SYNTAX_DESCRIPTION, 121);
  }
  let result = correctResult();
  for (const action of actions) {
    result = checkSchema(
      mappingOf([{ name: "action", required: true, message: 122, value: typeOf("dict") }]),
      action,
    );
    if (result.valid) {
      result = checkSchema(actionSchema, (action as TemplateDocument).action);
    }
    if (!result.valid) {
      return result;
    }
  }
  return result;
}

const actionSchema: Validator = mappingOf([
  {
    name: "action_type",
    required: true,
    message: 123,
    value: satisfies((value) => (ACTION_TYPES as readonly unknown[]).includes(String(value)), 120),
  },
  { name: "properties", value: typeOf("dict") },
  { name: "action_target", value: typeOf("dict") },
]);

/**
 * Runs a schema and renders its first error the way upstream does: the code's message followed
 * directly by the voluptuous error text.
 */
function checkSchema(validator: Validator, value: unknown): ValidationResult {
  try {
    validate(validator, value);
    return correctResult();
  } catch (error) {
    if (!isSchemaFailure(error)) {
      throw error;
    }
    const code = statusCodeOf(error);
    const reported = isKnownStatusCode(code) ? code : 4;
    return faultResult(SYNTAX_DESCRIPTION, reported, statusMessage(reported) + error.toString());
  }
}

/** Python truthiness of a YAML value. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  if (typeof value === "object" && value !== null) {
    return Object.keys(value).length > 0;
  }
  return Boolean(value);
}
