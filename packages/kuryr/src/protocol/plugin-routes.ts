import type { ApiError } from "@openstack-ts/kernel";
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { KuryrConfig } from "../config.js";
import type { EndpointService } from "../endpoint/endpoint-service.js";
import { kuryrErrors } from "../errors.js";
import type { ExposureService } from "../exposure/exposure-service.js";
import type { IpamService } from "../ipam/ipam-service.js";
import type { NetworkService } from "../network/network-service.js";
import {
  anyBodySchema,
  createEndpointSchema,
  createNetworkSchema,
  endpointSchema,
  joinSchema,
  networkIdSchema,
  releaseAddressSchema,
  releasePoolSchema,
  requestAddressSchema,
  requestPoolSchema,
} from "./plugin-schemas.js";

/** Content type of every plugin response, as Docker's plugin API defines it. */
export const PLUGIN_CONTENT_TYPE = "application/vnd.docker.plugins.v1+json";

export interface PluginServices {
  network: NetworkService;
  endpoint: EndpointService;
  exposure: ExposureService;
  ipam: IpamService;
}

type Handler = (body: never) => Promise<unknown> | unknown;

/**
 * Registers every endpoint Docker's remote network and IPAM drivers call. All are POST; bodies are
 * parsed as JSON whatever the Content-Type (Docker sends none) and an empty body reads as `{}`.
 */
export function registerPluginRoutes(
  app: FastifyInstance,
  services: PluginServices,
  config: Pick<
    KuryrConfig,
    | "capability_scope"
    | "local_default_address_space"
    | "global_default_address_space"
    | "ipam_requires_mac_address"
  >,
): void {
  registerJsonParser(app);
  app.addHook("onSend", async (request, reply, payload) => {
    if (isPluginCall(request.url)) {
      reply.header("content-type", PLUGIN_CONTENT_TYPE);
    }
    return payload;
  });

  const routes: [string, TSchema, Handler][] = [
    ["/Plugin.Activate", anyBodySchema, () => ({ Implements: ["NetworkDriver", "IpamDriver"] })],
    [
      "/NetworkDriver.GetCapabilities",
      anyBodySchema,
      () => ({ Scope: config.capability_scope, ConnectivityScope: config.capability_scope }),
    ],
    ["/NetworkDriver.DiscoverNew", anyBodySchema, () => ({})],
    ["/NetworkDriver.DiscoverDelete", anyBodySchema, () => ({})],
    [
      "/NetworkDriver.AllocateNetwork",
      anyBodySchema,
      (body: { Options?: unknown } | null) => ({ Options: body?.Options ?? {} }),
    ],
    ["/NetworkDriver.FreeNetwork", anyBodySchema, () => ({})],
    ["/NetworkDriver.CreateNetwork", createNetworkSchema, services.network.createNetwork],
    ["/NetworkDriver.DeleteNetwork", networkIdSchema, services.network.deleteNetwork],
    ["/NetworkDriver.CreateEndpoint", createEndpointSchema, services.endpoint.createEndpoint],
    ["/NetworkDriver.EndpointOperInfo", endpointSchema, services.endpoint.endpointOperInfo],
    ["/NetworkDriver.DeleteEndpoint", endpointSchema, services.endpoint.deleteEndpoint],
    ["/NetworkDriver.Join", joinSchema, services.endpoint.join],
    ["/NetworkDriver.Leave", endpointSchema, () => ({})],
    [
      "/NetworkDriver.ProgramExternalConnectivity",
      endpointSchema,
      services.exposure.programExternalConnectivity,
    ],
    [
      "/NetworkDriver.RevokeExternalConnectivity",
      endpointSchema,
      services.exposure.revokeExternalConnectivity,
    ],
    [
      "/IpamDriver.GetCapabilities",
      anyBodySchema,
      () => ({
        RequiresMACAddress: config.ipam_requires_mac_address,
        RequiresRequestReplay: false,
      }),
    ],
    [
      "/IpamDriver.GetDefaultAddressSpaces",
      anyBodySchema,
      () => ({
        LocalDefaultAddressSpace: config.local_default_address_space,
        GlobalDefaultAddressSpace: config.global_default_address_space,
      }),
    ],
    ["/IpamDriver.RequestPool", requestPoolSchema, services.ipam.requestPool],
    ["/IpamDriver.ReleasePool", releasePoolSchema, services.ipam.releasePool],
    ["/IpamDriver.RequestAddress", requestAddressSchema, services.ipam.requestAddress],
    ["/IpamDriver.ReleaseAddress", releaseAddressSchema, services.ipam.releaseAddress],
  ];
  for (const [url, schema, handler] of routes) {
    app.post(
      url,
      { schema: { body: schema }, validatorCompiler: strictValidator },
      async (request) => handler(request.body as never),
    );
  }
}

/**
 * Checks a body against its schema without changing it. Fastify's default validator coerces
 * types, so `{"NetworkID": 5}` would pass as the text "5". A plugin call of the wrong type gets 400 instead.
 */
function strictValidator({ schema }: { schema: unknown }) {
  const check = TypeCompiler.Compile(schema as TSchema);
  return (data: unknown) => {
    if (check.Check(data)) {
      return { value: data };
    }
    const first = check.Errors(data).First();
    const where = first === undefined || first.path === "" ? "body" : `body${first.path}`;
    return { error: new Error(`${where}: ${first?.message ?? "invalid value"}`) };
  };
}

/** Parses every body as JSON, whatever its Content-Type; an empty body becomes `{}`. */
function registerJsonParser(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === "") {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(
        kuryrErrors.create("INVALID_REQUEST", { reason: "the body is not valid JSON" }),
        undefined,
      );
    }
  });
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined || request.body === null) {
      request.body = {};
    }
  });
}

function isPluginCall(url: string): boolean {
  return (
    url.startsWith("/Plugin.") ||
    url.startsWith("/NetworkDriver.") ||
    url.startsWith("/IpamDriver.")
  );
}

/**
 * Renders an error in the field Docker reads. The network driver client reads `Err`. The IPAM
 * client reads `Error` from a 200 response and, like every plugin client, `Err` from any other
 * status, so IPAM errors carry both.
 */
export function formatPluginError(error: ApiError, request: FastifyRequest): unknown {
  if (request.url.startsWith("/IpamDriver.")) {
    return { Err: error.message, Error: error.message };
  }
  return { Err: error.message };
}
