import { compileGraphQuery } from "../../graph/graph-query.js";
import {
  EntityCategory,
  type EntityGraphReader,
  type GraphQuery,
  OPENSTACK_CLUSTER_TYPE,
  type SubGraph,
  type Vertex,
} from "../../graph/graph-types.js";
import type { TenantContext } from "../tenant-context.js";

/** Parameters of a topology request, already parsed. */
export interface TopologyRequest {
  graphType: "graph" | "tree";
  depth: number | undefined;
  query: GraphQuery | undefined;
  root: string | undefined;
  allTenants: boolean;
}

const TOPOLOGY_AND_ALARMS: GraphQuery = {
  and: [
    { "==": { vitrage_is_deleted: false } },
    { "==": { vitrage_is_placeholder: false } },
    {
      or: [
        { "==": { vitrage_category: EntityCategory.ALARM } },
        { "==": { vitrage_category: EntityCategory.RESOURCE } },
      ],
    },
  ],
};

const notDeleted = (element: { vitrage_is_deleted: boolean }) =>
  element.vitrage_is_deleted !== true;

/**
 * Builds the subgraph a topology request returns, with upstream's rules:
 * - a tree, or a graph with both root and depth, is a traversal from the root (the cluster vertex
 *   by default) through vertices that match the query, which is then required;
 * - otherwise all tenants get every vertex matching the query (alarms and live resources by
 *   default) with the edges among them;
 * - one tenant gets its resources (and, for an admin, resources without a project), alarms, and
 *   every vertex on a shortest path from the root to them, without alarms on other tenants'
 *   resources.
 * Throws when a required query is missing or the root is unknown; the route maps that to 404.
 */
export function getTopology(
  graph: EntityGraphReader,
  request: TopologyRequest,
  tenant: TenantContext,
): SubGraph {
  const rootId = request.root ?? defaultRootId(graph);
  if (request.graphType === "tree" || (request.root !== undefined && request.depth !== undefined)) {
    return traverseWithQuery(graph, rootId, request, tenant);
  }
  if (request.allTenants) {
    return graph.querySubgraph(request.query ?? TOPOLOGY_AND_ALARMS, notDeleted);
  }
  return projectTopology(graph, request.query, tenant, rootId);
}

/** Returns the vitrage_id of the openstack.cluster vertex, the default root. */
export function defaultRootId(graph: EntityGraphReader): string | undefined {
  const roots = graph.vertices({ type: OPENSTACK_CLUSTER_TYPE }).filter(notDeleted);
  if (roots.length > 1) {
    throw new Error("multiple root vertices found");
  }
  return roots[0]?.vitrage_id;
}

function traverseWithQuery(
  graph: EntityGraphReader,
  rootId: string | undefined,
  request: TopologyRequest,
  tenant: TenantContext,
): SubGraph {
  if (request.query === undefined) {
    throw new Error("Graph-type 'tree' requires a filter.");
  }
  if (rootId === undefined || graph.getVertex(rootId) === undefined) {
    throw new Error("the topology root does not exist");
  }
  let query = request.query;
  if (!request.allTenants) {
    query = {
      and: [
        query,
        { or: [{ "==": { project_id: tenant.projectId } }, { "==": { project_id: null } }] },
      ],
    };
  }
  // The query is checked on the vertices the traversal reaches, not on the whole graph first.
  return graph.traverse(rootId, {
    depth: request.depth,
    direction: "both",
    vertexFilter: compileGraphQuery(query),
    edgeFilter: notDeleted,
  });
}

function projectTopology(
  graph: EntityGraphReader,
  query: GraphQuery | undefined,
  tenant: TenantContext,
  rootId: string | undefined,
): SubGraph {
  const effective = query
    ? withProject(query, tenant.projectId, tenant.isAdmin)
    : {
        or: [
          withProject(liveCategory(EntityCategory.RESOURCE), tenant.projectId, tenant.isAdmin),
          withProject(liveCategory(EntityCategory.ALARM), tenant.projectId, true),
        ],
      };
  const ids = idSet(graph.queryVertices(effective));
  if (rootId !== undefined && graph.getVertex(rootId) !== undefined) {
    addPathsFromRoot(ids, graph.shortestPathParents(rootId));
  }
  const subgraph = graph.inducedSubgraph(ids, notDeleted);
  return removeAlarmsOfOtherProjects(graph, subgraph, tenant);
}

/**
 * Adds to `ids`, for each of its vertices reachable from the root, the vertices on its shortest
 * path, root first, in the order the whole paths would add them. A path is walked up only to the
 * first vertex whose own path was added already, because everything above it is in `ids`.
 */
function addPathsFromRoot(ids: Set<string>, parents: ReadonlyMap<string, string | null>): void {
  const added = new Set<string>();
  for (const target of [...ids]) {
    const path: string[] = [];
    let id: string | null | undefined = parents.has(target) ? target : undefined;
    while (id !== null && id !== undefined && !added.has(id)) {
      path.push(id);
      id = parents.get(id);
    }
    for (let index = path.length - 1; index >= 0; index--) {
      const step = path[index] as string;
      ids.add(step);
      added.add(step);
    }
  }
}

function liveCategory(category: string): GraphQuery {
  return {
    and: [
      { "==": { vitrage_is_deleted: false } },
      { "==": { vitrage_is_placeholder: false } },
      { "==": { vitrage_category: category } },
    ],
  };
}

/** Adds upstream's project condition: the project's own, or also none for an admin. */
export function withProject(
  query: GraphQuery,
  projectId: string | null,
  isAdmin: boolean,
): GraphQuery {
  const project: GraphQuery = isAdmin
    ? { or: [{ "==": { project_id: projectId } }, { "==": { project_id: null } }] }
    : { "==": { project_id: projectId } };
  if ("and" in query && Array.isArray(query.and)) {
    return { and: [...(query.and as GraphQuery[]), project] };
  }
  return { and: [project, query] };
}

/**
 * Drops alarms without a project whose resource belongs to another project; for a non-admin
 * caller also those on resources without a project.
 */
function removeAlarmsOfOtherProjects(
  graph: EntityGraphReader,
  subgraph: SubGraph,
  tenant: TenantContext,
): SubGraph {
  const removed = new Set<string>();
  for (const vertex of subgraph.vertices) {
    if (vertex.vitrage_category !== EntityCategory.ALARM || vertex.vitrage_is_deleted) {
      continue;
    }
    if (vertex.project_id !== undefined && vertex.project_id !== null && vertex.project_id !== "") {
      continue;
    }
    const resource = graph.neighbors(vertex.vitrage_id, {
      vertexFilter: (neighbor) => neighbor.vitrage_category === EntityCategory.RESOURCE,
    })[0];
    if (resource === undefined) {
      continue;
    }
    const resourceProject = resource.project_id ?? null;
    const otherForAdmin =
      tenant.isAdmin && resourceProject !== null && resourceProject !== tenant.projectId;
    const otherForUser =
      !tenant.isAdmin && (resourceProject === null || resourceProject !== tenant.projectId);
    if (otherForAdmin || otherForUser) {
      removed.add(vertex.vitrage_id);
    }
  }
  if (removed.size === 0) {
    return subgraph;
  }
  return {
    vertices: subgraph.vertices.filter((vertex) => !removed.has(vertex.vitrage_id)),
    edges: subgraph.edges.filter(
      (edge) => !removed.has(edge.source_id) && !removed.has(edge.target_id),
    ),
  };
}

function idSet(vertices: readonly Vertex[]): Set<string> {
  return new Set(vertices.map((vertex) => vertex.vitrage_id));
}
