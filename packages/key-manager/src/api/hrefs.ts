import type { FastifyRequest } from "fastify";

/** Base URL of links: the configured one, or the one the request came in on. */
export interface HrefSettings {
  /** `host_href`, then `listen.public_url`; empty derives the base from the request. */
  baseUrl: string;
}

/** Returns the base URL for links in a response, without a trailing slash. */
export function baseUrlFor(settings: HrefSettings, request: FastifyRequest): string {
  if (settings.baseUrl !== "") {
    return settings.baseUrl.replace(/\/+$/, "");
  }
  return `${request.protocol}://${request.host}`;
}

/** Returns `<base>/v1/secrets/<id>`. */
export function secretHref(base: string, secretId: string): string {
  return `${base}/v1/secrets/${secretId}`;
}
