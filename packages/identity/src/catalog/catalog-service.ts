import { createHash } from "node:crypto";
import type { IdentityConfig } from "../config.js";
import { type CatalogService, ENDPOINT_INTERFACES } from "./catalog-types.js";

interface CatalogEntry {
  name: string;
  url: string;
}

/**
 * Creates the service catalog: a fixed set of services with one URL each, from configuration and
 * updated by the process that binds the services (the stack). The catalog is not stored in the
 * database, so ids are derived from the service type, interface and region, and they stay the
 * same across restarts.
 */
export function createCatalog(config: IdentityConfig["catalog"], listen: IdentityConfig["listen"]) {
  const region = config.region;
  const entries = new Map<string, CatalogEntry>();
  let boundIdentityUrl: string | undefined;
  /** The rendered catalog, kept until an endpoint changes; callers must not modify it. */
  let rendered: CatalogService[] | undefined;

  const configured: Array<[string, string, string]> = [
    ["key-manager", "barbican", config.key_manager_url],
    ["network", "neutron", config.network_url],
    ["rca", "vitrage", config.rca_url],
  ];
  for (const [type, name, url] of configured) {
    if (url !== "") {
      entries.set(type, { name, url });
    }
  }

  /**
   * Returns the identity URL: `catalog.identity_url`, else the address the service bound, else
   * `listen.public_url`, else the configured host and port, each with `/v3`.
   */
  function identityUrl(): string {
    if (config.identity_url !== "") {
      return config.identity_url;
    }
    if (boundIdentityUrl !== undefined) {
      return boundIdentityUrl;
    }
    const base =
      listen.public_url !== "" ? listen.public_url : `http://${listen.host}:${listen.port}`;
    return `${base.replace(/\/+$/, "")}/v3`;
  }

  function allEntries(): Array<[string, CatalogEntry]> {
    return [["identity", { name: "keystone", url: identityUrl() }], ...entries.entries()];
  }

  return {
    region,

    /** Sets the identity URL used when `catalog.identity_url` is empty (the bound address). */
    setIdentityUrl(url: string): void {
      boundIdentityUrl = url;
      rendered = undefined;
    },

    /** Adds a service or replaces its URL. */
    setEndpoint(type: string, name: string, url: string): void {
      rendered = undefined;
      if (type === "identity") {
        boundIdentityUrl = url;
        return;
      }
      entries.set(type, { name, url });
    },

    identityUrl,

    /** Returns the catalog in the shape of a token's `catalog`. */
    render(): readonly CatalogService[] {
      rendered ??= allEntries().map(([type, entry]) => ({
        id: stableId(`service/${type}`),
        type,
        name: entry.name,
        endpoints: ENDPOINT_INTERFACES.map((endpointInterface) => ({
          id: stableId(`endpoint/${type}/${endpointInterface}/${region}`),
          interface: endpointInterface,
          region,
          region_id: region,
          url: entry.url,
        })),
      }));
      return rendered;
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;

/** Derives a 32-hex-digit id from a key, so that catalog ids do not change between restarts. */
function stableId(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}
