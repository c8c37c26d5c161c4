/**
 * The scenario evaluator. For each graph change it finds the scenarios whose template elements
 * the element matched before the change (their actions are undone for the matches that remain)
 * and after it (done), skipping scenarios the element matched both times. A trigger on a negated
 * relationship flips do and undo: an alarm edge appearing undoes `not alarm_on_host` actions.
 *
 * @module
 */
import type { Logger } from "@openstack-ts/kernel";
import type { Edge, EntityGraphReader, GraphChange, Vertex } from "../graph/graph-types.js";
import { matchPattern, type PatternGraph, type PatternMatch } from "../graph/subgraph-matching.js";
import { md5Hex } from "../processor/timestamps.js";
import { resolveAttributes } from "../templates/template-functions.js";
import type { TemplateAction } from "../templates/template-types.js";
import { type ActionEffects, executeActions } from "./action-executor.js";
import type { ActionInfo, ActionTracker } from "./action-tracker.js";
import type { ActionMode } from "./evaluator-types.js";
import type {
  EntityTrigger,
  RelationshipTrigger,
  RuntimeScenario,
  ScenarioRepository,
} from "./scenario-repository.js";

/** Dependencies of {@link ScenarioEvaluator}. */
export interface ScenarioEvaluatorDependencies {
  graph: EntityGraphReader;
  repository: ScenarioRepository;
  tracker: ActionTracker;
  /** Receives the effects of the actions performed for one change. */
  perform: (effects: ActionEffects) => void;
  logger: Pick<Logger, "debug" | "error">;
}

type Trigger = EntityTrigger | RelationshipTrigger;

/** A list of matches, and whether they flip the mode (a negated relationship triggered). */
type ClauseMatches = readonly [switchMode: boolean, matches: readonly PatternMatch[]];

/** Evaluates scenarios on graph changes. */
export class ScenarioEvaluator {
  /** Off until the initial listings are applied; changes are ignored while off. */
  enabled = false;
  private readonly components = new WeakMap<PatternGraph, Map<string, ReadonlySet<string>>>();

  constructor(private readonly dependencies: ScenarioEvaluatorDependencies) {}

  /** Evaluates one graph change (a graph listener). */
  onGraphChange(change: GraphChange): void {
    if (!this.enabled) {
      return;
    }
    try {
      this.evaluate(change);
    } catch (error) {
      this.dependencies.logger.error(
        { err: error, kind: change.kind },
        "evaluation of a graph change failed",
      );
    }
  }

  /**
   * Runs the scenarios of the given templates (all when undefined) over vertices, as if each had
   * just appeared (`do`) or disappeared (`undo`). Vertices deleted or removed since the list was
   * taken are skipped. The core calls this in slices of the vertex list.
   */
  runOver(vertexIds: readonly string[], mode: ActionMode, templateIds?: ReadonlySet<string>): void {
    const { repository, graph } = this.dependencies;
    const wasEnabled = this.enabled;
    this.enabled = true;
    repository.enableOnly(templateIds);
    try {
      for (const vitrageId of vertexIds) {
        const vertex = graph.getVertex(vitrageId);
        if (vertex === undefined) {
          continue;
        }
        this.onGraphChange(
          mode === "do"
            ? { kind: "vertex", before: undefined, current: vertex }
            : { kind: "vertex", before: vertex, current: undefined },
        );
      }
    } finally {
      repository.enableOnly(undefined);
      this.enabled = wasEnabled;
    }
  }

  private evaluate(change: GraphChange): void {
    const before = this.triggersOf(change, "before");
    const current = this.triggersOf(change, "current");
    if (before.length === 0 && current.length === 0) {
      return;
    }
    const both = new Set(before.filter((trigger) => current.includes(trigger)));
    const actions = [
      ...this.actionsFor(
        change.before,
        before.filter((trigger) => !both.has(trigger)),
        "undo",
      ),
      ...this.actionsFor(
        change.current,
        current.filter((trigger) => !both.has(trigger)),
        "do",
      ),
    ];
    if (actions.length === 0) {
      return;
    }
    const performed = deduplicate(this.dependencies.tracker.evaluate(actions));
    if (performed.length > 0) {
      this.dependencies.perform(executeActions(performed));
    }
  }

  private triggersOf(change: GraphChange, side: "before" | "current"): Trigger[] {
    const { repository, graph } = this.dependencies;
    if (change.kind === "vertex") {
      const vertex = change[side];
      return vertex === undefined || vertex.vitrage_is_deleted
        ? []
        : repository.triggersForVertex(vertex);
    }
    const edge = change[side];
    if (edge === undefined || edge.vitrage_is_deleted) {
      return [];
    }
    const source = graph.getVertex(edge.source_id);
    const target = graph.getVertex(edge.target_id);
    if (source === undefined || target === undefined) {
      return [];
    }
    return repository.triggersForEdge(edge, source, target);
  }

  private actionsFor(
    element: GraphChange["before"],
    triggers: readonly Trigger[],
    mode: ActionMode,
  ): ActionInfo[] {
    if (element === undefined) {
      return [];
    }
    const actions: ActionInfo[] = [];
    for (const trigger of triggers) {
      for (const action of trigger.scenario.definition.actions) {
        for (const [switchMode, matches] of this.matchesFor(element, trigger, action.target)) {
          const actionMode = switchMode ? flip(mode) : mode;
          for (const match of matches) {
            const info = toActionInfo(action, match, actionMode);
            if (info !== undefined) {
              actions.push(info);
            }
          }
        }
      }
    }
    return actions;
  }

  private matchesFor(
    element: NonNullable<GraphChange["before"]>,
    trigger: Trigger,
    actionTarget: string,
  ): ClauseMatches[] {
    const { graph } = this.dependencies;
    const scenario: RuntimeScenario = trigger.scenario;
    const results: ClauseMatches[] = [];
    for (const pattern of scenario.patterns) {
      const component = this.positiveComponent(pattern, actionTarget);
      if (trigger.kind === "entity") {
        if (!component.has(trigger.entity.id)) {
          results.push([true, []]);
          continue;
        }
        const anchor = {
          kind: "vertex",
          patternVertexId: trigger.entity.id,
          vertex: element as Vertex,
        } as const;
        results.push([false, matchPattern(graph, pattern, anchor)]);
        continue;
      }
      const patternEdge = pattern.edges.find((edge) => edge.id === trigger.relationship.id);
      if (patternEdge === undefined || !("relationship_type" in element)) {
        continue;
      }
      const edge = element as Edge;
      const matches = matchPattern(graph, pattern, { kind: "edge", patternEdge, edge });
      results.push([patternEdge.negative, matches.map((match) => restrictTo(match, component))]);
    }
    return results;
  }

  /** Returns the pattern vertices joined to `target` by positive edges (target included). */
  private positiveComponent(pattern: PatternGraph, target: string): ReadonlySet<string> {
    let byTarget = this.components.get(pattern);
    if (byTarget === undefined) {
      byTarget = new Map();
      this.components.set(pattern, byTarget);
    }
    const cached = byTarget.get(target);
    if (cached !== undefined) {
      return cached;
    }
    const component = new Set<string>();
    if (pattern.vertices.has(target)) {
      component.add(target);
      const queue = [target];
      for (let index = 0; index < queue.length; index++) {
        const vertexId = queue[index] as string;
        for (const edge of pattern.edgesByVertex.get(vertexId) ?? []) {
          const other = edge.source === vertexId ? edge.target : edge.source;
          if (!edge.negative && !component.has(other)) {
            component.add(other);
            queue.push(other);
          }
        }
      }
    }
    byTarget.set(target, component);
    return component;
  }
}

function toActionInfo(
  action: TemplateAction,
  match: PatternMatch,
  mode: ActionMode,
): ActionInfo | undefined {
  const target = match.get(action.target);
  const source = action.source === undefined ? undefined : match.get(action.source);
  if (target === undefined || (action.source !== undefined && source === undefined)) {
    return undefined;
  }
  const vertexIds = [...match.values()].map((vertex) => vertex.vitrage_id).sort();
  return {
    spec: {
      type: action.type,
      target,
      ...(source === undefined ? {} : { source }),
      properties: resolveAttributes(action.properties, match),
    },
    mode,
    actionId: action.id,
    triggerId: md5Hex(JSON.stringify(vertexIds)),
  };
}

function restrictTo(match: PatternMatch, component: ReadonlySet<string>): PatternMatch {
  const restricted = new Map<string, Vertex>();
  for (const [patternVertexId, vertex] of match) {
    if (component.has(patternVertexId)) {
      restricted.set(patternVertexId, vertex);
    }
  }
  return restricted;
}

function flip(mode: ActionMode): ActionMode {
  return mode === "do" ? "undo" : "do";
}

/**
 * Drops repeated actions (same type, targets and properties), keeping the position of the first
 * and the last one's details.
 */
function deduplicate(actions: readonly ActionInfo[]): ActionInfo[] {
  const unique = new Map<string, ActionInfo>();
  for (const action of actions) {
    const key = JSON.stringify([
      action.spec.type,
      action.spec.target.vitrage_id,
      action.spec.source?.vitrage_id ?? null,
      sortedEntries(action.spec.properties),
    ]);
    unique.set(key, action);
  }
  return [...unique.values()];
}

function sortedEntries(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return value;
  }
  return Object.entries(value)
    .sort(([left], [right]) => (left < right ? -1 : 1))
    .map(([key, item]) => [key, sortedEntries(item)]);
}
