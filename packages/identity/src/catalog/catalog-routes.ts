import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Linker, param, queryValue } from "../common/http.js";
import { identityError } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { Catalog } from "./catalog-service.js";
import type { CatalogEndpoint, CatalogService } from "./catalog-types.js";

export interface CatalogRouteDependencies {
  catalog: Pick<Catalog, "render" | "region">;
  linker: Linker;
  authorize: Authorize;
}

/**
 * Registers `/v3/services`, `/v3/endpoints` and `/v3/regions`, read-only. The catalog comes from
 * configuration, so a request that would change it gets a 403 naming the settings to change.
 */
export function registerCatalogRoutes(
  app: FastifyInstance,
  dependencies: CatalogRouteDependencies,
) {
  const { catalog, linker, authorize } = dependencies;

  const renderService = (service: CatalogService, request: FastifyRequest) => ({
    id: service.id,
    type: service.type,
    name: service.name,
    enabled: true,
    description: "",
    links: { self: linker.v3(request, `/services/${service.id}`) },
  });
  const endpoints = () =>
    catalog
      .render()
      .flatMap((service) =>
        service.endpoints.map((endpoint) => ({ endpoint, serviceId: service.id })),
      );
  const renderEndpoint = (
    endpoint: CatalogEndpoint,
    serviceId: string,
    request: FastifyRequest,
  ) => ({
    ...endpoint,
    service_id: serviceId,
    enabled: true,
    links: { self: linker.v3(request, `/endpoints/${endpoint.id}`) },
  });
  const renderRegion = (request: FastifyRequest) => ({
    id: catalog.region,
    description: "",
    parent_region_id: null,
    links: { self: linker.v3(request, `/regions/${catalog.region}`) },
  });

  app.get("/v3/services", async (request) => {
    authorize(request, "identity:list_services");
    const type = queryValue(request, "type");
    const services = catalog
      .render()
      .filter((service) => type === undefined || service.type === type);
    return {
      services: services.map((service) => renderService(service, request)),
      links: linker.collection(request),
    };
  });

  app.get("/v3/services/:service_id", async (request) => {
    authorize(request, "identity:get_service");
    const id = param(request, "service_id");
    const service = catalog.render().find((candidate) => candidate.id === id);
    if (service === undefined) {
      throw identityError("SERVICE_NOT_FOUND", { id });
    }
    return { service: renderService(service, request) };
  });

  app.get("/v3/endpoints", async (request) => {
    authorize(request, "identity:list_endpoints");
    const serviceId = queryValue(request, "service_id");
    const endpointInterface = queryValue(request, "interface");
    const regionId = queryValue(request, "region_id") ?? queryValue(request, "region");
    const list = endpoints().filter(
      ({ endpoint, serviceId: owner }) =>
        (serviceId === undefined || owner === serviceId) &&
        (endpointInterface === undefined || endpoint.interface === endpointInterface) &&
        (regionId === undefined || endpoint.region_id === regionId),
    );
    return {
      endpoints: list.map(({ endpoint, serviceId: owner }) =>
        renderEndpoint(endpoint, owner, request),
      ),
      links: linker.collection(request),
    };
  });

  app.get("/v3/endpoints/:endpoint_id", async (request) => {
    authorize(request, "identity:get_endpoint");
    const id = param(request, "endpoint_id");
    const found = endpoints().find(({ endpoint }) => endpoint.id === id);
    if (found === undefined) {
      throw identityError("ENDPOINT_NOT_FOUND", { id });
    }
    return { endpoint: renderEndpoint(found.endpoint, found.serviceId, request) };
  });

  app.get("/v3/regions", async (request) => {
    authorize(request, "identity:list_regions");
    return { regions: [renderRegion(request)], links: linker.collection(request) };
  });

  app.get("/v3/regions/:region_id", async (request) => {
    authorize(request, "identity:get_region");
    const id = param(request, "region_id");
    if (id !== catalog.region) {
      throw identityError("REGION_NOT_FOUND", { id });
    }
    return { region: renderRegion(request) };
  });

  const readOnly = async () => {
    throw identityError("PROTECTED_RESOURCE", {
      what: "The catalog comes from configuration (the identity catalog.* settings) and cannot be changed through the API.",
    });
  };
  for (const path of ["/v3/services", "/v3/endpoints", "/v3/regions"]) {
    app.post(path, readOnly);
    app.patch(`${path}/:id`, readOnly);
    app.delete(`${path}/:id`, readOnly);
  }
}
