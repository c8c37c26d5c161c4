import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Linker } from "../common/http.js";

/**
 * The Identity API version this service implements: the v3.14 surface of Keystone 22 (the
 * release in Debian 12), whose version document carries this `updated` date.
 */
const VERSION_ID = "v3.14";
const VERSION_UPDATED = "2020-04-07T00:00:00Z";

function versionDocument(linker: Linker, request: FastifyRequest) {
  return {
    id: VERSION_ID,
    status: "stable",
    updated: VERSION_UPDATED,
    links: [{ rel: "self", href: `${linker.base(request)}/v3/` }],
    "media-types": [
      { base: "application/json", type: "application/vnd.openstack.identity-v3+json" },
    ],
  };
}

/** `GET /` (300, the list of versions) and `GET /v3` (the v3 version document). */
export function registerVersionRoutes(app: FastifyInstance, linker: Linker) {
  app.get("/", { config: { public: true } }, async (request, reply) => {
    return reply.code(300).send({ versions: { values: [versionDocument(linker, request)] } });
  });

  app.get("/v3", { config: { public: true } }, async (request) => {
    return { version: versionDocument(linker, request) };
  });
}
