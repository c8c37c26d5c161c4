import { hostname } from "node:os";
import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { rcaErrors } from "../../errors.js";
import { enforce } from "../policy.js";

/** Components of the service, listed by `GET /v1/service`. */
const COMPONENTS = ["ApiWorker", "EvaluatorWorker", "PersistorService", "VitrageNotifierService"];

/**
 * `GET /v1/status` (`{"reason": "OK"}` once the graph is ready, 503 before) and
 * `GET /v1/service`. Every component runs in this one process, so the service list shows them
 * all with the same host and process id.
 */
export function registerStatusRoutes(
  app: FastifyInstance,
  dependencies: {
    isReady: () => boolean;
    startedAt: Date;
    policy: Pick<PolicyEnforcer, "enforce">;
  },
): void {
  const { policy } = dependencies;

  app.get("/v1/status", async (request) => {
    enforce(policy, request, "get status");
    if (!dependencies.isReady()) {
      throw rcaErrors.create("GRAPH_NOT_READY");
    }
    return { reason: "OK" };
  });

  app.get("/v1/service", async (request) => {
    enforce(policy, request, "get service list");
    const created = dependencies.startedAt.toISOString();
    return COMPONENTS.map((name) => ({
      name,
      hostname: hostname(),
      process: process.pid,
      created,
    }));
  });
}

/** `GET /`: the version document. */
export function registerVersionRoutes(app: FastifyInstance, publicUrl: string): void {
  app.get("/", { config: { public: true } }, async (request) => {
    const base =
      publicUrl !== "" ? publicUrl.replace(/\/+$/, "") : `${request.protocol}://${request.host}`;
    return {
      versions: [
        {
          status: "CURRENT",
          id: "v1.0",
          updated: "2015-11-29",
          links: [{ rel: "self", href: `${base}/v1/` }],
        },
      ],
    };
  });
}
