/**
 * The event processor: one queue, applied in order. After each queued item, the operations the
 * evaluator produced while it was applied run before the next item (upstream gives evaluator
 * events the higher priority the same way). Work is done in slices of a few milliseconds so the
 * HTTP server stays responsive while a large listing loads.
 *
 * @module
 */
import type { Logger } from "@openstack-ts/kernel";
import type { EntityGraph } from "../graph/graph-types.js";
import {
  entityKeyOf,
  InvalidEntityEventError,
  transformEntityEvent,
} from "./entity-transformer.js";
import type { GraphApplier } from "./graph-applier.js";
import type { GraphOperation } from "./graph-operations.js";
import type { Datasource, EntityEvent, EventProcessor } from "./processor-types.js";
import { formatTimestamp } from "./timestamps.js";

/** Maximum run of work, in milliseconds, before the processor yields to the event loop. */
const SLICE_MILLISECONDS = 15;

/**
 * Maximum number of operations one queued item may cause. More means templates trigger each
 * other without end.
 */
export const MAX_OPERATIONS_PER_ITEM = 1_000_000;

interface SnapshotState {
  readonly datasource: string;
  readonly deletesVanishedEntities: boolean;
  readonly seen: Set<string>;
}

type Job =
  | { readonly kind: "event"; readonly event: EntityEvent; readonly snapshot?: SnapshotState }
  | { readonly kind: "snapshot_end"; readonly snapshot: SnapshotState }
  | { readonly kind: "operations"; readonly operations: readonly GraphOperation[] }
  | {
      readonly kind: "task";
      readonly run: () => void;
      readonly settle: (error?: unknown) => void;
    };

/** Dependencies of {@link QueueEventProcessor}. */
export interface EventProcessorDependencies {
  graph: EntityGraph;
  applier: GraphApplier;
  logger: Pick<Logger, "debug" | "info" | "warn" | "error">;
  now: () => Date;
}

/** The single-queue event processor. */
export class QueueEventProcessor implements EventProcessor {
  private jobs: Job[] = [];
  private head = 0;
  private urgent: GraphOperation[] = [];
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly dependencies: EventProcessorDependencies) {}

  get queueLength(): number {
    return this.jobs.length - this.head;
  }

  submit(events: readonly EntityEvent[]): void {
    for (const event of events) {
      this.jobs.push({ kind: "event", event });
    }
    this.schedule();
  }

  submitSnapshot(datasource: Datasource | string, events: readonly EntityEvent[]): void {
    const snapshot: SnapshotState = {
      datasource: typeof datasource === "string" ? datasource : datasource.name,
      deletesVanishedEntities:
        typeof datasource === "string" ? true : datasource.deletesVanishedEntities,
      seen: new Set(),
    };
    for (const event of events) {
      this.jobs.push({ kind: "event", event, snapshot });
    }
    this.jobs.push({ kind: "snapshot_end", snapshot });
    this.schedule();
  }

  /** Queues graph operations as one item (the consistency pass uses it). */
  submitOperations(operations: readonly GraphOperation[]): void {
    this.jobs.push({ kind: "operations", operations });
    this.schedule();
  }

  /**
   * Queues operations produced while an item is applied; they run right after that item. Only
   * call this from inside the processing of an item (a graph listener).
   */
  enqueueUrgent(operations: readonly GraphOperation[]): void {
    this.urgent.push(...operations);
  }

  /** Runs `work` inside the queue, between items, and resolves when it is done. */
  runTask(work: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.jobs.push({
        kind: "task",
        run: work,
        settle: (error) => (error === undefined ? resolve() : reject(error)),
      });
      this.schedule();
    });
  }

  whenIdle(): Promise<void> {
    if (!this.draining && this.queueLength === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.draining) {
      return;
    }
    this.draining = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    const deadline = performance.now() + SLICE_MILLISECONDS;
    while (this.head < this.jobs.length) {
      const job = this.jobs[this.head] as Job;
      this.head++;
      this.runJob(job);
      if (performance.now() > deadline) {
        this.compact();
        setImmediate(() => this.drain());
        return;
      }
    }
    this.jobs = [];
    this.head = 0;
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
  }

  private runJob(job: Job): void {
    switch (job.kind) {
      case "event":
        this.applyEvent(job.event, job.snapshot);
        break;
      case "snapshot_end":
        this.deleteVanished(job.snapshot);
        break;
      case "operations":
        for (const operation of job.operations) {
          this.applyOperation(operation);
        }
        break;
      case "task":
        try {
          job.run();
          this.runUrgent();
          job.settle();
        } catch (error) {
          this.urgent = [];
          job.settle(error);
        }
        return;
    }
    this.runUrgent();
  }

  private applyEvent(event: EntityEvent, snapshot: SnapshotState | undefined): void {
    try {
      if (snapshot !== undefined && event.action !== "delete") {
        snapshot.seen.add(entityKeyOf(event));
      }
      const operation = transformEntityEvent(event, {
        graph: this.dependencies.graph,
        now: this.dependencies.now(),
        logger: this.dependencies.logger,
      });
      if (operation !== undefined) {
        this.dependencies.applier.apply(operation);
      }
    } catch (error) {
      const level = error instanceof InvalidEntityEventError ? "warn" : "error";
      this.dependencies.logger[level](
        { err: error, datasource: event?.datasource, type: event?.type, id: event?.id },
        "entity event not applied",
      );
    }
  }

  private applyOperation(operation: GraphOperation): void {
    try {
      this.dependencies.applier.apply(operation);
    } catch (error) {
      this.dependencies.logger.error(
        { err: error, operation: operation.kind },
        "graph operation failed",
      );
    }
  }

  private runUrgent(): void {
    let applied = 0;
    for (let index = 0; index < this.urgent.length; index++) {
      this.applyOperation(this.urgent[index] as GraphOperation);
      applied++;
      if (applied > MAX_OPERATIONS_PER_ITEM) {
        this.dependencies.logger.error(
          { applied },
          "evaluator operations did not converge; the remaining operations were dropped",
        );
        break;
      }
    }
    this.urgent = [];
  }

  private deleteVanished(snapshot: SnapshotState): void {
    if (!snapshot.deletesVanishedEntities) {
      return;
    }
    const sampleTimestamp = formatTimestamp(this.dependencies.now());
    let deleted = 0;
    for (const vertex of this.dependencies.graph.verticesOfDatasource(snapshot.datasource)) {
      if (vertex.vitrage_is_deleted || vertex.vitrage_is_placeholder) {
        continue;
      }
      const key = entityKeyOf({ type: String(vertex.vitrage_type), id: String(vertex.id) });
      if (snapshot.seen.has(key)) {
        continue;
      }
      this.applyOperation({ kind: "delete_entity", vitrageId: vertex.vitrage_id, sampleTimestamp });
      this.runUrgent();
      deleted++;
    }
    if (deleted > 0) {
      this.dependencies.logger.info(
        { datasource: snapshot.datasource, deleted },
        "entities missing from the listing marked deleted",
      );
    }
  }
}
