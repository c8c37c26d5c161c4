import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { rcaErrors } from "../../errors.js";
import {
  EntityCategory,
  type EntityGraphReader,
  type GraphQuery,
} from "../../graph/graph-types.js";
import { enforce, parseFlag } from "../policy.js";
import { type TenantContext, tenantContext } from "../tenant-context.js";
import { parseQuery } from "../topology/topology-routes.js";
import { withProject } from "../topology/topology-service.js";

interface ResourceParams {
  resource_type?: unknown;
  all_tenants?: unknown;
  query?: unknown;
  group_by?: unknown;
}

const LIVE_RESOURCES: GraphQuery = {
  and: [
    { "==": { vitrage_category: EntityCategory.RESOURCE } },
    { "==": { vitrage_is_deleted: false } },
    { "==": { vitrage_is_placeholder: false } },
  ],
};

/**
 * `POST /v1/resources` (list; `GET` is upstream's deprecated form), `POST /v1/resources/count`
 * and `GET /v1/resources/{vitrage_id}`, read from the entity graph.
 */
export function registerResourceRoutes(
  app: FastifyInstance,
  dependencies: {
    graph: Pick<EntityGraphReader, "getVertex" | "queryVertices">;
    policy: Pick<PolicyEnforcer, "enforce">;
  },
): void {
  const { graph, policy } = dependencies;

  const list = (request: FastifyRequest, params: ResourceParams) => {
    const allTenants = parseFlag(params.all_tenants);
    enforce(policy, request, allTenants ? "list resources:all_tenants" : "list resources");
    const query = resourceQuery(params, allTenants, tenantContext(request.auth));
    return queryOrReject(graph, query);
  };

  app.post<{ Body: ResourceParams | null }>("/v1/resources", async (request) =>
    list(request, request.body ?? {}),
  );
  app.get<{ Querystring: ResourceParams }>("/v1/resources", async (request) =>
    list(request, request.query),
  );

  app.post<{ Body: ResourceParams | null }>("/v1/resources/count", async (request) => {
    const params = request.body ?? {};
    const allTenants = parseFlag(params.all_tenants);
    enforce(policy, request, allTenants ? "count resources:all_tenants" : "count resources");
    const groupBy =
      typeof params.group_by === "string" && params.group_by !== ""
        ? params.group_by
        : "vitrage_type";
    const counts: Record<string, number> = {};
    for (const vertex of graph.queryVertices(
      resourceQuery(params, allTenants, tenantContext(request.auth)),
    )) {
      const value = vertex[groupBy];
      const key = value === undefined || value === null ? "None" : String(value);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  });

  app.get<{ Params: { vitrageId: string } }>("/v1/resources/:vitrageId", async (request) => {
    enforce(policy, request, "get resource");
    const tenant = tenantContext(request.auth);
    const resource = graph.getVertex(request.params.vitrageId);
    if (resource === undefined || resource.vitrage_category !== EntityCategory.RESOURCE) {
      throw rcaErrors.create("RESOURCE_SHOW_FAILED");
    }
    if (!tenant.isAdmin && tenant.projectId !== (resource.project_id ?? null)) {
      throw rcaErrors.create("RESOURCE_SHOW_FAILED");
    }
    return resource;
  });
}

function resourceQuery(
  params: ResourceParams,
  allTenants: boolean,
  tenant: TenantContext,
): GraphQuery {
  const base = allTenants
    ? LIVE_RESOURCES
    : withProject(LIVE_RESOURCES, tenant.projectId, tenant.isAdmin);
  const parts: GraphQuery[] = [base];
  if (typeof params.resource_type === "string" && params.resource_type !== "") {
    parts.push({ "==": { vitrage_type: params.resource_type } });
  }
  const query = parseQuery(params.query);
  if (query !== undefined) {
    parts.push(query);
  }
  return parts.length === 1 ? base : { and: parts };
}

/** Runs a query built from the caller's input; a query the graph cannot evaluate is a 400. */
function queryOrReject(graph: Pick<EntityGraphReader, "queryVertices">, query: GraphQuery) {
  try {
    return graph.queryVertices(query);
  } catch (error) {
    throw rcaErrors.create("INVALID_QUERY", { reason: (error as Error).message });
  }
}
