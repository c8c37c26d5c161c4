import type { Logger } from "@openstack-ts/kernel";
import { LRUCache } from "lru-cache";
import { kuryrErrors } from "../errors.js";
import { idTags, portName } from "../naming.js";
import type { NeutronClient } from "./neutron-client.js";
import type { NeutronNetwork, NeutronPort, NeutronQuery } from "./neutron-types.js";

/** Neutron extensions that change how the plugin identifies its resources. */
export interface NeutronFeatures {
  /** Tags on networks, subnets, subnet pools and ports (`standard-attr-tag`, or `tag` + `tag-ext`). */
  tags: boolean;
  /**
   * `tags` accepted in the body of a port create (`tag-ports-during-bulk-creation`, which covers
   * single creates too), so that a port is created with its tags in one request.
   */
  portTagsOnCreate: boolean;
}

/** The extension that lets a port create carry its tags. */
const PORT_TAGS_ON_CREATE = "tag-ports-during-bulk-creation";

/** Tries and backoff of the startup check, as kuryr-libnetwork does: 0, 1, 3, 7 ... 63 s apart. */
const STARTUP_ATTEMPTS = 8;

/** Detects Neutron's features once and caches them; a failed detection is retried on the next call. */
export interface FeatureProbe {
  (): Promise<NeutronFeatures>;
  /**
   * Detects the features at startup, retrying with exponential backoff while Neutron is unreachable,
   * so that the first Docker call finds them cached. Never rejects: the last failure is logged.
   */
  warmUp(attempts?: number): Promise<void>;
}

/**
 * Checks the extensions: `subnet_allocation` is mandatory, and tags decide whether Docker ids are
 * kept in tags or in names. A request-path call makes one attempt, so Docker never waits for the
 * startup backoff.
 */
export function featureProbe(neutron: NeutronClient, logger: Logger): FeatureProbe {
  let probe: Promise<NeutronFeatures> | null = null;

  async function detect(): Promise<NeutronFeatures> {
    // The checks are independent, so they go to Neutron side by side.
    const [allocation, standardTags, portTags] = await Promise.all(
      ["subnet_allocation", "standard-attr-tag", PORT_TAGS_ON_CREATE].map((alias) =>
        neutron.hasExtension(alias),
      ),
    );
    if (!allocation) {
      throw kuryrErrors.create("MANDATORY_EXTENSION_MISSING", { alias: "subnet_allocation" });
    }
    const tags =
      standardTags ||
      (await Promise.all(["tag", "tag-ext"].map((alias) => neutron.hasExtension(alias)))).every(
        Boolean,
      );
    if (!tags) {
      logger.warn("Neutron has no tag extension: Docker ids are kept in resource names");
    }
    return { tags, portTagsOnCreate: tags && portTags === true };
  }

  const get = (): Promise<NeutronFeatures> => {
    if (probe === null) {
      probe = detect();
      probe.catch(() => {
        probe = null;
      });
    }
    return probe;
  };

  async function warmUp(attempts = STARTUP_ATTEMPTS) {
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      try {
        const features = await get();
        logger.info({ features }, "Neutron extensions checked");
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        const last = attempt === attempts - 1 || code === "MANDATORY_EXTENSION_MISSING";
        logger.warn(
          { err: (error as Error).message, attempt: attempt + 1 },
          "Neutron extension check failed",
        );
        if (last) {
          return;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, (2 ** (attempt + 1) - 1) * 1000).unref(),
        );
      }
    }
  }

  return Object.assign(get, { warmUp });
}

/** Returns the only element, null for none, and raises DUPLICATED_RESOURCE for several. */
export function onlyOne<T>(items: T[], kind: string, query: NeutronQuery): T | null {
  if (items.length > 1) {
    const filter = Object.entries(query)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(", ");
    throw kuryrErrors.create("DUPLICATED_RESOURCE", { kind, filter });
  }
  return items[0] ?? null;
}

/**
 * Finds the Neutron resources that stand for Docker networks and endpoints. Network lookups are
 * cached for a minute, because every endpoint call needs one; DeleteNetwork evicts its entry.
 */
export class DockerResourceLookup {
  readonly #neutron: NeutronClient;
  readonly #features: () => Promise<NeutronFeatures>;
  readonly #networks = new LRUCache<string, NeutronNetwork>({ max: 1000, ttl: 60_000 });

  constructor(neutron: NeutronClient, features: () => Promise<NeutronFeatures>) {
    this.#neutron = neutron;
    this.#features = features;
  }

  /** Finds the Neutron network of a Docker network: by its id tags, or by name without tags. */
  async network(dockerNetworkId: string): Promise<NeutronNetwork | null> {
    const cached = this.#networks.get(dockerNetworkId);
    if (cached !== undefined) {
      return cached;
    }
    const query = (await this.#features()).tags
      ? { tags: idTags(dockerNetworkId).join(",") }
      : { name: dockerNetworkId };
    const network = onlyOne(await this.#neutron.networks.list(query), "networks", query);
    if (network !== null) {
      this.#networks.set(dockerNetworkId, network);
    }
    return network;
  }

  /** Drops the cached network of a Docker network. */
  forgetNetwork(dockerNetworkId: string): void {
    this.#networks.delete(dockerNetworkId);
  }

  /** Finds the port bound to a Docker endpoint: by its id tags, or by name without tags. */
  async endpointPort(endpointId: string): Promise<NeutronPort | null> {
    const query = (await this.#features()).tags
      ? { tags: idTags(endpointId).join(",") }
      : { name: portName(endpointId) };
    return onlyOne(await this.#neutron.ports.list(query), "ports", query);
  }

  /** Finds the port named after a Docker endpoint, as upstream does for exposed ports. */
  async endpointPortByName(endpointId: string): Promise<NeutronPort | null> {
    const query = { name: portName(endpointId) };
    return onlyOne(await this.#neutron.ports.list(query), "ports", query);
  }
}
