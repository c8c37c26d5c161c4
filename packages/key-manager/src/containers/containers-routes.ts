import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { cleanPage, type PagingLimits, pageLinks, queryWithoutPaging } from "../api/paging.js";
import { parseJsonBody, queryValue, requireMediaType } from "../api/request-body.js";
import { errors } from "../errors.js";
import type { ContainersService } from "./containers-service.js";
import type { ContainerConsumerSummary, ContainerListFilters } from "./containers-types.js";
import { validateContainerSecret, validateNewContainer } from "./containers-validation.js";
import { containerHref, containerView } from "./containers-view.js";

export interface ContainerRoutesDependencies {
  service: ContainersService;
  consumersOf(containerId: string): Promise<ContainerConsumerSummary[]>;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
}

type Params = { Params: { id: string } };

/** Registers `/v1/containers`, `/v1/containers/{id}` and `/v1/containers/{id}/secrets`. */
export function registerContainerRoutes(
  app: FastifyInstance,
  dependencies: ContainerRoutesDependencies,
) {
  const { service, hrefs, maxRequestBytes } = dependencies;

  app.post("/v1/containers", async (request, reply) => {
    service.authorizeCollection(request.auth, "containers:post", "Container creation");
    requireMediaType(request, ["application/json"]);
    const base = baseUrlFor(hrefs, request);
    const body = parseJsonBody(request, maxRequestBytes);
    const container = await service.create(request.auth, validateNewContainer(body, base));
    const href = containerHref(base, container.id);
    return reply.code(201).header("location", href).send({ container_ref: href });
  });

  app.get("/v1/containers", async (request) => {
    service.authorizeCollection(request.auth, "containers:get", "Containers(s) retrieval");
    const page = cleanPage(
      queryValue(request, "offset"),
      queryValue(request, "limit"),
      dependencies.paging,
    );
    const { containers, total } = await service.list(listFilters(request), page);
    if (containers.length === 0) {
      return { containers: [], total };
    }
    const base = baseUrlFor(hrefs, request);
    const views = await Promise.all(
      containers.map(async (container) =>
        containerView(container, base, await dependencies.consumersOf(container.id)),
      ),
    );
    const links = pageLinks(`${base}/v1/containers`, page, total, queryWithoutPaging(request.url));
    return { containers: views, ...links, total };
  });
  rejectOtherMethods(app, "/v1/containers", ["GET", "POST"]);

  app.get<Params>("/v1/containers/:id", async (request) => {
    const container = await service.load(
      request.auth,
      request.params.id,
      "container:get",
      "Container retrieval",
    );
    const consumers = await dependencies.consumersOf(container.id);
    return containerView(container, baseUrlFor(hrefs, request), consumers);
  });

  app.delete<Params>("/v1/containers/:id", async (request, reply) => {
    const container = await service.load(
      request.auth,
      request.params.id,
      "container:delete",
      "Container deletion",
    );
    await service.delete(container);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/containers/:id", ["GET", "DELETE"]);

  app.post<Params>("/v1/containers/:id/secrets", async (request, reply) => {
    const container = await service.load(
      request.auth,
      request.params.id,
      "container_secret:post",
      "Container Secret creation",
    );
    requireMediaType(request, ["application/json"]);
    if (container.type !== "generic") {
      throw errors.create("CONTAINER_NOT_GENERIC");
    }
    const ref = validateContainerSecret(parseJsonBody(request, maxRequestBytes));
    await service.addSecret(request.auth, container, ref);
    const href = containerHref(baseUrlFor(hrefs, request), container.id);
    return reply.code(201).header("location", href).send({ container_ref: href });
  });

  app.delete<Params>("/v1/containers/:id/secrets", async (request, reply) => {
    const container = await service.load(
      request.auth,
      request.params.id,
      "container_secret:delete",
      "Container Secret deletion",
    );
    const ref = validateContainerSecret(parseJsonBody(request, maxRequestBytes));
    await service.removeSecret(request.auth, container, ref);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/containers/:id/secrets", ["POST", "DELETE"]);
}

function listFilters(request: FastifyRequest): ContainerListFilters {
  const filters: ContainerListFilters = { projectId: request.auth.projectId ?? "" };
  const name = queryValue(request, "name");
  if (name !== undefined && name !== "") {
    filters.name = name;
  }
  const type = queryValue(request, "type");
  if (type !== undefined && type !== "") {
    filters.type = type;
  }
  return filters;
}
