import type {
  RcaNotification,
  RcaNotificationListener,
} from "../../src/evaluator/evaluator-types.js";
import { createEntityGraph } from "../../src/graph/entity-graph.js";
import type { EntityGraph } from "../../src/graph/graph-types.js";
import type { EntityEvent, RcaCore, RcaCoreOptions } from "../../src/processor/processor-types.js";
import type {
  StoredTemplate,
  TemplateService,
  TemplateSummary,
} from "../../src/templates/template-service.js";
import { TemplateNotFoundError } from "../../src/templates/template-service.js";

/**
 * A stand-in for the RCA core in API tests: the real entity graph, filled by the test, with
 * notifications the test emits, events recorded instead of processed, and a template service
 * that stores every template as ACTIVE without validating it.
 */
export interface TestCore extends RcaCore {
  readonly entityGraph: EntityGraph;
  readonly submitted: EntityEvent[];
  emit(notification: RcaNotification): void;
}

export function createTestCore(options: RcaCoreOptions): TestCore {
  const graph = createEntityGraph();
  const listeners = new Set<RcaNotificationListener>();
  const submitted: EntityEvent[] = [];
  let ready = false;

  const summary = (template: StoredTemplate): TemplateSummary => ({
    uuid: template.uuid,
    name: template.name,
    status: template.status,
    "status details": template.statusDetails,
    date: template.createdAt,
    type: template.type,
  });

  const templates: TemplateService = {
    async validate(uploads) {
      return {
        results: uploads.map(([path]) => ({
          "file path": path,
          status: "validation OK" as const,
          description: "Template validation",
          message: "Template validation is OK",
          "status code": 0,
        })),
      };
    },
    async add(uploads) {
      const added: TemplateSummary[] = [];
      for (const [, content] of uploads) {
        const document = content as { metadata?: { name?: string } };
        const stored: StoredTemplate = {
          uuid: crypto.randomUUID(),
          name: document.metadata?.name ?? "unnamed",
          status: "ACTIVE",
          statusDetails: "Template validation is OK",
          type: "standard",
          content: content as Record<string, unknown>,
          createdAt: new Date().toISOString(),
          updatedAt: null,
        };
        await options.templateStore.insert(stored);
        added.push(summary(stored));
      }
      return added;
    },
    async list() {
      const all = await options.templateStore.list({
        status: ["LOADING", "ACTIVE", "ERROR", "DELETING"],
      });
      return all.map(summary);
    },
    async show(uuidOrName) {
      const [byId] = await options.templateStore.list({ uuid: uuidOrName });
      const [byName] = await options.templateStore.list({ name: uuidOrName });
      const found = byId ?? byName;
      if (found === undefined || found.status === "DELETED") {
        throw new TemplateNotFoundError(uuidOrName);
      }
      return found.content;
    },
    async delete(ids) {
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        await options.templateStore.updateStatus(id, "DELETED");
      }
    },
    versions() {
      return [
        { version: "v1", status: "SUPPORTED" },
        { version: "v2", status: "SUPPORTED" },
        { version: "v3", status: "CURRENT" },
      ];
    },
    async whenSettled() {},
  };

  return {
    graph,
    entityGraph: graph,
    submitted,
    templates,
    get ready() {
      return ready;
    },
    processor: {
      submit: (events) => submitted.push(...events),
      submitSnapshot: (_datasource, events) => submitted.push(...events),
      whenIdle: async () => undefined,
      queueLength: 0,
    },
    async start(datasources) {
      for (const datasource of datasources) {
        submitted.push(...(await datasource.getAll()));
      }
      for (const datasource of datasources) {
        await datasource.start({
          update: (events) => submitted.push(...events),
          snapshot: (events) => submitted.push(...events),
        });
      }
      ready = true;
    },
    async stop() {},
    onNotification(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(notification) {
      for (const listener of listeners) {
        listener(notification);
      }
    },
  };
}
