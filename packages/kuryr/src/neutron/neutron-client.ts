import { performance } from "node:perf_hooks";
import type { ApiError, Logger } from "@openstack-ts/kernel";
import { kuryrErrors, neutronFailure } from "../errors.js";
import type { NeutronAccess } from "./neutron-access.js";
import type {
  NeutronNetwork,
  NeutronPort,
  NeutronQuery,
  NeutronSecurityGroup,
  NeutronSecurityGroupRule,
  NeutronSubnet,
  NeutronSubnetPool,
  TaggedCollection,
} from "./neutron-types.js";

interface RequestOptions {
  query?: NeutronQuery;
  body?: unknown;
  /** Statuses that resolve to `null` instead of raising, such as 404 on a lookup. */
  tolerate?: number[];
}

/** A collection of Neutron resources: list, show, create, update and delete. */
export interface NeutronCollection<T> {
  list(query?: NeutronQuery): Promise<T[]>;
  /**
   * Returns the resource, or null when Neutron returns 404. The id is percent-encoded, because it
   * may come from a Docker option such as `neutron.net.uuid`.
   */
  show(id: string): Promise<T | null>;
  create(attributes: Record<string, unknown>): Promise<T>;
  update(id: string, attributes: Record<string, unknown>): Promise<T>;
  /** Deletes the resource; returns false when it was already gone. */
  remove(id: string): Promise<boolean>;
}

/**
 * A Neutron v2.0 API client over `fetch`. Neutron's refusals become ApiErrors that keep Neutron's
 * status and message; a 401 with renewable credentials is retried once with a fresh token.
 */
export class NeutronClient {
  readonly networks: NeutronCollection<NeutronNetwork>;
  readonly subnets: NeutronCollection<NeutronSubnet>;
  readonly subnetpools: NeutronCollection<NeutronSubnetPool>;
  readonly ports: NeutronCollection<NeutronPort>;
  readonly securityGroups: NeutronCollection<NeutronSecurityGroup>;
  readonly securityGroupRules: NeutronCollection<NeutronSecurityGroupRule>;
  readonly #access: NeutronAccess;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #logger: Logger | undefined;
  readonly #writeListeners: ((path: string) => void)[] = [];

  /**
   * `fetchImpl` replaces the global fetch, for a Neutron reached through a Unix socket. With a
   * logger, each request logs its method, path, status and time at debug level.
   */
  constructor(
    access: NeutronAccess,
    timeoutSeconds: number,
    fetchImpl: typeof fetch = fetch,
    logger?: Logger,
  ) {
    this.#access = access;
    this.#timeoutMs = timeoutSeconds * 1000;
    this.#fetch = fetchImpl;
    this.#logger = logger;
    this.networks = this.#collection("networks", "network");
    this.subnets = this.#collection("subnets", "subnet");
    this.subnetpools = this.#collection("subnetpools", "subnetpool");
    this.ports = this.#collection("ports", "port");
    this.securityGroups = this.#collection("security-groups", "security_group", "security_groups");
    this.securityGroupRules = this.#collection(
      "security-group-rules",
      "security_group_rule",
      "security_group_rules",
    );
  }

  /**
   * Calls `listener` with the path of every POST, PUT and DELETE this client sends, whether Neutron
   * accepts it or not, so that caches of what the plugin read can drop what it changes.
   */
  onWrite(listener: (path: string) => void): void {
    this.#writeListeners.push(listener);
  }

  /** Adds a tag; adding a tag the resource already has is a no-op in Neutron. */
  async addTag(collection: TaggedCollection, id: string, tag: string): Promise<void> {
    await this.request(
      "PUT",
      `/${collection}/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`,
    );
  }

  /** Replaces every tag of a resource in one call (`PUT /<collection>/<id>/tags`). */
  async replaceTags(collection: TaggedCollection, id: string, tags: string[]): Promise<void> {
    await this.request("PUT", `/${collection}/${encodeURIComponent(id)}/tags`, { body: { tags } });
  }

  /** Removes a tag; a tag or resource that is already gone is not an error. */
  async removeTag(collection: TaggedCollection, id: string, tag: string): Promise<void> {
    await this.request(
      "DELETE",
      `/${collection}/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`,
      {
        tolerate: [404],
      },
    );
  }

  /** Returns true when Neutron lists the extension alias. */
  async hasExtension(alias: string): Promise<boolean> {
    const body = await this.request("GET", `/extensions/${encodeURIComponent(alias)}`, {
      tolerate: [404],
    });
    return body !== null;
  }

  /**
   * Sends one request to `/v2.0<path>` and returns the parsed body: undefined for an empty body, and
   * null for a tolerated status.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    if (method === "GET") {
      return this.#timedRequest(method, path, options);
    }
    // Before and after, so that a read overlapping the write leaves no stale result in a cache.
    this.#notifyWrite(path);
    try {
      return await this.#timedRequest(method, path, options);
    } finally {
      this.#notifyWrite(path);
    }
  }

  #notifyWrite(path: string) {
    for (const listener of this.#writeListeners) {
      listener(path);
    }
  }

  async #timedRequest(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const start = performance.now();
    let response = await this.#send(method, path, options);
    if (response.status === 401 && this.#access.renewable) {
      this.#access.invalidate();
      response = await this.#send(method, path, options);
    }
    try {
      return await this.#read(response, options);
    } finally {
      this.#logger?.debug(
        { method, path, status: response.status, ms: Math.round(performance.now() - start) },
        "neutron request",
      );
    }
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const base = await this.#access.endpoint();
    const url = `${base}/v2.0${path}${queryString(options.query)}`;
    const headers: Record<string, string> = {
      accept: "application/json",
      ...(await this.#access.headers()),
    };
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
    }
    try {
      return await this.#fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw unreachable(base, error);
    }
  }

  async #read(response: Response, options: RequestOptions): Promise<unknown> {
    if (options.tolerate?.includes(response.status) === true) {
      await response.body?.cancel();
      return null;
    }
    const text = await response.text();
    if (!response.ok) {
      throw neutronFailure(response.status, neutronMessage(response.status, text));
    }
    return text === "" ? undefined : JSON.parse(text);
  }

  /** `collection` is the URL path; `plural` the body key, which differs for security groups. */
  #collection<T>(collection: string, singular: string, plural = collection): NeutronCollection<T> {
    const path = `/${collection}`;
    return {
      list: async (query) => {
        const body = (await this.request("GET", path, { query })) as Record<string, T[]>;
        return body[plural] ?? [];
      },
      show: async (id) => {
        const body = await this.request("GET", `${path}/${encodeURIComponent(id)}`, {
          tolerate: [404],
        });
        return body === null ? null : ((body as Record<string, T>)[singular] ?? null);
      },
      create: async (attributes) => {
        const body = await this.request("POST", path, { body: { [singular]: attributes } });
        return (body as Record<string, T>)[singular] as T;
      },
      update: async (id, attributes) => {
        const body = await this.request("PUT", `${path}/${encodeURIComponent(id)}`, {
          body: { [singular]: attributes },
        });
        return (body as Record<string, T>)[singular] as T;
      },
      remove: async (id) => {
        const body = await this.request("DELETE", `${path}/${encodeURIComponent(id)}`, {
          tolerate: [404],
        });
        return body !== null;
      },
    };
  }
}

function queryString(query: NeutronQuery | undefined): string {
  if (query === undefined) {
    return "";
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      params.append(key, String(item));
    }
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** Extracts the message of a Neutron error body (`{"NeutronError": {"message": ...}}`). */
function neutronMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as {
      NeutronError?: { message?: string } | string;
      message?: string;
      error?: { message?: string };
    };
    const neutronError = body.NeutronError;
    if (typeof neutronError === "string") {
      return neutronError;
    }
    const message = neutronError?.message ?? body.error?.message ?? body.message;
    if (typeof message === "string" && message !== "") {
      return message;
    }
  } catch {
    // A body that is not JSON is reported as text below.
  }
  const excerpt = text.trim().slice(0, 200);
  return excerpt === "" ? `Neutron returned HTTP ${status}` : excerpt;
}

function unreachable(base: string, error: unknown): ApiError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason =
    (error as Error).name === "TimeoutError"
      ? "the request timed out"
      : (cause?.code ?? cause?.message ?? (error as Error).message);
  return kuryrErrors.create("NEUTRON_UNREACHABLE", { url: base, reason });
}
