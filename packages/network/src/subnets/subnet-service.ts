import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { isSet, type ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { standardAttributeValues } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { badResourceRequest, neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import {
  eui64Address,
  formatIp,
  formatNetwork,
  type IpNetwork,
  type IpRange,
  networkAddress,
  parseCidr,
  parseIp,
} from "../ipam/ip-address.js";
import { type IpamSubnet, isAutoAddressSubnet, ROUTER_INTERFACE_OWNERS } from "../ipam/ipam.js";
import { findNetwork, type NetworkRow } from "../networks/network-repo.js";
import type { NetworkService } from "../networks/network-service.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { allocatePrefix, type PrefixRequest } from "../subnetpools/prefix-allocation.js";
import type { SubnetPoolService } from "../subnetpools/subnetpool-service.js";
import { loadTags } from "../tags/tag-repo.js";
import {
  allocationsOnSubnet,
  deleteAllocationsOfSubnet,
  deleteSubnetRow,
  findSubnet,
  insertSubnet,
  listSubnetRows,
  nameserversBySubnet,
  type PoolRow,
  poolsBySubnet,
  type RouteRow,
  routesBySubnet,
  type SubnetRow,
  subnetListSpec,
  subnetsOfNetwork,
  subnetVisibility,
  updateSubnetRow,
  writeNameservers,
  writePools,
  writeRoutes,
} from "./subnet-repo.js";
import {
  checkCidrFree,
  checkGatewayOutsidePools,
  defaultGateway,
  generatePools,
  poolsToApi,
  type SubnetLimits,
  validatePools,
  validateSubnetSpec,
} from "./subnet-rules.js";
import { type Subnet, subnetDefinition } from "./subnet-types.js";

/** Auto-address changes on ports made while creating or deleting a subnet. */
export interface PortChangeListener {
  portsChanged(context: RequestContext, portIds: string[]): Promise<void>;
}

export interface SubnetServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction" | "lockRow">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  networks: Pick<NetworkService, "findVisible">;
  subnetPools: Pick<SubnetPoolService, "findVisible" | "findDefault" | "allocationState">;
  ports: () => PortChangeListener;
  limits: SubnetLimits;
}

/** Owners whose ports lose their addresses with the subnet instead of blocking its deletion. */
const AUTO_DELETE_PORT_OWNERS = new Set([
  "network:dhcp",
  "network:distributed",
  "network:floatingip_agent_gateway",
]);

/** Subnets: address prefixes of a network, allocated directly or from subnet pools. */
export class SubnetService implements ResourceService {
  readonly definition = subnetDefinition;
  readonly #deps: SubnetServiceDependencies;

  constructor(dependencies: SubnetServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<Subnet[]> {
    const prepared: SubnetRequest[] = [];
    for (const item of items) {
      prepared.push(await this.#prepare(context, item.values));
    }
    const created = await this.#deps.store.writeTransaction(async (trx) => {
      const results: { id: string; portIds: string[] }[] = [];
      for (const request of prepared) {
        results.push(await this.#insert(trx, request));
      }
      return results;
    });
    const subnets = await this.#renderIds(created.map((result) => result.id));
    for (const subnet of subnets) {
      this.#deps.events.publish(context, "subnet", "create", subnet);
    }
    const changedPorts = created.flatMap((result) => result.portIds);
    if (changedPorts.length > 0) {
      await this.#deps.ports().portsChanged(context, changedPorts);
    }
    return subnets;
  }

  /** Checks that need no transaction and settles where the prefix comes from. */
  async #prepare(context: RequestContext, values: Record<string, unknown>): Promise<SubnetRequest> {
    const hasCidr = isSet(values.cidr);
    if (hasCidr && isSet(values.prefixlen)) {
      throw badResourceRequest("subnets", "cidr and prefixlen must not be supplied together");
    }
    const cidr = hasCidr ? canonicalCidr(values.cidr as string) : undefined;
    const poolId = await this.#subnetPoolId(context, values, cidr);
    if (poolId === undefined && cidr === undefined) {
      throw badResourceRequest(
        "subnets",
        "a subnetpool must be specified in the absence of a cidr",
      );
    }
    if (poolId !== undefined && cidr === undefined && isSet(values.allocation_pools)) {
      throw badResourceRequest(
        "subnets",
        "allocation_pools allowed only for specific subnet requests.",
      );
    }
    if (poolId === undefined) {
      validateSubnetSpec(this.#spec(values, cidr as string), this.#deps.limits);
    }
    return { values, cidr, poolId };
  }

  async #subnetPoolId(
    context: RequestContext,
    values: Record<string, unknown>,
    cidr: string | undefined,
  ): Promise<string | undefined> {
    const useDefault = values.use_default_subnetpool === true;
    const poolId = isSet(values.subnetpool_id) ? (values.subnetpool_id as string) : undefined;
    if (useDefault && poolId !== undefined) {
      throw badResourceRequest(
        "subnets",
        "subnetpool_id and use_default_subnetpool cannot both be specified",
      );
    }
    if (poolId !== undefined || !useDefault) {
      return poolId;
    }
    const ipVersion =
      cidr === undefined ? (values.ip_version as number) : (parseCidr(cidr) as IpNetwork).version;
    const pool = await this.#deps.subnetPools.findDefault(context, ipVersion);
    if (pool === undefined) {
      throw badResourceRequest("subnets", `No default subnetpool found for IPv${ipVersion}`);
    }
    return pool.id;
  }

  #spec(values: Record<string, unknown>, cidr: string) {
    return {
      ip_version: values.ip_version as number,
      cidr,
      gateway_ip: values.gateway_ip,
      enable_dhcp: values.enable_dhcp,
      dns_nameservers: values.dns_nameservers,
      host_routes: values.host_routes,
      ipv6_ra_mode: values.ipv6_ra_mode,
      ipv6_address_mode: values.ipv6_address_mode,
    };
  }

  async #insert(trx: Executor, request: SubnetRequest): Promise<{ id: string; portIds: string[] }> {
    const { values } = request;
    const networkId = values.network_id as string;
    if (!(await this.#deps.store.lockRow(trx, "net_networks", networkId))) {
      throw neutronError("NetworkNotFound", { net_id: networkId });
    }
    const projectId = String(values.project_id);
    await this.#deps.quotas.check(trx, projectId, "subnet");
    const placement =
      request.poolId === undefined
        ? this.#placeDirect(values, request.cidr as string)
        : await this.#placeFromPool(trx, request, projectId);
    const existing = await subnetsOfNetwork(trx, networkId);
    checkCidrFree(
      placement.cidr,
      networkId,
      existing.map((subnet) => subnet.cidr),
    );
    checkPoolAffinity(existing, placement.ipVersion, request.poolId);

    const id = randomUUID();
    const now = nowTimestamp();
    const row: SubnetRow = {
      id,
      project_id: projectId,
      network_id: networkId,
      name: String(values.name),
      description: String(values.description),
      ip_version: placement.ipVersion,
      cidr: placement.cidr,
      gateway_ip: placement.gateway,
      enable_dhcp: values.enable_dhcp as boolean,
      ipv6_ra_mode: isSet(values.ipv6_ra_mode) ? (values.ipv6_ra_mode as string) : null,
      ipv6_address_mode: isSet(values.ipv6_address_mode)
        ? (values.ipv6_address_mode as string)
        : null,
      subnetpool_id: request.poolId ?? null,
      created_at: now,
      updated_at: now,
      revision_number: 0,
    };
    await insertSubnet(trx, {
      row,
      pools: placement.pools.map(poolRow),
      dnsNameservers: isSet(values.dns_nameservers) ? (values.dns_nameservers as string[]) : [],
      hostRoutes: isSet(values.host_routes) ? (values.host_routes as RouteRow[]) : [],
    });
    const portIds = isAutoAddressSubnet(row) ? await addAutoAddresses(trx, row) : [];
    return { id, portIds };
  }

  /** Gateway and pools of a subnet whose prefix the request gave. */
  #placeDirect(values: Record<string, unknown>, cidr: string): Placement {
    const network = parseCidr(cidr) as IpNetwork;
    let gateway: string | null = null;
    if (isSet(values.gateway_ip)) {
      gateway = values.gateway_ip as string;
    } else if (values.gateway_ip !== null) {
      gateway = defaultGateway(network);
    }
    return {
      cidr,
      ipVersion: network.version,
      gateway,
      pools: this.#pools(values.allocation_pools, cidr, gateway),
    };
  }

  #pools(requested: unknown, cidr: string, gateway: string | null): IpRange[] {
    if (!isSet(requested)) {
      return generatePools(parseCidr(cidr) as IpNetwork, gateway);
    }
    const pools = validatePools(requested as { start: string; end: string }[], cidr);
    if (gateway !== null) {
      checkGatewayOutsidePools(gateway, pools);
    }
    return pools;
  }

  /** Prefix, gateway and pools of a subnet allocated from a pool, as Neutron's IPAM does. */
  async #placeFromPool(
    trx: Executor,
    request: SubnetRequest,
    projectId: string,
  ): Promise<Placement> {
    const { values } = request;
    const poolId = request.poolId as string;
    const state = await this.#deps.subnetPools.allocationState(trx, poolId, projectId);
    const poolVersion = state.settings.ipVersion;
    if (values.ip_version !== poolVersion) {
      throw badResourceRequest(
        "subnets",
        `Cannot allocate IPv${String(values.ip_version)} subnet from IPv${poolVersion} subnet pool`,
      );
    }
    const prefixlen = isSet(values.prefixlen)
      ? (values.prefixlen as number)
      : state.settings.defaultPrefixlen;
    const gatewayGiven = isSet(values.gateway_ip) ? (values.gateway_ip as string) : undefined;
    const prefixRequest = this.#prefixRequest(request.cidr, gatewayGiven, prefixlen);
    const allocated = allocatePrefix(state, prefixRequest);
    const cidr = formatNetwork(allocated);
    let gateway: string | null;
    if (prefixRequest.kind === "any") {
      gateway = formatIp({ version: allocated.version, value: networkAddress(allocated) + 1n });
    } else if (values.gateway_ip === null) {
      gateway = null;
    } else {
      gateway = gatewayGiven ?? defaultGateway(allocated);
    }
    validateSubnetSpec({ ...this.#spec(values, cidr), gateway_ip: gateway }, this.#deps.limits);
    const pools =
      prefixRequest.kind === "any"
        ? generatePools(allocated, gateway)
        : this.#pools(values.allocation_pools, cidr, gateway);
    return { cidr, ipVersion: allocated.version, gateway, pools };
  }

  #prefixRequest(
    cidr: string | undefined,
    gateway: string | undefined,
    prefixlen: number,
  ): PrefixRequest {
    if (cidr !== undefined) {
      return { kind: "specific", cidr: parseCidr(cidr) as IpNetwork };
    }
    if (gateway !== undefined) {
      const address = parseIp(gateway) as { version: 4 | 6; value: bigint };
      const network: IpNetwork = { version: address.version, address: address.value, prefixlen };
      return { kind: "specific", cidr: { ...network, address: networkAddress(network) } };
    }
    return { kind: "any", prefixlen };
  }

  async show(context: RequestContext, id: string): Promise<Subnet> {
    const row = await findSubnet(this.#deps.store.db, id, subnetVisibility(context));
    if (row === undefined) {
      throw neutronError("SubnetNotFound", { subnet_id: id });
    }
    return (await this.#render(this.#deps.store.db, [row]))[0] as Subnet;
  }

  async list(context: RequestContext, query: ListQuery): Promise<Subnet[]> {
    const db = this.#deps.store.db;
    const visibility = subnetVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      subnetListSpec,
      async (marker) => (await findSubnet(db, marker, visibility)) !== undefined,
      (marker) => neutronError("SubnetNotFound", { subnet_id: marker }),
    );
    return this.#render(db, await listSubnetRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    _original: Subnet,
  ): Promise<Subnet> {
    const values = changes.values;
    await this.#deps.store.writeTransaction(async (trx) => {
      const current = await findSubnet(trx, id);
      if (current === undefined) {
        throw neutronError("SubnetNotFound", { subnet_id: id });
      }
      validateSubnetSpec(
        { ...this.#spec({ ...values, ip_version: current.ip_version }, current.cidr), id },
        this.#deps.limits,
        current,
      );
      await this.#checkGatewayChange(trx, current, values);
      const pools = await this.#updatedPools(trx, current, values);
      await updateSubnetRow(trx, id, subnetColumnChanges(values), nowTimestamp());
      if (pools !== undefined) {
        await writePools(trx, id, pools.map(poolRow));
      }
      if ("dns_nameservers" in values) {
        await writeNameservers(trx, id, values.dns_nameservers as string[]);
      }
      if ("host_routes" in values) {
        await writeRoutes(trx, id, values.host_routes as RouteRow[]);
      }
    });
    const [updated] = await this.#renderIds([id]);
    this.#deps.events.publish(context, "subnet", "update", updated as Subnet);
    return updated as Subnet;
  }

  /** Rejects a new gateway while a router port uses the old one. */
  async #checkGatewayChange(trx: Executor, current: SubnetRow, values: Record<string, unknown>) {
    if (!isSet(values.gateway_ip) || current.gateway_ip === null) {
      return;
    }
    if (sameAddress(values.gateway_ip as string, current.gateway_ip)) {
      return;
    }
    const holders = await allocationsOnSubnet(trx, current.id);
    const routerPort = holders.find(
      (holder) =>
        holder.ip_address === current.gateway_ip &&
        ROUTER_INTERFACE_OWNERS.has(holder.device_owner),
    );
    if (routerPort !== undefined) {
      throw neutronError("GatewayIpInUse", {
        ip_address: current.gateway_ip,
        port_id: routerPort.port_id,
      });
    }
  }

  /** New pools when the request changes them; checks the gateway against the resulting pools. */
  async #updatedPools(
    trx: Executor,
    current: SubnetRow,
    values: Record<string, unknown>,
  ): Promise<IpRange[] | undefined> {
    const requested = values.allocation_pools;
    const pools =
      requested === undefined || requested === null
        ? undefined
        : validatePools(requested as { start: string; end: string }[], current.cidr);
    const gateway =
      "gateway_ip" in values ? (values.gateway_ip as string | null) : current.gateway_ip;
    const gatewayChanged = gateway !== current.gateway_ip;
    if ((gatewayChanged || pools !== undefined) && gateway !== null) {
      const effective = pools ?? storedPools(await poolsBySubnet(trx, [current.id]), current);
      checkGatewayOutsidePools(gateway, effective);
    }
    return pools;
  }

  async remove(context: RequestContext, id: string, original: Subnet): Promise<void> {
    const changedPorts = await this.#deps.store.writeTransaction(async (trx) => {
      const current = await findSubnet(trx, id);
      if (current === undefined) {
        throw neutronError("SubnetNotFound", { subnet_id: id });
      }
      const holders = await allocationsOnSubnet(trx, id);
      if (holders.some((holder) => ROUTER_INTERFACE_OWNERS.has(holder.device_owner))) {
        throw neutronError("SubnetInUse", {
          subnet_id: id,
          reason: "One or more ports have an IP allocation from this subnet",
        });
      }
      const userPorts = holders.filter(
        (holder) => !AUTO_DELETE_PORT_OWNERS.has(holder.device_owner),
      );
      if (!isAutoAddressSubnet(current) && userPorts.length > 0) {
        throw neutronError("SubnetInUse", {
          subnet_id: id,
          reason: "One or more ports have an IP allocation from this subnet",
        });
      }
      await deleteAllocationsOfSubnet(trx, id);
      await deleteSubnetRow(trx, id);
      return [...new Set(userPorts.map((holder) => holder.port_id))];
    });
    this.#deps.events.publish(context, "subnet", "delete", original);
    if (changedPorts.length > 0) {
      await this.#deps.ports().portsChanged(context, changedPorts);
    }
  }

  /** Deletes every subnet of a network inside the network's deletion, returning them as shown. */
  async deleteSubnetsOfNetwork(trx: Executor, networkId: string): Promise<Subnet[]> {
    const rows = await subnetsOfNetwork(trx, networkId);
    const rendered = await this.#render(trx, rows);
    for (const row of rows) {
      await deleteAllocationsOfSubnet(trx, row.id);
      await deleteSubnetRow(trx, row.id);
    }
    return rendered;
  }

  async policyExtras(
    context: RequestContext,
    item: Record<string, unknown>,
    action: "create" | "get" | "update" | "delete",
  ): Promise<PolicyExtras> {
    const networkId = String(item.network_id);
    if (action !== "create") {
      return { network: policyNetwork(await findNetwork(this.#deps.store.db, networkId)) };
    }
    const network = await this.#deps.networks.findVisible(context, networkId);
    if (network === undefined) {
      throw neutronError("NetworkNotFound", { net_id: networkId });
    }
    checkOwnership(context, network, item, "subnet");
    return { network: policyNetwork(network) };
  }

  /** Subnets of a network as IPAM needs them. */
  async ipamSubnets(executor: Executor, networkId: string): Promise<IpamSubnet[]> {
    const rows = await subnetsOfNetwork(executor, networkId);
    const pools = await poolsBySubnet(
      executor,
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({
      id: row.id,
      network_id: row.network_id,
      cidr: row.cidr,
      ip_version: row.ip_version,
      ipv6_ra_mode: row.ipv6_ra_mode,
      ipv6_address_mode: row.ipv6_address_mode,
      pools: storedPools(pools, row),
    }));
  }

  /** Returns whether a subnet exists, in any project. */
  async exists(executor: Executor, subnetId: string): Promise<boolean> {
    return (await findSubnet(executor, subnetId)) !== undefined;
  }

  async #renderIds(ids: string[]): Promise<Subnet[]> {
    const rows: SubnetRow[] = [];
    for (const id of ids) {
      const row = await findSubnet(this.#deps.store.db, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#render(this.#deps.store.db, rows);
  }

  async #render(executor: Executor, rows: SubnetRow[]): Promise<Subnet[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "subnets", ids);
    const pools = await poolsBySubnet(executor, ids);
    const servers = await nameserversBySubnet(executor, ids);
    const routes = await routesBySubnet(executor, ids);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      network_id: row.network_id,
      ip_version: row.ip_version,
      subnetpool_id: row.subnetpool_id,
      enable_dhcp: row.enable_dhcp,
      ipv6_ra_mode: row.ipv6_ra_mode,
      ipv6_address_mode: row.ipv6_address_mode,
      gateway_ip: row.gateway_ip,
      cidr: row.cidr,
      allocation_pools: poolsToApi(storedPools(pools, row)),
      host_routes: (routes.get(row.id) ?? []).map((route) => ({
        destination: route.destination,
        nexthop: route.nexthop,
      })),
      dns_nameservers: (servers.get(row.id) ?? []).map((server) => server.address),
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}

interface SubnetRequest {
  values: Record<string, unknown>;
  cidr: string | undefined;
  poolId: string | undefined;
}

interface Placement {
  cidr: string;
  ipVersion: 4 | 6;
  gateway: string | null;
  pools: IpRange[];
}

/** Rewrites a prefix to its network address, as Neutron stores it. */
function canonicalCidr(text: string): string {
  return formatNetwork(parseCidr(text) as IpNetwork);
}

function sameAddress(left: string, right: string): boolean {
  const a = parseIp(left);
  const b = parseIp(right);
  return a !== undefined && b !== undefined && a.version === b.version && a.value === b.value;
}

function poolRow(range: IpRange): PoolRow {
  return {
    first_ip: formatIp({ version: range.version, value: range.first }),
    last_ip: formatIp({ version: range.version, value: range.last }),
  };
}

function storedPools(
  pools: Map<string, { first_ip: string; last_ip: string }[]>,
  row: Pick<SubnetRow, "id" | "ip_version">,
): IpRange[] {
  return (pools.get(row.id) ?? []).map((pool) => ({
    version: row.ip_version as 4 | 6,
    first: (parseIp(pool.first_ip) as { value: bigint }).value,
    last: (parseIp(pool.last_ip) as { value: bigint }).value,
  }));
}

function subnetColumnChanges(values: Record<string, unknown>): Partial<SubnetRow> {
  const changes: Partial<SubnetRow> = {};
  if ("name" in values) changes.name = String(values.name);
  if ("description" in values) changes.description = String(values.description);
  if ("enable_dhcp" in values) changes.enable_dhcp = values.enable_dhcp as boolean;
  if ("gateway_ip" in values) changes.gateway_ip = values.gateway_ip as string | null;
  return changes;
}

/**
 * Subnets of one IP version on a network must all come from the same pool, or all from none.
 */
function checkPoolAffinity(existing: SubnetRow[], ipVersion: number, poolId: string | undefined) {
  for (const subnet of existing) {
    if (subnet.ip_version !== ipVersion) {
      continue;
    }
    if ((subnet.subnetpool_id ?? undefined) !== poolId) {
      throw neutronError("NetworkSubnetPoolAffinityError");
    }
  }
}

/**
 * Gives every port of the network an EUI-64 address on a new automatic-address subnet, except
 * router ports. Returns the ports that changed.
 */
async function addAutoAddresses(trx: Executor, subnet: SubnetRow): Promise<string[]> {
  const ports = await trx
    .selectFrom("net_ports")
    .select(["id", "mac_address", "device_owner"])
    .where("network_id", "=", subnet.network_id)
    .execute();
  const prefix = parseCidr(subnet.cidr) as IpNetwork;
  const changed: string[] = [];
  for (const port of ports) {
    if (
      ROUTER_INTERFACE_OWNERS.has(port.device_owner) ||
      port.device_owner === "network:router_centralized_snat"
    ) {
      continue;
    }
    const address = formatIp(eui64Address(prefix, port.mac_address));
    const taken = await trx
      .selectFrom("net_ip_allocations")
      .select("port_id")
      .where("subnet_id", "=", subnet.id)
      .where("ip_address", "=", address)
      .executeTakeFirst();
    if (taken !== undefined) {
      continue;
    }
    await trx
      .insertInto("net_ip_allocations")
      .values({
        subnet_id: subnet.id,
        ip_address: address,
        port_id: port.id,
        network_id: subnet.network_id,
      })
      .execute();
    changed.push(port.id);
  }
  return changed;
}

/** Returns the network fields that policy rules read. */
export function policyNetwork(network: NetworkRow | undefined) {
  return network === undefined
    ? undefined
    : { project_id: network.project_id, shared: network.shared, external: network.external };
}

/**
 * Rejects, as Neutron's ownership hook does, a subnet or port that a non-admin project creates
 * on another project's network unless that network is shared.
 */
export function checkOwnership(
  context: RequestContext,
  network: NetworkRow,
  item: Record<string, unknown>,
  resource: "subnet" | "port",
): void {
  if (context.isAdmin || context.isAdvsvc || network.shared) {
    return;
  }
  if (network.project_id !== item.project_id) {
    throw neutronError("HTTPForbidden", {
      message: `Tenant ${String(item.project_id)} not allowed to create ${resource} on this network`,
    });
  }
}
