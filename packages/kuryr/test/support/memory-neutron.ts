import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  cidrContains,
  cidrHasAddress,
  cidrsOverlap,
  firstFreeBlock,
  firstHost,
  parseAddress,
  parseCidr,
} from "../../src/cidr.js";

/**
 * An in-memory Neutron v2.0 subset for unit tests of the plugin: networks, subnets (with subnet
 * pool allocation), subnet pools, ports (address and MAC allocation), security groups, tags, list
 * filters and a network quota, with Neutron's error body. It is a test double: the suites that
 * prove the plugin run against the project's network service.
 */
export interface MemoryNeutron {
  url: string;
  /** Every resource, by collection name. */
  store: Record<Collection, Map<string, Resource>>;
  /** Number of networks a project may own; Infinity for no limit. */
  networkQuota: number;
  /** Whether `/extensions/standard-attr-tag` exists. */
  tagsExtension: boolean;
  /**
   * Whether `/extensions/tag-ports-during-bulk-creation` exists. Without it a port create that
   * carries `tags` is rejected with 400, as Neutron rejects an unknown attribute.
   */
  portTagsOnCreateExtension: boolean;
  /** Whether a port create ignores the `tags` of its request, with the extension listed. */
  dropTagsOnPortCreate: boolean;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

type Resource = Record<string, unknown> & { id: string; tags: string[] };
type Collection =
  | "networks"
  | "subnets"
  | "subnetpools"
  | "ports"
  | "security-groups"
  | "security-group-rules";

const SINGULAR: Record<Collection, string> = {
  networks: "network",
  subnets: "subnet",
  subnetpools: "subnetpool",
  ports: "port",
  "security-groups": "security_group",
  "security-group-rules": "security_group_rule",
};

class NeutronFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the double on 127.0.0.1 with a free port. */
export async function startMemoryNeutron(): Promise<MemoryNeutron> {
  const store = {
    networks: new Map(),
    subnets: new Map(),
    subnetpools: new Map(),
    ports: new Map(),
    "security-groups": new Map(),
    "security-group-rules": new Map(),
  } as Record<Collection, Map<string, Resource>>;
  const state: MemoryNeutron = {
    url: "",
    store,
    networkQuota: Number.POSITIVE_INFINITY,
    tagsExtension: true,
    portTagsOnCreateExtension: true,
    dropTagsOnPortCreate: false,
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((request, response) => {
    handle(state, request, response).catch((error: unknown) => {
      const fault =
        error instanceof NeutronFault ? error : new NeutronFault(500, "Internal", String(error));
      send(response, fault.status, {
        NeutronError: { type: fault.type, message: fault.message, detail: "" },
      });
    });
  });
  server.on("connection", () => {
    state.connections += 1;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

async function handle(state: MemoryNeutron, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://neutron");
  const parts = url.pathname
    .replace(/^\/v2\.0\//, "")
    .split("/")
    .filter(Boolean);
  const body = await readBody(request);
  const [collection, id, sub, tag] = parts as [string, string?, string?, string?];
  if (collection === "extensions") {
    const known = [
      "subnet_allocation",
      ...(state.tagsExtension ? ["standard-attr-tag"] : []),
      ...(state.portTagsOnCreateExtension ? ["tag-ports-during-bulk-creation"] : []),
    ];
    if (id !== undefined && !known.includes(id)) {
      throw new NeutronFault(404, "ExtensionNotFound", `Extension ${id} not found.`);
    }
    send(response, 200, { extension: { alias: id } });
    return;
  }
  if (collection === "quotas" && request.method === "PUT") {
    const quota = (body as { quota?: { network?: number } }).quota ?? {};
    state.networkQuota =
      quota.network === undefined || quota.network < 0 ? Number.POSITIVE_INFINITY : quota.network;
    send(response, 200, { quota });
    return;
  }
  if (!(collection in SINGULAR)) {
    throw new NeutronFault(404, "HTTPNotFound", "The resource could not be found.");
  }
  const kind = collection as Collection;
  const items = state.store[kind];
  if (sub === "tags" && id !== undefined && tag === undefined && request.method === "PUT") {
    const item = mustFind(items, id, kind);
    item.tags = [...new Set((body as { tags?: string[] }).tags ?? [])];
    send(response, 200, { tags: item.tags });
    return;
  }
  if (sub === "tags" && id !== undefined && tag !== undefined) {
    const item = mustFind(items, id, kind);
    const value = decodeURIComponent(tag);
    if (request.method === "PUT" && !item.tags.includes(value)) {
      item.tags.push(value);
    }
    if (request.method === "DELETE") {
      if (!item.tags.includes(value)) {
        throw new NeutronFault(404, "TagNotFound", `Tag ${value} could not be found.`);
      }
      item.tags = item.tags.filter((existing) => existing !== value);
    }
    send(
      response,
      request.method === "DELETE" ? 204 : 201,
      request.method === "DELETE" ? undefined : null,
    );
    return;
  }
  const singular = SINGULAR[kind];
  if (request.method === "GET" && id === undefined) {
    send(response, 200, {
      [kind.replaceAll("-", "_")]: [...items.values()].filter((item) =>
        matches(item, url.searchParams),
      ),
    });
  } else if (request.method === "GET" && id !== undefined) {
    send(response, 200, { [singular]: mustFind(items, id, kind) });
  } else if (request.method === "POST") {
    const attributes = (body as Record<string, Record<string, unknown>>)[singular] ?? {};
    if (kind === "ports" && "tags" in attributes && !state.portTagsOnCreateExtension) {
      throw new NeutronFault(400, "HTTPBadRequest", "Unrecognized attribute(s) 'tags'");
    }
    if (kind === "ports" && state.dropTagsOnPortCreate) {
      delete attributes.tags;
    }
    send(response, 201, { [singular]: create(state, kind, attributes) });
  } else if (request.method === "PUT" && id !== undefined) {
    const attributes = (body as Record<string, Record<string, unknown>>)[singular] ?? {};
    send(response, 200, { [singular]: update(state, kind, mustFind(items, id, kind), attributes) });
  } else if (request.method === "DELETE" && id !== undefined) {
    remove(state, kind, mustFind(items, id, kind));
    send(response, 204, undefined);
  } else {
    throw new NeutronFault(405, "HTTPMethodNotAllowed", "Method not allowed.");
  }
}

function create(
  state: MemoryNeutron,
  kind: Collection,
  attributes: Record<string, unknown>,
): Resource {
  const base: Resource = {
    id: randomUUID(),
    tags: [],
    name: "",
    project_id: "project",
    ...attributes,
  };
  base.tags = [...((attributes.tags as string[] | undefined) ?? [])];
  switch (kind) {
    case "networks":
      if (state.store.networks.size >= state.networkQuota) {
        throw new NeutronFault(409, "OverQuota", "Quota exceeded for resources: ['network'].");
      }
      Object.assign(base, { shared: attributes.shared ?? false, mtu: 1500, status: "ACTIVE" });
      break;
    case "subnets":
      createSubnet(state, base);
      break;
    case "subnetpools":
      base.shared = attributes.shared ?? false;
      base.default_prefixlen = Number(attributes.default_prefixlen ?? 24);
      break;
    case "ports":
      createPort(state, base);
      break;
    case "security-groups":
      base.security_group_rules = [];
      break;
    case "security-group-rules": {
      const group = mustFind(
        state.store["security-groups"],
        String(attributes.security_group_id),
        kind,
      );
      base.ethertype = attributes.ethertype ?? "IPv4";
      (group.security_group_rules as Resource[]).push(base);
      break;
    }
  }
  state.store[kind].set(base.id, base);
  return base;
}

function createSubnet(state: MemoryNeutron, subnet: Resource) {
  mustFind(state.store.networks, String(subnet.network_id), "networks");
  const poolId = (subnet.subnetpool_id as string | undefined) ?? null;
  subnet.subnetpool_id = poolId;
  let cidr = subnet.cidr === undefined ? null : parseCidr(String(subnet.cidr));
  if (poolId !== null) {
    const pool = mustFind(state.store.subnetpools, poolId, "subnetpools");
    const used = [...state.store.subnets.values()]
      .filter((other) => other.subnetpool_id === poolId)
      .map((other) => parseCidr(String(other.cidr)))
      .filter((parsed) => parsed !== null);
    const prefixes = (pool.prefixes as string[])
      .map((prefix) => parseCidr(prefix))
      .filter((p) => p !== null);
    if (cidr === null) {
      for (const prefix of prefixes) {
        cidr = firstFreeBlock(prefix, Number(pool.default_prefixlen), used);
        if (cidr !== null) break;
      }
    } else {
      const requested = cidr;
      const inside = prefixes.some((prefix) => cidrContains(prefix, requested));
      const free = !used.some((taken) => cidrsOverlap(taken, requested));
      if (!inside || !free) {
        throw new NeutronFault(
          400,
          "BadRequest",
          `Cidr ${cidr.text} is not available in pool ${poolId}.`,
        );
      }
    }
  }
  if (cidr === null) {
    throw new NeutronFault(400, "BadRequest", "a cidr or a subnet pool is required");
  }
  subnet.cidr = cidr.text;
  subnet.ip_version = cidr.version;
  subnet.gateway_ip = subnet.gateway_ip === undefined ? firstHost(cidr) : subnet.gateway_ip;
  subnet.host_routes = subnet.host_routes ?? [];
  subnet.enable_dhcp = subnet.enable_dhcp ?? true;
}

function createPort(state: MemoryNeutron, port: Resource) {
  const network = mustFind(state.store.networks, String(port.network_id), "networks");
  const requested =
    (port.fixed_ips as { subnet_id?: string; ip_address?: string }[] | undefined) ?? [];
  const subnets = [...state.store.subnets.values()].filter(
    (subnet) => subnet.network_id === network.id,
  );
  const wanted =
    requested.length > 0
      ? requested
      : subnets.slice(0, 1).map((subnet) => ({ subnet_id: subnet.id }));
  port.fixed_ips = wanted.map((entry) => allocateAddress(state, subnets, entry));
  port.mac_address = String(port.mac_address ?? randomMac());
  port.created_at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const sameMac = [...state.store.ports.values()].some(
    (other) => other.network_id === network.id && other.mac_address === port.mac_address,
  );
  if (sameMac) {
    throw new NeutronFault(
      409,
      "MacAddressInUse",
      `Unable to complete operation for network ${network.id}. The mac address ${port.mac_address} is in use.`,
    );
  }
  Object.assign(port, {
    device_owner: port.device_owner ?? "",
    device_id: port.device_id ?? "",
    status: "DOWN",
    admin_state_up: port.admin_state_up ?? true,
    security_groups: port.security_groups ?? [],
  });
}

function allocateAddress(
  state: MemoryNeutron,
  subnets: Resource[],
  entry: { subnet_id?: string; ip_address?: string },
) {
  const subnet = subnets.find((candidate) =>
    entry.subnet_id !== undefined
      ? candidate.id === entry.subnet_id
      : cidrHasAddress(parseCidr(String(candidate.cidr)) ?? ({} as never), entry.ip_address ?? ""),
  );
  if (subnet === undefined) {
    throw new NeutronFault(400, "InvalidInput", "Invalid input for fixed_ips.");
  }
  const taken = new Set(
    [...state.store.ports.values()].flatMap((port) =>
      (port.fixed_ips as { subnet_id: string; ip_address: string }[])
        .filter((fixed) => fixed.subnet_id === subnet.id)
        .map((fixed) => fixed.ip_address),
    ),
  );
  if (entry.ip_address !== undefined) {
    const address = parseAddress(entry.ip_address)?.text ?? entry.ip_address;
    if (taken.has(address)) {
      throw new NeutronFault(
        409,
        "IpAddressAlreadyAllocated",
        `IP address ${address} already allocated in subnet ${subnet.id}`,
      );
    }
    return { subnet_id: subnet.id, ip_address: address };
  }
  const cidr = parseCidr(String(subnet.cidr));
  if (cidr === null) {
    throw new NeutronFault(500, "Internal", "bad cidr");
  }
  let value = cidr.base + 2n;
  for (let tries = 0; tries < 4096; tries += 1, value += 1n) {
    const address = parseAddress(addressText(value, cidr.version))?.text ?? "";
    if (address !== subnet.gateway_ip && !taken.has(address)) {
      return { subnet_id: subnet.id, ip_address: address };
    }
  }
  throw new NeutronFault(
    409,
    "IpAddressGenerationFailure",
    "No more IP addresses available on network.",
  );
}

function addressText(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    groups.push(((value >> shift) & 0xffffn).toString(16));
  }
  return groups.join(":");
}

function update(
  state: MemoryNeutron,
  kind: Collection,
  item: Resource,
  attributes: Record<string, unknown>,
) {
  if (kind === "ports" && "fixed_ips" in attributes) {
    throw new NeutronFault(400, "BadRequest", "fixed_ips updates are not supported by this double");
  }
  const mac = attributes.mac_address;
  if (kind === "ports" && typeof mac === "string" && mac !== item.mac_address) {
    const inUse = [...state.store.ports.values()].some(
      (port) => port.network_id === item.network_id && port.mac_address === mac,
    );
    if (inUse) {
      throw new NeutronFault(
        409,
        "MacAddressInUse",
        `Unable to complete operation for network ${String(item.network_id)}. The mac address ${mac} is in use.`,
      );
    }
  }
  if (kind === "ports" && Array.isArray(attributes.security_groups)) {
    for (const group of attributes.security_groups as string[]) {
      mustFind(state.store["security-groups"], group, "security-groups");
    }
  }
  Object.assign(item, attributes);
  return item;
}

function remove(state: MemoryNeutron, kind: Collection, item: Resource) {
  const inUse = (message: string) => new NeutronFault(409, "InUse", message);
  if (kind === "networks") {
    const ports = [...state.store.ports.values()].filter((port) => port.network_id === item.id);
    if (ports.length > 0)
      throw inUse(
        `Unable to complete operation on network ${item.id}. There are one or more ports still in use on the network.`,
      );
    for (const subnet of [...state.store.subnets.values()]) {
      if (subnet.network_id === item.id) state.store.subnets.delete(subnet.id);
    }
  }
  if (kind === "subnets") {
    const used = [...state.store.ports.values()].some((port) =>
      (port.fixed_ips as { subnet_id: string }[]).some((fixed) => fixed.subnet_id === item.id),
    );
    if (used)
      throw inUse(
        `Unable to complete operation on subnet ${item.id}: One or more ports have an IP allocation from this subnet.`,
      );
  }
  if (kind === "subnetpools") {
    const used = [...state.store.subnets.values()].some(
      (subnet) => subnet.subnetpool_id === item.id,
    );
    if (used) throw inUse(`Subnet pool ${item.id} could not be deleted: it has allocations.`);
  }
  if (kind === "security-groups") {
    const used = [...state.store.ports.values()].some((port) =>
      (port.security_groups as string[]).includes(item.id),
    );
    if (used) throw inUse(`Security Group ${item.id} in use.`);
  }
  state.store[kind].delete(item.id);
}

function matches(item: Resource, query: URLSearchParams): boolean {
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    if (key === "tags") {
      const wanted = values.flatMap((value) => value.split(","));
      if (!wanted.every((tag) => item.tags.includes(tag))) return false;
      continue;
    }
    if (key === "fixed_ips") {
      const criteria = values.map((value) => value.split("=") as [string, string]);
      const fixed = (item.fixed_ips as Record<string, string>[] | undefined) ?? [];
      const keys = new Set(criteria.map(([name]) => name));
      const hit = fixed.some((entry) =>
        [...keys].every((name) => criteria.some(([n, v]) => n === name && entry[name] === v)),
      );
      if (!hit) return false;
      continue;
    }
    if (!values.includes(String(item[key]))) return false;
  }
  return true;
}

function mustFind(items: Map<string, Resource>, id: string, kind: string): Resource {
  const item = items.get(id);
  if (item === undefined) {
    throw new NeutronFault(404, "NotFound", `${kind} ${id} could not be found.`);
  }
  return item;
}

function randomMac(): string {
  const bytes = [0xfa, 0x16, 0x3e, ...randomBytes(3)];
  return bytes.map((byte) => byte.toString(16).padStart(2, "0")).join(":");
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(body === undefined ? "" : JSON.stringify(body));
}
