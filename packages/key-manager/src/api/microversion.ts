import type { FastifyInstance } from "fastify";
import { errors } from "../errors.js";

/** Microversions the API serves, oldest first. */
export const MICROVERSIONS = ["1.0", "1.1", "1.2"] as const;
export const MIN_MICROVERSION = MICROVERSIONS[0];
export const MAX_MICROVERSION = MICROVERSIONS[MICROVERSIONS.length - 1] as string;

/** Service type that `OpenStack-API-Version` headers name for this API. */
const SERVICE_TYPE = "key-manager";

declare module "fastify" {
  interface FastifyRequest {
    /** The negotiated microversion as [major, minor]. */
    apiVersion: [number, number];
  }
}

/**
 * Reads `OpenStack-API-Version: key-manager X.Y` (or `latest`) on every request, and sends the
 * version chosen and `vary: openstack-api-version` on every response. A header for another service
 * type is ignored; an unsupported version gets 406.
 */
export function registerMicroversions(app: FastifyInstance): void {
  app.decorateRequest("apiVersion", null as unknown as [number, number]);
  app.addHook("onRequest", async (request, reply) => {
    request.apiVersion = [1, 0];
    reply.header("openstack-api-version", `${SERVICE_TYPE} ${MIN_MICROVERSION}`);
    reply.header("vary", "openstack-api-version");
    const requested = requestedVersion(request.headers["openstack-api-version"]);
    if (requested === undefined) {
      return;
    }
    const version = requested === "latest" ? MAX_MICROVERSION : requested;
    if (!(MICROVERSIONS as readonly string[]).includes(version)) {
      throw errors.create("INVALID_MICROVERSION", { version: requested });
    }
    const [major, minor] = version.split(".").map(Number) as [number, number];
    request.apiVersion = [major, minor];
    reply.header("openstack-api-version", `${SERVICE_TYPE} ${version}`);
  });
}

/** Returns true when the request's microversion is at least `major.minor`. */
export function versionAtLeast(version: [number, number], major: number, minor: number): boolean {
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

/**
 * Returns the version requested of this API, or undefined when the header does not name it. As
 * microversion_parse 0.1 does, the last entry for this service wins, and the version is all the
 * text after the service type, so `key-manager 1.1 x` requests the unsupported `1.1 x`.
 */
function requestedVersion(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const values = Array.isArray(header) ? header : [header];
  const entries = values.flatMap((value) => value.split(",")).reverse();
  for (const entry of entries) {
    const match = /^(\S+)\s+(.+)$/.exec(entry.trim());
    if (match?.[1]?.toLowerCase() === SERVICE_TYPE && match[2] !== undefined) {
      const version = match[2].trim();
      return version.toLowerCase() === "latest" ? "latest" : normaliseVersion(version);
    }
  }
  return undefined;
}

function normaliseVersion(version: string): string {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return match === null ? version : `${Number(match[1])}.${Number(match[2])}`;
}
