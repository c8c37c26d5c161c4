import { readFileSync } from "node:fs";
import { createLogger } from "@openstack-ts/kernel";
import type { RcaNotification } from "../../src/evaluator/evaluator-types.js";
import type { Edge, Vertex } from "../../src/graph/graph-types.js";
import type {
  Datasource,
  DatasourceSink,
  EntityEvent,
  EntityRelationship,
  NeighborReference,
  RcaCore,
} from "../../src/processor/processor-types.js";
import { createRcaCore, type RcaCoreInternals } from "../../src/processor/rca-core.js";
import { createMemoryTemplateStore } from "../../src/templates/memory-template-store.js";
import type { TemplateStore } from "../../src/templates/template-service.js";
import { parseTemplateYaml } from "../../src/templates/template-validator.js";

export const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

/** A datasource whose listing the test sets and whose changes the test pushes. */
export class ListDatasource implements Datasource {
  readonly deletesVanishedEntities = true;
  sink: DatasourceSink | undefined;

  constructor(
    readonly name: string,
    public listing: EntityEvent[] = [],
  ) {}

  async getAll(): Promise<readonly EntityEvent[]> {
    return this.listing;
  }

  start(sink: DatasourceSink): void {
    this.sink = sink;
  }

  stop(): void {
    this.sink = undefined;
  }
}

export interface CoreHarness {
  core: RcaCore & RcaCoreInternals;
  store: TemplateStore;
  notifications: RcaNotification[];
  /** Applies events and waits until they and every consequence are processed. */
  apply(...events: EntityEvent[]): Promise<void>;
  /** Adds templates and waits until they are active and have run. */
  addTemplates(
    files: string[],
    type?: string | null,
    params?: Record<string, string>,
  ): Promise<void>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export function loadYaml(path: string): unknown {
  const parsed = parseTemplateYaml(readFileSync(path, "utf8"));
  if (!("content" in parsed)) {
    throw new Error(`${path}: ${parsed.parseError}`);
  }
  return parsed.content;
}

/** Starts a core with a memory template store, the given templates and initial listing. */
export async function startCore(
  options: {
    templates?: string[];
    templateType?: string | null;
    listing?: EntityEvent[];
    deletedRetentionSeconds?: number;
  } = {},
): Promise<CoreHarness> {
  const store = createMemoryTemplateStore();
  const core = createRcaCore({
    logger: createLogger({ level: "silent" }),
    templateStore: store,
    consistencyIntervalSeconds: 0,
    ...(options.deletedRetentionSeconds === undefined
      ? {}
      : { deletedRetentionSeconds: options.deletedRetentionSeconds }),
  });
  const notifications: RcaNotification[] = [];
  core.onNotification((notification) => notifications.push(notification));

  const settle = async () => {
    await core.templates.whenSettled();
    await core.processor.whenIdle();
  };
  const harness: CoreHarness = {
    core,
    store,
    notifications,
    async apply(...events) {
      core.processor.submit(events);
      await settle();
    },
    async addTemplates(files, type = "standard", params) {
      const uploads = files.map((file) => [file, loadYaml(FIXTURES + file)] as const);
      const added = await core.templates.add(uploads, type, params ?? null);
      for (const summary of added) {
        if (summary.status === "ERROR") {
          throw new Error(`${summary.name}: ${summary["status details"]}`);
        }
      }
      await settle();
    },
    settle,
    stop: () => core.stop(),
  };
  if (options.templates !== undefined) {
    await harness.addTemplates(options.templates, options.templateType ?? "standard");
  }
  await core.start([new ListDatasource("static", options.listing ?? [])]);
  await settle();
  return harness;
}

/** Builds a resource event. */
export function resource(
  type: string,
  id: string,
  extra: Partial<EntityEvent> & { relationships?: EntityRelationship[] } = {},
): EntityEvent {
  return { action: "update", datasource: "static", category: "RESOURCE", type, id, ...extra };
}

/** Builds an alarm event on a resource. */
export function alarm(
  type: string,
  id: string,
  on: NeighborReference,
  extra: Partial<EntityEvent> = {},
): EntityEvent {
  return {
    action: "update",
    datasource: type,
    category: "ALARM",
    type,
    id,
    relationships: [{ relationshipType: "on", direction: "outgoing", neighbor: on }],
    ...extra,
  };
}

/** Builds a relationship to a neighbour the entity contains or is attached to. */
export function outgoing(relationshipType: string, type: string, id: string): EntityRelationship {
  return { relationshipType, direction: "outgoing", neighbor: { type, id } };
}

/** Builds a relationship from a neighbour that contains the entity. */
export function incoming(relationshipType: string, type: string, id: string): EntityRelationship {
  return { relationshipType, direction: "incoming", neighbor: { type, id } };
}

/** Returns the live (not deleted) alarms of a type on a vertex. */
export function alarmsOn(core: RcaCore, vitrageId: string, type = "vitrage"): Vertex[] {
  return core.graph.neighbors(vitrageId, {
    direction: "in",
    edgeFilter: (edge) => edge.relationship_type === "on" && !edge.vitrage_is_deleted,
    vertexFilter: (vertex) =>
      vertex.vitrage_category === "ALARM" &&
      vertex.vitrage_type === type &&
      !vertex.vitrage_is_deleted,
  });
}

/** Returns the live `causes` edges into a vertex. */
export function causesInto(core: RcaCore, vitrageId: string): Edge[] {
  return core.graph.edgesOf(
    vitrageId,
    "in",
    (edge) => edge.relationship_type === "causes" && !edge.vitrage_is_deleted,
  );
}

/** Returns the vertex a datasource identifies as (type, id), failing when it is missing. */
export function vertexOf(core: RcaCore, type: string, id: string): Vertex {
  const vertex = core.graph.findVertex(type, id);
  if (vertex === undefined) {
    throw new Error(`no vertex ${type} ${id}`);
  }
  return vertex;
}
