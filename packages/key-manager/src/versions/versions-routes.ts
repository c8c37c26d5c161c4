import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { MAX_MICROVERSION, MIN_MICROVERSION, versionAtLeast } from "../api/microversion.js";

/** Build string returned by `GET /?build`. */
export const BUILD_VERSION = "openstack-ts key-manager 0.1.0";

/**
 * Registers version discovery: `GET /` (300, no authentication) and `GET /v1` (200). Without a
 * microversion the document has upstream's 1.0 shape; from 1.1 on it names the microversion range.
 */
export function registerVersionRoutes(app: FastifyInstance, hrefs: HrefSettings): void {
  app.get("/", { config: { public: true } }, async (request, reply) => {
    if ("build" in (request.query as Record<string, unknown>)) {
      return reply.code(200).send({ build: BUILD_VERSION });
    }
    if (request.headers.accept === "application/json-home") {
      return reply.redirect(`${baseUrlFor(hrefs, request)}/v1/`, 302);
    }
    const version = versionDocument(request, hrefs);
    const body = versionAtLeast(request.apiVersion, 1, 1)
      ? { versions: [version] }
      : { versions: { values: [version] } };
    return reply.code(300).send(body);
  });
  rejectOtherMethods(app, "/", ["GET"], { public: true });

  app.get("/v1", async (request) => ({ version: versionDocument(request, hrefs) }));
  rejectOtherMethods(app, "/v1", ["GET"]);
}

function versionDocument(request: FastifyRequest, hrefs: HrefSettings): Record<string, unknown> {
  const links = [
    { rel: "self", href: `${baseUrlFor(hrefs, request)}/v1/` },
    { rel: "describedby", type: "text/html", href: "https://docs.openstack.org/" },
  ];
  if (versionAtLeast(request.apiVersion, 1, 1)) {
    return {
      id: "v1",
      status: "CURRENT",
      min_version: MIN_MICROVERSION,
      max_version: MAX_MICROVERSION,
      links,
    };
  }
  return {
    id: "v1",
    status: "stable",
    links,
    "media-types": [
      { base: "application/json", type: "application/vnd.openstack.key-manager-v1+json" },
    ],
  };
}
