/**
 * Loads validated template documents of all three versions into {@link LoadedTemplate}s, and
 * equivalence templates into {@link Equivalence}s.
 *
 * @module
 */
import { ActionType, type ActionTypeName } from "../evaluator/evaluator-types.js";
import { conditionSymbols, type DnfCondition, parseCondition } from "./condition.js";
import type { DefinitionTemplates } from "./content-v1.js";
import type {
  Equivalence,
  LoadedTemplate,
  TemplateAction,
  TemplateEntity,
  TemplateRelationship,
  TemplateScenario,
} from "./template-types.js";
import { TemplateValidationError } from "./validation-result.js";

type Document = Readonly<Record<string, unknown>>;

/** Template property names that are stored under a `vitrage_` name on vertices. */
const PROPERTY_NAMES: Readonly<Record<string, string>> = {
  category: "vitrage_category",
  type: "vitrage_type",
  resource_id: "vitrage_resource_id",
  sample_timestamp: "vitrage_sample_timestamp",
  is_deleted: "vitrage_is_deleted",
  is_placeholder: "vitrage_is_placeholder",
  aggregated_state: "vitrage_aggregated_state",
  operational_state: "vitrage_operational_state",
  aggregated_severity: "vitrage_aggregated_severity",
  operational_severity: "vitrage_operational_severity",
};

const RELATIONSHIP_PATTERN = /(\w+)\s*\[\s*(\w+)\s*\]\s*(\w+)/g;

/** Converts template property names to vertex property names. */
export function convertProperties(properties: Document): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    converted[PROPERTY_NAMES[key] ?? key] = value;
  }
  return converted;
}

/** Loads a validated standard template of any version. */
export function loadTemplate(
  content: Document,
  definitionTemplates: DefinitionTemplates = new Map(),
): LoadedTemplate {
  const metadata = content.metadata as Document;
  const version = String(metadata.version ?? "1");
  if (version === "3") {
    return loadTemplateV3(content);
  }
  return loadTemplateV1(content, version === "2" ? "2" : "1", definitionTemplates);
}

function loadTemplateV1(
  content: Document,
  version: "1" | "2",
  definitionTemplates: DefinitionTemplates,
): LoadedTemplate {
  const name = String((content.metadata as Document).name);
  const definitions = (content.definitions ?? {}) as Document;
  const entities = new Map<string, TemplateEntity>();
  addEntities(entities, definitions.entities);
  const includes = Array.isArray(content.includes) ? (content.includes as Document[]) : [];
  for (const include of includes) {
    const included = definitionTemplates.get(String(include.name));
    addEntities(entities, (included?.definitions as Document | undefined)?.entities);
  }

  const relationships = new Map<string, TemplateRelationship>();
  addRelationships(relationships, definitions.relationships);
  for (const include of includes) {
    const included = definitionTemplates.get(String(include.name));
    addRelationships(relationships, (included?.definitions as Document | undefined)?.relationships);
  }

  const scenarios = (content.scenarios as Document[]).map((item, index) => {
    const scenario = item.scenario as Document;
    const id = `${name}-scenario${index}`;
    const condition = parseCondition(String(scenario.condition));
    const defaultTarget = pickDefaultTarget(condition, entities, relationships);
    const actions = (scenario.actions as Document[]).map((action, actionIndex) =>
      loadActionV1(action.action as Document, `${id}-action${actionIndex}`, defaultTarget),
    );
    return buildScenario(id, name, version, condition, entities, relationships, actions);
  });
  return { name, version, scenarios };
}

function addEntities(entities: Map<string, TemplateEntity>, items: unknown): void {
  for (const item of Array.isArray(items) ? (items as Document[]) : []) {
    const definition = item.entity as Document;
    const id = String(definition.template_id);
    if (entities.has(id)) {
      continue;
    }
    const { template_id: _id, ...properties } = definition;
    entities.set(id, { id, properties: convertProperties(properties) });
  }
}

function addRelationships(relationships: Map<string, TemplateRelationship>, items: unknown): void {
  for (const item of Array.isArray(items) ? (items as Document[]) : []) {
    const definition = item.relationship as Document;
    const id = String(definition.template_id);
    if (relationships.has(id)) {
      continue;
    }
    const { template_id: _id, source, target, ...properties } = definition;
    relationships.set(id, {
      id,
      source: String(source),
      target: String(target),
      label: String(definition.relationship_type),
      properties,
    });
  }
}

function loadActionV1(
  action: Document,
  id: string,
  defaultTarget: string | undefined,
): TemplateAction {
  const type = String(action.action_type) as ActionTypeName;
  const targets = (action.action_target ?? {}) as Document;
  const properties = { ...((action.properties ?? {}) as Document) };
  const target = String(targets.target ?? defaultTarget ?? "");
  const source = targets.source === undefined ? undefined : String(targets.source);
  if (type === ActionType.EXECUTE_MISTRAL && !("input" in properties)) {
    const { workflow, ...input } = properties;
    return { id, type, target, source, properties: { workflow, input } };
  }
  return { id, type, target, source, properties };
}

/**
 * Loads a version 3 template.
 *
 * @throws {TemplateValidationError} 135 when a scenario's or-clauses share no entity.
 */
export function loadTemplateV3(content: Document): LoadedTemplate {
  const name = String((content.metadata as Document).name);
  const entities = new Map<string, TemplateEntity>();
  for (const [id, properties] of Object.entries(content.entities as Record<string, Document>)) {
    entities.set(id, { id, properties: convertProperties(properties) });
  }

  const scenarios = (content.scenarios as Document[]).map((scenario, index) => {
    const id = `${name}-scenario${index}`;
    const relationships = new Map<string, TemplateRelationship>();
    const processed = String(scenario.condition).replace(
      RELATIONSHIP_PATTERN,
      (_text, source: string, label: string, target: string) => {
        const relationshipId = `${source}__${label}__${target}`;
        relationships.set(relationshipId, {
          id: relationshipId,
          source,
          target,
          label,
          properties: {},
        });
        return relationshipId;
      },
    );
    const condition = parseCondition(processed);
    const defaultTarget = pickDefaultTarget(condition, entities, relationships);
    if (defaultTarget === undefined) {
      throw new TemplateValidationError(135, `scenario ${index}`, processed);
    }
    const actions = (scenario.actions as Document[]).map((action, actionIndex) =>
      loadActionV3(action, `${id}-action${actionIndex}`, defaultTarget),
    );
    return buildScenario(id, name, "3", condition, entities, relationships, actions);
  });
  return { name, version: "3", scenarios };
}

function loadActionV3(action: Document, id: string, defaultTarget: string): TemplateAction {
  const [type, body] = Object.entries(action)[0] as [ActionTypeName, Document | undefined];
  const { target, source, ...properties } = { ...(body ?? {}) } as Record<string, unknown>;
  if (type === ActionType.RAISE_ALARM && properties.causing_alarm !== undefined) {
    properties.causing_alarm = `get_attr(${String(properties.causing_alarm)}, vitrage_id)`;
  }
  return {
    id,
    type,
    target: String(target ?? defaultTarget),
    source: source ? String(source) : undefined,
    properties,
  };
}

/**
 * Picks the default action target: an entity every or-clause names positively. Upstream takes
 * an arbitrary one of them; this takes the first in definition order.
 */
function pickDefaultTarget(
  condition: DnfCondition,
  entities: ReadonlyMap<string, TemplateEntity>,
  relationships: ReadonlyMap<string, TemplateRelationship>,
): string | undefined {
  let common: Set<string> | undefined;
  for (const clause of condition) {
    const targets = new Set<string>();
    for (const term of clause) {
      if (!term.positive) {
        continue;
      }
      const relationship = relationships.get(term.symbol);
      if (relationship !== undefined) {
        targets.add(relationship.source);
        targets.add(relationship.target);
      } else if (entities.has(term.symbol)) {
        targets.add(term.symbol);
      }
    }
    common = common === undefined ? targets : new Set([...common].filter((id) => targets.has(id)));
  }
  return [...entities.keys()].find((id) => common?.has(id));
}

function buildScenario(
  id: string,
  templateName: string,
  version: "1" | "2" | "3",
  condition: DnfCondition,
  entities: ReadonlyMap<string, TemplateEntity>,
  relationships: ReadonlyMap<string, TemplateRelationship>,
  actions: readonly TemplateAction[],
): TemplateScenario {
  const usedEntities = new Map<string, TemplateEntity>();
  const usedRelationships = new Map<string, TemplateRelationship>();
  const addEntity = (entityId: string) => {
    const entity = entities.get(entityId);
    if (entity !== undefined) {
      usedEntities.set(entityId, entity);
    }
  };
  for (const symbol of conditionSymbols(condition)) {
    const relationship = relationships.get(symbol);
    if (relationship !== undefined) {
      usedRelationships.set(symbol, relationship);
      addEntity(relationship.source);
      addEntity(relationship.target);
    } else {
      addEntity(symbol);
    }
  }
  return {
    id,
    templateName,
    version,
    condition,
    entities: usedEntities,
    relationships: usedRelationships,
    actions,
  };
}

/** Raised when an equivalence lists one entity twice. */
export class EquivalenceError extends Error {
  readonly code = "invalid_equivalence";

  constructor(message: string) {
    super(message);
    this.name = "EquivalenceError";
  }
}

/**
 * Loads the equivalences of an equivalence template.
 *
 * @throws {EquivalenceError} when one equivalence lists the same entity twice.
 */
export function loadEquivalences(content: Document): Equivalence[] {
  const equivalences: Equivalence[] = [];
  const groups = Array.isArray(content.equivalences) ? (content.equivalences as Document[]) : [];
  for (const group of groups) {
    const members: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    for (const item of (group.equivalence ?? []) as Document[]) {
      const properties = convertProperties((item.entity ?? {}) as Document);
      const key = propertiesKey(properties);
      if (seen.has(key)) {
        throw new EquivalenceError("duplicated entities found in equivalence");
      }
      seen.add(key);
      members.push(properties);
    }
    equivalences.push(members);
  }
  return equivalences;
}

/** Returns a canonical string of a property set, independent of key order. */
export function propertiesKey(properties: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(
    Object.entries(properties).sort(([left], [right]) => (left < right ? -1 : 1)),
  );
}
