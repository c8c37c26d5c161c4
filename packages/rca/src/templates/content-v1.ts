/**
 * Content rules of version 1 and 2 templates, checked after the structure: metadata type,
 * parameters, duplicate and unknown template ids, includes, conditions and actions.
 *
 * @module
 */
import { ActionType } from "../evaluator/evaluator-types.js";
import { compilePattern } from "../graph/graph-filter.js";
import {
  ConditionParseError,
  type DnfCondition,
  hasPositiveClause,
  parseCondition,
} from "./condition.js";
import { STATUS_MESSAGES, TEMPLATE_TYPES } from "./status-messages.js";
import { isFunctionCall, rejectParameters, resolveParameters } from "./template-functions.js";
import {
  CONTENT_DESCRIPTION,
  contentFault,
  correctResult,
  customFault,
  TemplateValidationError,
  type ValidationResult,
} from "./validation-result.js";

type Definition = Readonly<Record<string, unknown>>;
type TemplateDocument = Readonly<Record<string, unknown>>;

/** Definition templates by name, for `includes`. */
export type DefinitionTemplates = ReadonlyMap<string, TemplateDocument>;

const OK = correctResult(CONTENT_DESCRIPTION);

/** Checks the content of a version 1 or 2 standard template. */
export function validateContent(
  template: TemplateDocument,
  version: "1" | "2",
  definitionTemplates: DefinitionTemplates,
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  let result = validateMetadata(template.metadata as TemplateDocument, version);
  if (result.valid) {
    result = validateParameters(template, version, params);
  }
  const definitions = (template.definitions ?? {}) as TemplateDocument;
  const entities = new Map<string, Definition>();
  if (result.valid && "definitions" in template && "entities" in definitions) {
    result = indexEntities(definitions.entities, entities);
  }
  if (result.valid && "includes" in template) {
    result = indexIncludedEntities(template.includes, definitionTemplates, entities);
  }
  const relationships = new Map<string, Definition>();
  if (result.valid && "relationships" in definitions) {
    result = indexRelationships(definitions.relationships, relationships, entities);
  }
  if (result.valid && "includes" in template) {
    result = indexIncludedRelationships(
      template.includes,
      definitionTemplates,
      entities,
      relationships,
    );
  }
  if (!result.valid) {
    return result;
  }
  const index = new Map<string, Definition>([...entities, ...relationships]);
  return validateScenarios(template.scenarios as unknown[], version, index);
}

/** Checks the content of a definition template (entities and relationships only). */
export function validateDefinitionContent(template: TemplateDocument): ValidationResult {
  const definitions = template.definitions as TemplateDocument;
  const entities = new Map<string, Definition>();
  let result = indexEntities(definitions.entities, entities);
  if (result.valid && "relationships" in definitions) {
    result = indexRelationships(definitions.relationships, new Map(), entities);
  }
  return result;
}

function validateMetadata(metadata: TemplateDocument, version: "1" | "2"): ValidationResult {
  if (!metadata || Object.keys(metadata).length === 0) {
    return contentFault(62);
  }
  if (version === "1") {
    return OK;
  }
  const type = metadata.type;
  if (!type) {
    return contentFault(64);
  }
  if (!(TEMPLATE_TYPES as readonly unknown[]).includes(type)) {
    return contentFault(65);
  }
  return OK;
}

function validateParameters(
  template: TemplateDocument,
  version: "1" | "2",
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  try {
    if (version === "1") {
      rejectParameters(structuredClone(template) as Record<string, unknown>);
    } else {
      resolveParameters(structuredClone(template) as Record<string, unknown>, params, false);
    }
    return OK;
  } catch (error) {
    if (error instanceof TemplateValidationError) {
      return customFault(error.statusCode, error.details);
    }
    throw error;
  }
}

function indexEntities(entities: unknown, index: Map<string, Definition>): ValidationResult {
  for (const item of asList(entities)) {
    const entity = entryOf(item, "entity");
    if (entity === undefined) {
      return malformed("an entities item has no 'entity' mapping");
    }
    const result = checkEntity(entity, index);
    if (!result.valid) {
      return result;
    }
    index.set(String(entity.template_id), entity);
  }
  return OK;
}

function checkEntity(entity: Definition, index: ReadonlyMap<string, Definition>): ValidationResult {
  if (index.has(String(entity.template_id))) {
    return contentFault(2);
  }
  for (const [key, value] of Object.entries(entity)) {
    if (key.toLowerCase().endsWith(".regex") && !isValidPattern(value)) {
      return contentFault(47);
    }
  }
  return OK;
}

function indexIncludedEntities(
  includes: unknown,
  definitionTemplates: DefinitionTemplates,
  index: Map<string, Definition>,
): ValidationResult {
  for (const include of asList(includes)) {
    const included = definitionTemplates.get(String((include as Definition).name));
    if (included === undefined) {
      return contentFault(142);
    }
    const definitions = (included.definitions ?? {}) as Definition;
    for (const item of asList(definitions.entities)) {
      const entity = entryOf(item, "entity");
      if (entity === undefined) {
        return malformed("an included entities item has no 'entity' mapping");
      }
      const result = checkEntity(entity, index);
      if (!result.valid) {
        return result;
      }
      index.set(String(entity.template_id), entity);
    }
  }
  return OK;
}

function indexRelationships(
  relationships: unknown,
  index: Map<string, Definition>,
  entities: ReadonlyMap<string, Definition>,
): ValidationResult {
  for (const item of asList(relationships)) {
    const relationship = entryOf(item, "relationship");
    if (relationship === undefined) {
      return malformed("a relationships item has no 'relationship' mapping");
    }
    const templateId = String(relationship.template_id);
    if (index.has(templateId) || entities.has(templateId)) {
      return contentFault(2);
    }
    const result = checkEnds(relationship, entities);
    if (!result.valid) {
      return result;
    }
    index.set(templateId, relationship);
  }
  return OK;
}

function indexIncludedRelationships(
  includes: unknown,
  definitionTemplates: DefinitionTemplates,
  entities: ReadonlyMap<string, Definition>,
  index: Map<string, Definition>,
): ValidationResult {
  for (const include of asList(includes)) {
    const included = definitionTemplates.get(String((include as Definition).name));
    const definitions = (included?.definitions ?? {}) as Definition;
    for (const item of asList(definitions.relationships)) {
      const relationship = entryOf(item, "relationship");
      if (relationship === undefined) {
        return malformed("an included relationships item has no 'relationship' mapping");
      }
      const templateId = String(relationship.template_id);
      if (index.has(templateId)) {
        continue;
      }
      const result = checkEnds(relationship, entities);
      if (!result.valid) {
        return result;
      }
      index.set(templateId, relationship);
    }
  }
  return OK;
}

function checkEnds(
  relationship: Definition,
  entities: ReadonlyMap<string, Definition>,
): ValidationResult {
  const target = checkTemplateId(entities, relationship.target);
  return target.valid ? checkTemplateId(entities, relationship.source) : target;
}

function checkTemplateId(
  index: ReadonlyMap<string, unknown>,
  templateId: unknown,
): ValidationResult {
  if (index.has(String(templateId))) {
    return OK;
  }
  return contentFault(3, `${STATUS_MESSAGES[3]} template id: ${String(templateId)}`);
}

function validateScenarios(
  scenarios: readonly unknown[],
  version: "1" | "2",
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  for (const item of scenarios) {
    const scenario = entryOf(item, "scenario");
    if (scenario === undefined) {
      return malformed("a scenarios item has no 'scenario' mapping");
    }
    let result = validateCondition(String(scenario.condition), index);
    if (!result.valid) {
      return result;
    }
    for (const item of asList(scenario.actions)) {
      const action = entryOf(item, "action");
      if (action === undefined) {
        return malformed("an actions item has no 'action' mapping");
      }
      result = validateAction(action, version, index);
      if (!result.valid) {
        return result;
      }
    }
  }
  return OK;
}

/**
 * Checks a condition. Upstream extracts the template ids by removing only the lower-case
 * operators, so a version 1 or 2 condition written with `AND`/`OR`/`NOT` fails with code 3.
 */
function validateCondition(
  condition: string,
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  let dnf: DnfCondition;
  try {
    dnf = parseCondition(condition);
  } catch (error) {
    if (error instanceof ConditionParseError) {
      return contentFault(85);
    }
    throw error;
  }

  for (const clause of dnf) {
    for (const term of clause) {
      if (!term.positive && !index.get(term.symbol)?.relationship_type) {
        return contentFault(86, `${STATUS_MESSAGES[86]} template id: ${term.symbol}`);
      }
    }
  }

  let variables = condition;
  for (const operator of [" and ", " or ", " not ", "not ", "(", ")"]) {
    variables = variables.replaceAll(operator, " ");
  }
  for (const variable of variables.split(" ")) {
    if (variable.trim().length === 0) {
      continue;
    }
    const result = checkTemplateId(index, variable);
    if (!result.valid) {
      return result;
    }
  }

  if (!hasPositiveClause(dnf)) {
    return contentFault(134);
  }
  return commonTargets(dnf, index).size > 0 ? OK : contentFault(135);
}

/**
 * Returns the template ids every or-clause names positively (directly, or as an end of a
 * relationship). An action without an explicit target can act on any of them.
 */
export function commonTargets(
  dnf: DnfCondition,
  index: ReadonlyMap<string, Definition>,
): Set<string> {
  let common: Set<string> | undefined;
  for (const clause of dnf) {
    const targets = new Set<string>();
    for (const term of clause) {
      const definition = index.get(term.symbol);
      if (!term.positive || definition === undefined) {
        continue;
      }
      if ("relationship_type" in definition) {
        targets.add(String(definition.source));
        targets.add(String(definition.target));
      } else {
        targets.add(String(definition.template_id ?? term.symbol));
      }
    }
    common = common === undefined ? targets : new Set([...common].filter((id) => targets.has(id)));
  }
  return common ?? new Set();
}

function validateAction(
  action: Definition,
  version: "1" | "2",
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  switch (action.action_type) {
    case ActionType.RAISE_ALARM:
      return validateRaiseAlarm(action, index);
    case ActionType.SET_STATE:
      return validateSetState(action, index);
    case ActionType.ADD_CAUSAL_RELATIONSHIP:
      return validateCausalRelationship(action, index);
    case ActionType.MARK_DOWN:
      return validateMarkDown(action, index);
    case ActionType.EXECUTE_MISTRAL:
      return version === "1" ? validateMistralV1(action) : validateMistralV2(action);
    default:
      return contentFault(120);
  }
}

function validateRaiseAlarm(
  action: Definition,
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  if (!("action_target" in action)) {
    return contentFault(124);
  }
  const properties = (action.properties ?? {}) as Definition;
  if (!("alarm_name" in properties)) {
    return contentFault(125);
  }
  if (!("severity" in properties)) {
    return contentFault(126);
  }
  const target = action.action_target as Definition;
  if (!("target" in target)) {
    return contentFault(127);
  }
  return checkTemplateId(index, target.target);
}

function validateSetState(
  action: Definition,
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  if (!("action_target" in action)) {
    return contentFault(124);
  }
  const properties = (action.properties ?? {}) as Definition;
  if (!("state" in properties)) {
    return contentFault(128);
  }
  const target = action.action_target as Definition;
  if (!("target" in target)) {
    return contentFault(129);
  }
  return checkTemplateId(index, target.target);
}

function validateCausalRelationship(
  action: Definition,
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  if (!("action_target" in action)) {
    return contentFault(124);
  }
  const target = action.action_target as Definition;
  for (const key of ["target", "source"]) {
    if (!(key in target)) {
      return contentFault(130);
    }
    const templateId = String(target[key]);
    const result = checkTemplateId(index, templateId);
    if (!result.valid) {
      return result;
    }
    const definition = index.get(templateId) as Definition;
    if (definition.category !== "ALARM") {
      return contentFault(
        132,
        `${STATUS_MESSAGES[132]} expect ${pythonDict(definition)} to be ALARM`,
      );
    }
  }
  return OK;
}

function validateMarkDown(
  action: Definition,
  index: ReadonlyMap<string, Definition>,
): ValidationResult {
  if (!("action_target" in action)) {
    return contentFault(124);
  }
  const target = action.action_target as Definition;
  if (!("target" in target)) {
    return contentFault(131);
  }
  return checkTemplateId(index, target.target);
}

function validateMistralV1(action: Definition): ValidationResult {
  const properties = (action.properties ?? {}) as Definition;
  if (!properties.workflow) {
    return contentFault(133);
  }
  for (const value of Object.values(properties)) {
    if (isFunctionCall(value)) {
      return contentFault(137);
    }
  }
  return OK;
}

/**
 * Checks a version 2 execute_mistral action. Upstream reports a parenthesis that is not a
 * function call (138) only as a warning, which its caller then drops, so it passes here.
 */
function validateMistralV2(action: Definition): ValidationResult {
  const properties = (action.properties ?? {}) as Definition;
  if (!properties.workflow) {
    return contentFault(133);
  }
  for (const key of Object.keys(properties)) {
    if (key !== "workflow" && key !== "input") {
      return contentFault(136);
    }
  }
  return OK;
}

function isValidPattern(value: unknown): boolean {
  try {
    compilePattern(String(value));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reports an entry the structure checks let through only when it is not the last of its list
 * (upstream fails with an internal error there).
 */
function malformed(details: string): ValidationResult {
  return contentFault(4, `${STATUS_MESSAGES[4]}${details}`);
}

function entryOf(item: unknown, key: string): Definition | undefined {
  if (typeof item !== "object" || item === null) {
    return undefined;
  }
  const entry = (item as Definition)[key];
  return typeof entry === "object" && entry !== null && !Array.isArray(entry)
    ? (entry as Definition)
    : undefined;
}

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Renders a mapping of strings the way Python's `str()` renders a dict. */
function pythonDict(value: Definition): string {
  const entries = Object.entries(value).map(
    ([key, item]) => `'${key}': ${typeof item === "string" ? `'${item}'` : String(item)}`,
  );
  return `{${entries.join(", ")}}`;
}
