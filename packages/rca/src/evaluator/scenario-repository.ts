/**
 * The loaded scenarios, indexed for the evaluator: which scenarios a vertex or an edge can
 * trigger (template property match), and each scenario's and-clauses as graph patterns.
 * Equivalences expand a scenario into copies with the equivalent entities.
 *
 * @module
 */
import { matchesFilter } from "../graph/graph-filter.js";
import type { Edge, Vertex } from "../graph/graph-types.js";
import {
  createPatternGraph,
  type PatternEdge,
  type PatternGraph,
  type PatternVertex,
} from "../graph/subgraph-matching.js";
import { propertiesKey } from "../templates/template-loader.js";
import type {
  Equivalence,
  LoadedTemplate,
  TemplateAction,
  TemplateEntity,
  TemplateRelationship,
  TemplateScenario,
} from "../templates/template-types.js";

/** A scenario ready for evaluation. */
export interface RuntimeScenario {
  readonly id: string;
  /** The uuid of the template the scenario comes from. */
  readonly templateId: string;
  readonly definition: TemplateScenario;
  /** Entities after equivalence substitution. */
  readonly entities: ReadonlyMap<string, TemplateEntity>;
  /** One pattern per and-clause of the condition. */
  readonly patterns: readonly PatternGraph[];
  enabled: boolean;
}

/** A template entity that a vertex matched, with its scenario. */
export interface EntityTrigger {
  readonly kind: "entity";
  readonly entity: TemplateEntity;
  readonly scenario: RuntimeScenario;
}

/** A template relationship that an edge matched, with its scenario. */
export interface RelationshipTrigger {
  readonly kind: "relationship";
  readonly relationship: TemplateRelationship;
  readonly scenario: RuntimeScenario;
}

/** Raised when two equivalence templates list the same entity. */
export class EquivalenceConflictError extends Error {
  readonly code = "equivalence_conflict";

  constructor() {
    super("one entity should not be included in multiple equivalence definitions");
    this.name = "EquivalenceConflictError";
  }
}

const NOT_DELETED = { vitrage_is_deleted: false, vitrage_is_placeholder: false };

/** The scenario repository. */
export class ScenarioRepository {
  private readonly templates = new Map<string, LoadedTemplate>();
  private readonly equivalences = new Map<string, readonly Equivalence[]>();
  private scenarios: RuntimeScenario[] = [];
  private entityTriggersByType = new Map<string, EntityTrigger[]>();
  private untypedEntityTriggers: EntityTrigger[] = [];
  private relationshipTriggersByLabel = new Map<string, RelationshipTrigger[]>();
  private actionsById = new Map<string, TemplateAction>();
  private readonly suspended = new Set<string>();

  /** Number of scenarios after equivalence expansion. */
  get scenarioCount(): number {
    return this.scenarios.length;
  }

  /** Adds (or replaces) the scenarios of a standard template. */
  addTemplate(templateId: string, template: LoadedTemplate): void {
    this.templates.set(templateId, template);
    this.rebuild();
  }

  /** Removes a template's scenarios. */
  removeTemplate(templateId: string): void {
    this.suspended.delete(templateId);
    if (this.templates.delete(templateId)) {
      this.rebuild();
    }
  }

  /**
   * Adds (or replaces) the equivalences of an equivalence template.
   *
   * @throws {EquivalenceConflictError} when an entity is already in another equivalence; nothing
   * changes then.
   */
  addEquivalences(templateId: string, equivalences: readonly Equivalence[]): void {
    const previous = this.equivalences.get(templateId);
    this.equivalences.set(templateId, equivalences);
    try {
      this.equivalenceIndex();
    } catch (error) {
      if (previous === undefined) {
        this.equivalences.delete(templateId);
      } else {
        this.equivalences.set(templateId, previous);
      }
      throw error;
    }
    this.rebuild();
  }

  /** Removes an equivalence template. */
  removeEquivalences(templateId: string): void {
    if (this.equivalences.delete(templateId)) {
      this.rebuild();
    }
  }

  /** Returns true when a template's scenarios are loaded. */
  hasTemplate(templateId: string): boolean {
    return this.templates.has(templateId);
  }

  /**
   * Enables only the scenarios of the given templates; without `templateIds`, enables every
   * scenario except those of suspended templates.
   */
  enableOnly(templateIds?: ReadonlySet<string>): void {
    for (const scenario of this.scenarios) {
      scenario.enabled =
        templateIds === undefined
          ? !this.suspended.has(scenario.templateId)
          : templateIds.has(scenario.templateId);
    }
  }

  /**
   * Keeps a template's scenarios out of normal evaluation while it is being deleted, so no new
   * action of it starts after its undo pass has passed a vertex.
   */
  suspend(templateId: string): void {
    this.suspended.add(templateId);
    this.enableOnly(undefined);
  }

  /** Returns the template action with this id. */
  action(actionId: string): TemplateAction | undefined {
    return this.actionsById.get(actionId);
  }

  /** Returns the enabled scenarios an element of the vertex's shape can trigger. */
  triggersForVertex(vertex: Vertex): EntityTrigger[] {
    const matching: EntityTrigger[] = [];
    for (const candidates of [
      this.entityTriggersByType.get(String(vertex.vitrage_type)),
      this.untypedEntityTriggers,
    ]) {
      for (const trigger of candidates ?? []) {
        if (trigger.scenario.enabled && matchesFilter(vertex, trigger.entity.properties)) {
          matching.push(trigger);
        }
      }
    }
    return matching;
  }

  /** Returns the enabled scenarios an edge between `source` and `target` can trigger. */
  triggersForEdge(edge: Edge, source: Vertex, target: Vertex): RelationshipTrigger[] {
    const candidates = this.relationshipTriggersByLabel.get(edge.relationship_type) ?? [];
    return candidates.filter((trigger) => {
      if (!trigger.scenario.enabled) {
        return false;
      }
      const entities = trigger.scenario.entities;
      const sourceEntity = entities.get(trigger.relationship.source);
      const targetEntity = entities.get(trigger.relationship.target);
      return (
        sourceEntity !== undefined &&
        targetEntity !== undefined &&
        matchesFilter(source, sourceEntity.properties) &&
        matchesFilter(target, targetEntity.properties)
      );
    });
  }

  private rebuild(): void {
    const equivalences = this.equivalenceIndex();
    const enabledTemplates = new Set(
      this.scenarios.filter((scenario) => scenario.enabled).map((scenario) => scenario.templateId),
    );
    const known = new Set(this.scenarios.map((scenario) => scenario.templateId));

    this.scenarios = [];
    for (const [templateId, template] of this.templates) {
      const enabled = !known.has(templateId) || enabledTemplates.has(templateId);
      for (const definition of template.scenarios) {
        for (const entities of expandEquivalences(definition, equivalences)) {
          this.scenarios.push({
            id: entities === definition.entities ? definition.id : `${definition.id}_equivalence`,
            templateId,
            definition,
            entities,
            patterns: buildPatterns(definition, entities),
            enabled,
          });
        }
      }
    }
    this.index();
  }

  private index(): void {
    this.entityTriggersByType = new Map();
    this.untypedEntityTriggers = [];
    this.relationshipTriggersByLabel = new Map();
    this.actionsById = new Map();
    for (const scenario of this.scenarios) {
      for (const entity of scenario.entities.values()) {
        const trigger: EntityTrigger = { kind: "entity", entity, scenario };
        const type = entity.properties.vitrage_type;
        if (typeof type === "string") {
          pushTo(this.entityTriggersByType, type, trigger);
        } else {
          this.untypedEntityTriggers.push(trigger);
        }
      }
      for (const relationship of scenario.definition.relationships.values()) {
        pushTo(this.relationshipTriggersByLabel, relationship.label, {
          kind: "relationship",
          relationship,
          scenario,
        });
      }
      for (const action of scenario.definition.actions) {
        this.actionsById.set(action.id, action);
      }
    }
  }

  /** Maps each member's property key to all members of its equivalence. */
  private equivalenceIndex(): Map<string, Equivalence> {
    const index = new Map<string, Equivalence>();
    for (const equivalences of this.equivalences.values()) {
      for (const equivalence of equivalences) {
        for (const member of equivalence) {
          const key = propertiesKey(member);
          if (index.has(key)) {
            throw new EquivalenceConflictError();
          }
          index.set(key, equivalence);
        }
      }
    }
    return index;
  }
}

/**
 * Returns the entity maps of a scenario and of its equivalent copies: for each entity that has
 * equivalents, every combination with one of them substituted.
 */
function expandEquivalences(
  definition: TemplateScenario,
  equivalences: ReadonlyMap<string, Equivalence>,
): ReadonlyMap<string, TemplateEntity>[] {
  let expanded: ReadonlyMap<string, TemplateEntity>[] = [definition.entities];
  for (const [symbol, entity] of definition.entities) {
    const equivalence = equivalences.get(propertiesKey(entity.properties));
    if (equivalence === undefined) {
      continue;
    }
    const ownKey = propertiesKey(entity.properties);
    const alternatives = equivalence.filter((member) => propertiesKey(member) !== ownKey);
    const copies: ReadonlyMap<string, TemplateEntity>[] = [];
    for (const alternative of alternatives) {
      for (const entities of expanded) {
        const copy = new Map(entities);
        copy.set(symbol, { id: symbol, properties: alternative });
        copies.push(copy);
      }
    }
    expanded = [...expanded, ...copies];
  }
  return expanded;
}

function buildPatterns(
  definition: TemplateScenario,
  entities: ReadonlyMap<string, TemplateEntity>,
): PatternGraph[] {
  return definition.condition.map((clause) => {
    const vertices = new Map<string, PatternVertex>();
    const edges: PatternEdge[] = [];
    const addVertex = (id: string) => {
      const entity = entities.get(id);
      if (entity !== undefined && !vertices.has(id)) {
        vertices.set(id, { id, filter: { ...entity.properties, ...NOT_DELETED } });
      }
    };
    for (const term of clause) {
      const relationship = definition.relationships.get(term.symbol);
      if (relationship === undefined) {
        addVertex(term.symbol);
        continue;
      }
      addVertex(relationship.source);
      addVertex(relationship.target);
      edges.push({
        id: relationship.id,
        source: relationship.source,
        target: relationship.target,
        label: relationship.label,
        filter: relationship.properties,
        negative: !term.positive,
      });
    }
    return createPatternGraph([...vertices.values()], edges);
  });
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) {
    map.set(key, [value]);
  } else {
    list.push(value);
  }
}
