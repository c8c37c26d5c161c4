import { Readable } from "node:stream";
import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { rcaErrors } from "../../errors.js";
import { compileGraphQuery, GraphQueryError } from "../../graph/graph-query.js";
import type { EntityGraphReader, GraphQuery } from "../../graph/graph-types.js";
import { enforce, parseFlag } from "../policy.js";
import { tenantContext } from "../tenant-context.js";
import { nodeLinkPieces, toTree } from "./topology-json.js";
import { defaultRootId, getTopology } from "./topology-service.js";

interface TopologyBody {
  depth?: unknown;
  graph_type?: unknown;
  query?: unknown;
  root?: unknown;
  all_tenants?: unknown;
}

/** `POST /v1/topology`: the entity graph as node-link JSON or as a tree. */
export function registerTopologyRoutes(
  app: FastifyInstance,
  dependencies: { graph: EntityGraphReader; policy: Pick<PolicyEnforcer, "enforce"> },
): void {
  const { graph, policy } = dependencies;

  app.post<{ Body: TopologyBody | null }>("/v1/topology", async (request, reply) => {
    const body = request.body ?? {};
    const allTenants = parseFlag(body.all_tenants);
    enforce(policy, request, allTenants ? "get topology:all_tenants" : "get topology");

    const graphType = body.graph_type ?? "graph";
    const depth = parseDepth(body.depth);
    const root = typeof body.root === "string" && body.root !== "" ? body.root : undefined;
    const query = parseQuery(body.query);
    if (graphType !== "graph" && graphType !== "tree") {
      throw rcaErrors.create("TOPOLOGY_FAILED");
    }
    if (graphType === "graph" && depth !== undefined && root === undefined) {
      throw rcaErrors.create("GRAPH_DEPTH_WITHOUT_ROOT");
    }

    const tenant = tenantContext(request.auth);
    let answer: string | Readable;
    try {
      const subgraph = getTopology(graph, { graphType, depth, query, root, allTenants }, tenant);
      answer =
        graphType === "graph"
          ? Readable.from(nodeLinkPieces(subgraph, { raw: true }))
          : JSON.stringify(toTree(subgraph, root ?? defaultRootId(graph) ?? ""));
    } catch (error) {
      request.log.info({ err: error }, "topology request failed");
      throw rcaErrors.create("TOPOLOGY_FAILED");
    }
    // The content type fastify gives the JSON it serializes itself.
    return reply.type("application/json; charset=utf-8").send(answer);
  });
}

function parseDepth(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  const depth = Number(value);
  if (!Number.isInteger(depth) || depth < 0) {
    throw rcaErrors.create("INVALID_QUERY", {
      reason: `depth must be a whole number, not ${String(value)}`,
    });
  }
  return depth;
}

/**
 * Reads `query`, a JSON document sent as a string (or, leniently, as an object), and checks that
 * it compiles, so an unknown operator or a query nested too deeply is a 400.
 */
export function parseQuery(value: unknown): GraphQuery | undefined {
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw rcaErrors.create("INVALID_QUERY", { reason: "query is not valid JSON" });
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw rcaErrors.create("INVALID_QUERY", { reason: "query must be a JSON object" });
  }
  if (Object.keys(parsed).length === 0) {
    return undefined;
  }
  try {
    compileGraphQuery(parsed);
  } catch (error) {
    if (error instanceof GraphQueryError) {
      throw rcaErrors.create("INVALID_QUERY", { reason: error.message });
    }
    throw error;
  }
  return parsed as GraphQuery;
}
