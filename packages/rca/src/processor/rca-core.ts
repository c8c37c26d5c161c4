/**
 * Wires the core together: graph, state normaliser, processor, evaluator, notifier and template
 * service, and runs the start-up sequence.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@openstack-ts/kernel";
import { ActionTracker } from "../evaluator/action-tracker.js";
import type { RcaNotification, RcaNotificationListener } from "../evaluator/evaluator-types.js";
import { notificationsFor } from "../evaluator/graph-notifier.js";
import { ScenarioEvaluator } from "../evaluator/scenario-evaluator.js";
import { ScenarioRepository } from "../evaluator/scenario-repository.js";
import { createEntityGraph } from "../graph/entity-graph.js";
import {
  EntityCategory,
  type EntityGraph,
  OPENSTACK_CLUSTER_ID,
  OPENSTACK_CLUSTER_TYPE,
} from "../graph/graph-types.js";
import { createStateNormaliser } from "../states/state-normaliser.js";
import { loadEquivalences, loadTemplate } from "../templates/template-loader.js";
import {
  createTemplateService,
  type StoredTemplate,
  type TemplateActivation,
  type TemplateService,
  type TemplateStore,
} from "../templates/template-service.js";
import { QueueEventProcessor } from "./event-processor.js";
import { GraphApplier } from "./graph-applier.js";
import type { GraphOperation } from "./graph-operations.js";
import type { Datasource, DatasourceSink, RcaCore, RcaCoreOptions } from "./processor-types.js";
import { formatTimestamp, md5Hex } from "./timestamps.js";

/** Seconds between consistency passes, as upstream's default. */
export const DEFAULT_CONSISTENCY_INTERVAL_SECONDS = 600;

/** Seconds a deleted vertex stays in the graph before removal, as upstream's default. */
export const DEFAULT_DELETED_RETENTION_SECONDS = 60;

/** Vertices evaluated per queue task in a pass over the whole graph. */
export const EVALUATION_SLICE = 2000;

/** The pieces of a core, for tests and the benchmark. */
export interface RcaCoreInternals {
  readonly entityGraph: EntityGraph;
  readonly queue: QueueEventProcessor;
  readonly evaluator: ScenarioEvaluator;
  readonly repository: ScenarioRepository;
  readonly tracker: ActionTracker;
  /** Runs the consistency pass now: removes vertices deleted longer than the retention time. */
  runConsistency(): Promise<void>;
}

/** Builds the core. Nothing runs until {@link RcaCore.start}. */
export function createRcaCore(options: RcaCoreOptions): RcaCore & RcaCoreInternals {
  return new Core(options);
}

class Core implements RcaCore, RcaCoreInternals {
  readonly entityGraph = createEntityGraph();
  readonly queue: QueueEventProcessor;
  readonly evaluator: ScenarioEvaluator;
  readonly repository = new ScenarioRepository();
  readonly tracker: ActionTracker;
  readonly templates: TemplateService;
  private readonly applier: GraphApplier;
  private readonly listeners = new Set<RcaNotificationListener>();
  private readonly logger: Logger;
  private readonly now: () => Date;
  private datasources: readonly Datasource[] = [];
  private consistencyTimer: NodeJS.Timeout | undefined;
  private isReady = false;

  constructor(private readonly options: RcaCoreOptions) {
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
    const normaliser = createStateNormaliser({
      ...(options.statesDirectory === undefined ? {} : { directory: options.statesDirectory }),
      ...(options.datasourceTypes === undefined
        ? {}
        : { datasourceTypes: options.datasourceTypes }),
      logger: this.logger,
    });
    this.applier = new GraphApplier({
      graph: this.entityGraph,
      normaliser,
      logger: this.logger,
      now: this.now,
    });
    this.queue = new QueueEventProcessor({
      graph: this.entityGraph,
      applier: this.applier,
      logger: this.logger,
      now: this.now,
    });
    this.tracker = new ActionTracker({
      normaliser,
      vertex: (vitrageId) => this.entityGraph.getVertex(vitrageId),
      actionProperties: (actionId) => this.repository.action(actionId)?.properties,
      ...(options.activeActionStore === undefined ? {} : { store: options.activeActionStore }),
      logger: this.logger,
      now: this.now,
    });
    this.evaluator = new ScenarioEvaluator({
      graph: this.entityGraph,
      repository: this.repository,
      tracker: this.tracker,
      perform: (effects) => {
        this.queue.enqueueUrgent(effects.operations);
        for (const notification of effects.notifications) {
          this.emit(notification);
        }
      },
      logger: this.logger,
    });
    this.entityGraph.subscribe((change) => this.evaluator.onGraphChange(change));
    this.entityGraph.subscribe((change) => {
      if (this.listeners.size === 0) {
        return;
      }
      for (const notification of notificationsFor(change, this.entityGraph)) {
        this.emit(notification);
      }
    });
    this.templates = createTemplateService({
      store: options.templateStore,
      activation: this.activation(),
      logger: this.logger,
      now: this.now,
    });
  }

  get graph() {
    return this.entityGraph;
  }

  get processor() {
    return this.queue;
  }

  get ready(): boolean {
    return this.isReady;
  }

  onNotification(listener: RcaNotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(datasources: readonly Datasource[]): Promise<void> {
    this.datasources = datasources;
    await this.tracker.clear();
    await this.loadStoredTemplates();
    if (this.options.createClusterVertex) {
      this.queue.submitOperations([this.clusterVertex()]);
    }

    const listings = await Promise.all(
      datasources.map((datasource) => this.initialListing(datasource)),
    );
    datasources.forEach((datasource, index) => {
      this.queue.submitSnapshot(datasource, listings[index] ?? []);
    });
    await this.queue.whenIdle();

    await this.queue.runTask(() => {
      this.evaluator.enabled = true;
    });
    await this.runOverGraph("do");
    this.isReady = true;
    this.logger.info(
      { vertices: this.entityGraph.vertexCount, edges: this.entityGraph.edgeCount },
      "entity graph built and evaluated",
    );

    for (const datasource of datasources) {
      try {
        await datasource.start(this.sinkFor(datasource));
      } catch (error) {
        this.logger.error(
          { err: error, datasource: datasource.name },
          "datasource failed to start",
        );
      }
    }
    this.startConsistency();
  }

  async stop(): Promise<void> {
    if (this.consistencyTimer !== undefined) {
      clearInterval(this.consistencyTimer);
      this.consistencyTimer = undefined;
    }
    for (const datasource of this.datasources) {
      try {
        await datasource.stop();
      } catch (error) {
        this.logger.error({ err: error, datasource: datasource.name }, "datasource failed to stop");
      }
    }
    await this.templates.whenSettled();
    await this.queue.whenIdle();
    await this.tracker.flush();
  }

  async runConsistency(): Promise<void> {
    const retention =
      (this.options.deletedRetentionSeconds ?? DEFAULT_DELETED_RETENTION_SECONDS) * 1000;
    const cutoff = formatTimestamp(new Date(this.now().getTime() - retention));
    const operations: GraphOperation[] = [];
    for (const vertex of this.entityGraph.vertices()) {
      const timestamp = vertex.vitrage_sample_timestamp;
      if (
        vertex.vitrage_is_deleted &&
        vertex.vitrage_type !== OPENSTACK_CLUSTER_TYPE &&
        (typeof timestamp !== "string" || timestamp < cutoff)
      ) {
        operations.push({ kind: "remove_deleted_entity", vitrageId: vertex.vitrage_id });
      }
    }
    if (operations.length > 0) {
      this.logger.info({ removed: operations.length }, "consistency removes deleted entities");
      this.queue.submitOperations(operations);
    }
    await this.queue.whenIdle();
  }

  /**
   * Runs scenarios over every vertex in slices of {@link EVALUATION_SLICE} vertices, each a queue
   * task, so the event loop (and the API) keeps running during a pass over a large graph.
   */
  private async runOverGraph(
    mode: "do" | "undo",
    templateIds?: ReadonlySet<string>,
  ): Promise<void> {
    const vertexIds = this.entityGraph.vertices().map((vertex) => vertex.vitrage_id);
    for (let start = 0; start < vertexIds.length; start += EVALUATION_SLICE) {
      const slice = vertexIds.slice(start, start + EVALUATION_SLICE);
      await this.queue.runTask(() => this.evaluator.runOver(slice, mode, templateIds));
    }
    await this.queue.whenIdle();
  }

  private emit(notification: RcaNotification): void {
    for (const listener of this.listeners) {
      try {
        listener(notification);
      } catch (error) {
        this.logger.error({ err: error, type: notification.type }, "notification listener failed");
      }
    }
  }

  private async initialListing(datasource: Datasource) {
    try {
      return await datasource.getAll();
    } catch (error) {
      this.logger.error({ err: error, datasource: datasource.name }, "initial listing failed");
      return [];
    }
  }

  private sinkFor(datasource: Datasource): DatasourceSink {
    return {
      update: (events) => this.queue.submit(events),
      snapshot: (events) => this.queue.submitSnapshot(datasource, events),
    };
  }

  private startConsistency(): void {
    const interval =
      (this.options.consistencyIntervalSeconds ?? DEFAULT_CONSISTENCY_INTERVAL_SECONDS) * 1000;
    if (interval <= 0) {
      return;
    }
    this.consistencyTimer = setInterval(() => {
      this.runConsistency().catch((error: unknown) => {
        this.logger.error({ err: error }, "consistency pass failed");
      });
    }, interval);
    this.consistencyTimer.unref();
  }

  private clusterVertex(): GraphOperation {
    const timestamp = formatTimestamp(this.now());
    const existing = this.entityGraph.findVertex(OPENSTACK_CLUSTER_TYPE, OPENSTACK_CLUSTER_ID);
    return {
      kind: "upsert_entity",
      vertex: {
        vitrage_id: existing?.vitrage_id ?? randomUUID(),
        id: OPENSTACK_CLUSTER_ID,
        name: OPENSTACK_CLUSTER_TYPE,
        state: "available",
        vitrage_type: OPENSTACK_CLUSTER_TYPE,
        vitrage_category: EntityCategory.RESOURCE,
        vitrage_is_deleted: false,
        vitrage_is_placeholder: false,
        vitrage_sample_timestamp: timestamp,
        update_timestamp: timestamp,
        vitrage_cached_id: md5Hex(
          `${EntityCategory.RESOURCE}:${OPENSTACK_CLUSTER_TYPE}:${OPENSTACK_CLUSTER_ID}`,
        ),
        is_real_vitrage_id: true,
      },
      neighbors: [],
    };
  }

  /** Loads `ACTIVE`, `LOADING` and `DELETING` templates; settles the last two. */
  private async loadStoredTemplates(): Promise<void> {
    const store: TemplateStore = this.options.templateStore;
    const deleting = await store.list({ status: ["DELETING"] });
    for (const template of deleting) {
      await store.updateStatus(template.uuid, "DELETED");
    }
    const templates = await store.list({ status: ["ACTIVE", "LOADING"] });
    const failures = await this.loadTemplates(templates, false);
    for (const template of templates) {
      const failure = failures.get(template.uuid);
      if (failure !== undefined) {
        await store.updateStatus(template.uuid, "ERROR", failure);
      } else if (template.status === "LOADING") {
        await store.updateStatus(template.uuid, "ACTIVE");
      }
    }
  }

  private activation(): TemplateActivation {
    return {
      activate: (templates) => this.loadTemplates(templates, true),
      deactivate: async (templates) => {
        const standard = new Set(templates.filter((t) => t.type === "standard").map((t) => t.uuid));
        if (this.evaluator.enabled && standard.size > 0) {
          await this.queue.runTask(() => {
            for (const templateId of standard) {
              this.repository.suspend(templateId);
            }
          });
          await this.runOverGraph("undo", standard);
        }
        await this.queue.runTask(() => {
          for (const template of templates) {
            this.repository.removeTemplate(template.uuid);
            this.repository.removeEquivalences(template.uuid);
          }
        });
        await this.queue.whenIdle();
      },
    };
  }

  /**
   * Loads templates into the scenario repository inside the queue; with `run`, runs new
   * standard templates over the graph once the evaluator is on. Returns the failures by uuid.
   */
  private async loadTemplates(
    templates: readonly StoredTemplate[],
    run: boolean,
  ): Promise<Map<string, string>> {
    const failures = new Map<string, string>();
    const definitions = new Map(
      (
        await this.options.templateStore.list({ type: "definition", status: ["ACTIVE", "LOADING"] })
      ).map((template) => [template.name, template.content]),
    );
    const loaded = new Set<string>();
    await this.queue.runTask(() => {
      for (const template of [...templates].sort(byLoadOrder)) {
        try {
          if (template.type === "equivalence") {
            this.repository.addEquivalences(template.uuid, loadEquivalences(template.content));
          } else if (template.type === "standard") {
            this.repository.addTemplate(template.uuid, loadTemplate(template.content, definitions));
            loaded.add(template.uuid);
          }
        } catch (error) {
          failures.set(template.uuid, error instanceof Error ? error.message : String(error));
        }
      }
    });
    if (run && this.evaluator.enabled && loaded.size > 0) {
      await this.runOverGraph("do", loaded);
    }
    await this.queue.whenIdle();
    return failures;
  }
}

/** Equivalences load before standard templates, so the scenarios expand with them. */
function byLoadOrder(left: StoredTemplate, right: StoredTemplate): number {
  const rank = (template: StoredTemplate) => (template.type === "equivalence" ? 0 : 1);
  return rank(left) - rank(right);
}
