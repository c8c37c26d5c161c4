/**
 * Active action tracking and scoring (upstream's `active_actions`). Actions of one type on the
 * same target (and, for raise_alarm, with the same alarm name) compete: only the one with the
 * highest score takes effect, an older one wins a tie, and undoing the winner performs the
 * runner-up instead.
 *
 * Scores: set_state scores the state's priority in the target type's state table, so the worst
 * state wins. raise_alarm scores the severity's priority in the deduced alarms' table, so the
 * highest severity wins. The other types score 1.
 *
 * @module
 */
import type { Logger } from "@openstack-ts/kernel";
import type { Vertex } from "../graph/graph-types.js";
import type { StateNormaliser } from "../states/state-normaliser.js";
import {
  type ActionMode,
  ActionType,
  type ActionTypeName,
  type ActiveActionChanges,
  type ActiveActionRecord,
  type ActiveActionStore,
} from "./evaluator-types.js";

/** A template action bound to graph vertices. */
export interface ActionSpec {
  readonly type: ActionTypeName;
  readonly target: Vertex;
  readonly source?: Vertex;
  /** Properties with functions resolved against the match. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** An action to do or undo for one match. */
export interface ActionInfo {
  readonly spec: ActionSpec;
  readonly mode: ActionMode;
  /** The template action id. */
  readonly actionId: string;
  /** Identifies the match (MD5 of its vertex ids). */
  readonly triggerId: string;
}

interface TrackedAction {
  readonly record: ActiveActionRecord;
  /** Properties as resolved when the action was done, to redo it as the runner-up. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly sequence: number;
}

/** Dependencies of {@link ActionTracker}. */
export interface ActionTrackerDependencies {
  normaliser: Pick<StateNormaliser, "statePriority" | "deducedSeverityPriority">;
  /** Resolves a vertex id, to rebuild the runner-up action from its record. */
  vertex: (vitrageId: string) => Vertex | undefined;
  /** Template action properties by action id, for records restored from storage. */
  actionProperties: (actionId: string) => Readonly<Record<string, unknown>> | undefined;
  store?: ActiveActionStore;
  logger: Pick<Logger, "error" | "warn">;
  now: () => Date;
}

/** Tracks active actions and decides which actions take effect. */
export class ActionTracker {
  private readonly byKey = new Map<string, TrackedAction[]>();
  private sequence = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly dependencies: ActionTrackerDependencies) {}

  /** Number of active actions. */
  get size(): number {
    let total = 0;
    for (const actions of this.byKey.values()) {
      total += actions.length;
    }
    return total;
  }

  /** Returns every active action record. */
  records(): ActiveActionRecord[] {
    return [...this.byKey.values()].flat().map((action) => action.record);
  }

  /**
   * Records a batch of actions (undos first, as the evaluator orders them) and returns the ones
   * to perform, in order. Storage gets the batch's changes afterwards.
   */
  evaluate(actions: readonly ActionInfo[]): ActionInfo[] {
    const perform: ActionInfo[] = [];
    const changes: {
      added: ActiveActionRecord[];
      removed: { trigger: string; actionId: string }[];
    } = {
      added: [],
      removed: [],
    };
    for (const action of actions) {
      if (action.mode === "do") {
        this.evaluateDo(action, perform, changes.added);
      } else {
        this.evaluateUndo(action, perform, changes);
      }
    }
    this.persist(changes);
    return perform;
  }

  /** Forgets every active action, and clears the store. */
  async clear(): Promise<void> {
    this.byKey.clear();
    await this.writes;
    await this.dependencies.store?.clear();
  }

  /** Loads stored actions (with a graph restored from a snapshot). */
  restore(records: readonly ActiveActionRecord[]): void {
    for (const record of [...records].sort((left, right) =>
      left.createdAt.localeCompare(right.createdAt),
    )) {
      const properties = this.dependencies.actionProperties(record.actionId) ?? {};
      this.track(actionKey(record), { record, properties, sequence: this.sequence++ });
    }
  }

  /** Resolves when every storage write issued so far has finished. */
  async flush(): Promise<void> {
    await this.writes;
  }

  private evaluateDo(action: ActionInfo, perform: ActionInfo[], added: ActiveActionRecord[]): void {
    const key = keyOfAction(action);
    const similar = this.byKey.get(key) ?? [];
    if (similar.some((tracked) => sameAction(tracked.record, action))) {
      return;
    }
    const tracked: TrackedAction = {
      record: this.toRecord(action),
      properties: action.spec.properties,
      sequence: this.sequence++,
    };
    this.track(key, tracked);
    added.push(tracked.record);
    if (highest(this.byKey.get(key) ?? []) === tracked) {
      perform.push(action);
    }
  }

  private evaluateUndo(
    action: ActionInfo,
    perform: ActionInfo[],
    changes: { removed: { trigger: string; actionId: string }[] },
  ): void {
    const key = keyOfAction(action);
    const similar = this.byKey.get(key) ?? [];
    const tracked = similar.find((candidate) => sameAction(candidate.record, action));
    if (tracked === undefined) {
      return;
    }
    const wasHighest = highest(similar) === tracked;
    const remaining = similar.filter((candidate) => candidate !== tracked);
    if (remaining.length === 0) {
      this.byKey.delete(key);
    } else {
      this.byKey.set(key, remaining);
    }
    changes.removed.push({ trigger: tracked.record.trigger, actionId: tracked.record.actionId });
    if (!wasHighest) {
      return;
    }
    const runnerUp = highest(remaining);
    const redo = runnerUp === undefined ? undefined : this.toActionInfo(runnerUp);
    perform.push(redo ?? action);
  }

  private track(key: string, tracked: TrackedAction): void {
    const list = this.byKey.get(key);
    if (list === undefined) {
      this.byKey.set(key, [tracked]);
    } else {
      list.push(tracked);
    }
  }

  private toRecord(action: ActionInfo): ActiveActionRecord {
    return {
      actionType: action.spec.type,
      extraInfo: extraInfoOf(action.spec.type, action.spec.properties),
      sourceVertexId: action.spec.source?.vitrage_id ?? null,
      targetVertexId: action.spec.target.vitrage_id,
      actionId: action.actionId,
      trigger: action.triggerId,
      score: this.score(action.spec),
      createdAt: this.dependencies.now().toISOString(),
    };
  }

  private toActionInfo(tracked: TrackedAction): ActionInfo | undefined {
    const { record } = tracked;
    const target = this.dependencies.vertex(record.targetVertexId);
    if (target === undefined) {
      this.dependencies.logger.warn(
        { action: record.actionId, target: record.targetVertexId },
        "runner-up action skipped: its target is not in the graph",
      );
      return undefined;
    }
    const source =
      record.sourceVertexId === null ? undefined : this.dependencies.vertex(record.sourceVertexId);
    return {
      spec: {
        type: record.actionType,
        target,
        ...(source === undefined ? {} : { source }),
        properties: tracked.properties,
      },
      mode: "do",
      actionId: record.actionId,
      triggerId: record.trigger,
    };
  }

  private score(spec: ActionSpec): number {
    if (spec.type === ActionType.SET_STATE) {
      return this.dependencies.normaliser.statePriority(
        spec.target.vitrage_type,
        String(spec.properties.state ?? ""),
      );
    }
    if (spec.type === ActionType.RAISE_ALARM) {
      return this.dependencies.normaliser.deducedSeverityPriority(
        String(spec.properties.severity ?? ""),
      );
    }
    return 1;
  }

  private persist(changes: ActiveActionChanges): void {
    const store = this.dependencies.store;
    if (store === undefined || (changes.added.length === 0 && changes.removed.length === 0)) {
      return;
    }
    this.writes = this.writes
      .then(() => store.save(changes))
      .catch((error: unknown) => {
        this.dependencies.logger.error(
          { err: error, added: changes.added.length, removed: changes.removed.length },
          "storing active actions failed",
        );
      });
  }
}

function keyOfAction(action: ActionInfo): string {
  return [
    action.spec.source?.vitrage_id ?? "",
    action.spec.target.vitrage_id,
    extraInfoOf(action.spec.type, action.spec.properties) ?? "",
    action.spec.type,
  ].join("\u001f");
}

function actionKey(record: ActiveActionRecord): string {
  return [
    record.sourceVertexId ?? "",
    record.targetVertexId,
    record.extraInfo ?? "",
    record.actionType,
  ].join("\u001f");
}

function extraInfoOf(
  type: ActionTypeName,
  properties: Readonly<Record<string, unknown>>,
): string | null {
  return type === ActionType.RAISE_ALARM ? String(properties.alarm_name ?? "") : null;
}

function sameAction(record: ActiveActionRecord, action: ActionInfo): boolean {
  return record.actionId === action.actionId && record.trigger === action.triggerId;
}

/** Returns the action with the highest score, the oldest among equals. */
function highest(actions: readonly TrackedAction[]): TrackedAction | undefined {
  let best: TrackedAction | undefined;
  for (const action of actions) {
    if (
      best === undefined ||
      action.record.score > best.record.score ||
      (action.record.score === best.record.score && action.sequence < best.sequence)
    ) {
      best = action;
    }
  }
  return best;
}
