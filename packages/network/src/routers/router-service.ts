import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { isSet, NOT_SPECIFIED, type ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { standardAttributeValues } from "../api/render.js";
import { adminContext, type RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { floatingIpsUseSubnet, routerHasFloatingIps } from "../floatingips/floatingip-service.js";
import {
  containsAddress,
  type IpNetwork,
  networksOverlap,
  parseCidr,
  parseIp,
} from "../ipam/ip-address.js";
import type { FixedIpRequest } from "../ipam/ipam.js";
import { findNetwork, networkVisibility } from "../networks/network-repo.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import { allocationsByPort, deletePortRow, findPort, portVisibility } from "../ports/port-repo.js";
import type { PortService } from "../ports/port-service.js";
import type { Port } from "../ports/port-types.js";
import type { QuotaService } from "../quotas/quota-service.js";
import {
  findSubnet,
  type SubnetRow,
  subnetsOfNetwork,
  subnetVisibility,
} from "../subnets/subnet-repo.js";
import type { SubnetService } from "../subnets/subnet-service.js";
import { loadTags, replaceTags } from "../tags/tag-repo.js";
import {
  deleteRouterRow,
  findRouter,
  insertRouter,
  insertRouterPort,
  listRouterRows,
  type RouterRow,
  routerListSpec,
  routerPorts,
  routerVisibility,
  routesByRouter,
  updateRouterRow,
  writeRoutes,
} from "./router-repo.js";
import {
  checkAddressMode,
  checkNextHops,
  externalIpsChanged,
  type GatewayRequest,
  gatewayRequest,
  interfaceInfo,
  type RouterInterfaceInfo,
  routerError,
  validateInterfaceInfo,
} from "./router-rules.js";
import {
  type ExternalFixedIp,
  ROUTER_GATEWAY_OWNER,
  ROUTER_INTERFACE_OWNER,
  type Route,
  type Router,
  routerDefinition,
} from "./router-types.js";

export type { RouterInterfaceInfo } from "./router-rules.js";

export interface RouterServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction" | "lockRow">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  ports: Pick<
    PortService,
    "createOwnedPort" | "changeOwnedPortAddresses" | "renderPorts" | "renderPortsIn"
  >;
  subnets: Pick<SubnetService, "ipamSubnets">;
  /** Largest number of extra routes a router may have. */
  maxRoutes: number;
  /** `enable_snat` of a gateway set without one. */
  enableSnatByDefault: boolean;
}

/** Ports a router change created, updated or deleted, announced after the commit. */
interface PortChanges {
  created: string[];
  updated: string[];
  deleted: Port[];
}

/**
 * Routers as records: their gateway port on an external network, their interface ports on internal
 * subnets and their extra routes, with the checks of Neutron's L3 database layer. Nothing is
 * forwarded, so a router is ACTIVE from its creation.
 */
export class RouterService implements ResourceService {
  readonly definition = routerDefinition;
  readonly #deps: RouterServiceDependencies;

  constructor(dependencies: RouterServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<Router[]> {
    const changes = emptyChanges();
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      Object.assign(changes, emptyChanges());
      const created: string[] = [];
      for (const item of items) {
        created.push(await this.#insert(trx, context, item.values, changes));
      }
      return created;
    });
    await this.#announcePorts(context, changes);
    const routers = await this.#renderIds(this.#deps.store.db, ids);
    for (const router of routers) {
      this.#deps.events.publish(context, "router", "create", router);
    }
    return routers;
  }

  async #insert(
    trx: Executor,
    context: RequestContext,
    values: Record<string, unknown>,
    changes: PortChanges,
  ): Promise<string> {
    const projectId = String(values.project_id);
    await this.#deps.quotas.check(trx, projectId, "router");
    const now = nowTimestamp();
    const id = randomUUID();
    const row: RouterRow = {
      id,
      project_id: projectId,
      name: String(values.name),
      description: String(values.description),
      status: "ACTIVE",
      admin_state_up: values.admin_state_up as boolean,
      enable_snat: this.#deps.enableSnatByDefault,
      gw_port_id: null,
      created_at: now,
      updated_at: now,
      revision_number: 0,
    };
    await insertRouter(trx, row);
    await replaceTags(trx, "routers", id, []);
    const gateway = gatewayRequest(values.external_gateway_info);
    if (gateway !== undefined) {
      await this.#setGateway(trx, context, row, gateway, changes);
    }
    return id;
  }

  async show(context: RequestContext, id: string): Promise<Router> {
    const row = await findRouter(this.#deps.store.db, id, routerVisibility(context));
    if (row === undefined) {
      throw neutronError("RouterNotFound", { router_id: id });
    }
    return (await this.#render(this.#deps.store.db, [row]))[0] as Router;
  }

  async list(context: RequestContext, query: ListQuery): Promise<Router[]> {
    const db = this.#deps.store.db;
    const visibility = routerVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      routerListSpec,
      async (marker) => (await findRouter(db, marker, visibility)) !== undefined,
      (marker) => neutronError("RouterNotFound", { router_id: marker }),
    );
    return this.#render(db, await listRouterRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    _original: Router,
  ): Promise<Router> {
    const values = changes.values;
    const ports = emptyChanges();
    await this.#deps.store.writeTransaction(async (trx) => {
      Object.assign(ports, emptyChanges());
      const current = await this.#lockedRouter(trx, id);
      if ("external_gateway_info" in values) {
        const gateway = gatewayRequest(values.external_gateway_info);
        await this.#setGateway(trx, context, current, gateway, ports);
      }
      if ("routes" in values) {
        const routes = values.routes as Route[];
        await this.#validateRoutes(trx, id, routes);
        await writeRoutes(trx, id, routes);
      }
      const columns: Partial<RouterRow> = {};
      if ("name" in values) columns.name = String(values.name);
      if ("description" in values) columns.description = String(values.description);
      if ("admin_state_up" in values) columns.admin_state_up = values.admin_state_up as boolean;
      await updateRouterRow(trx, id, columns, nowTimestamp());
    });
    await this.#announcePorts(context, ports);
    const [updated] = await this.#renderIds(this.#deps.store.db, [id]);
    this.#deps.events.publish(context, "router", "update", updated as Router);
    return updated as Router;
  }

  async remove(context: RequestContext, id: string, original: Router): Promise<void> {
    const ports = emptyChanges();
    await this.#deps.store.writeTransaction(async (trx) => {
      Object.assign(ports, emptyChanges());
      await this.#lockedRouter(trx, id);
      const attached = await routerPorts(trx, id);
      const interfaces = attached.filter((port) => port.port_type === ROUTER_INTERFACE_OWNER);
      if (interfaces.length > 0) {
        throw neutronError("RouterInUse", {
          router_id: id,
          reason: `has ports still attached: ${interfaces.map((port) => port.port_id).join(", ")}`,
        });
      }
      const gateway = attached.find((port) => port.port_type === ROUTER_GATEWAY_OWNER);
      if (gateway !== undefined && (await routerHasFloatingIps(trx, id))) {
        throw neutronError("RouterExternalGatewayInUseByFloatingIp", {
          router_id: id,
          net_id: gateway.network_id,
        });
      }
      const owned = attached.map((port) => port.port_id);
      ports.deleted.push(...(await this.#deps.ports.renderPortsIn(trx, owned)));
      for (const portId of owned) {
        await deletePortRow(trx, portId);
      }
      await deleteRouterRow(trx, id);
    });
    await this.#announcePorts(context, ports);
    this.#deps.events.publish(context, "router", "delete", original);
  }

  async policyExtras(): Promise<PolicyExtras> {
    return {};
  }

  /**
   * Connects a subnet to the router, by the subnet (a new port on its gateway address, or one more
   * address on the router's IPv6 port of that network) or by an existing port.
   */
  async addInterface(
    context: RequestContext,
    routerId: string,
    body: Record<string, unknown>,
  ): Promise<RouterInterfaceInfo> {
    const byPort = validateInterfaceInfo(body, false);
    const ports = emptyChanges();
    const info = await this.#deps.store.writeTransaction(async (trx) => {
      Object.assign(ports, emptyChanges());
      const router = await this.#lockedRouter(trx, routerId);
      const result = byPort
        ? await this.#addByPort(trx, context, router, String(body.port_id), ports)
        : await this.#addBySubnet(trx, context, router, String(body.subnet_id), ports);
      await updateRouterRow(trx, routerId, {}, nowTimestamp());
      return result;
    });
    await this.#announcePorts(context, ports);
    await this.#announceRouter(context, routerId);
    return info;
  }

  /** Disconnects a subnet: by port (the port goes) or by subnet (its address or port goes). */
  async removeInterface(
    context: RequestContext,
    routerId: string,
    body: Record<string, unknown>,
  ): Promise<RouterInterfaceInfo> {
    const byPort = validateInterfaceInfo(body, true);
    const ports = emptyChanges();
    const info = await this.#deps.store.writeTransaction(async (trx) => {
      Object.assign(ports, emptyChanges());
      const router = await this.#lockedRouter(trx, routerId);
      const subnetId = isSet(body.subnet_id) ? String(body.subnet_id) : undefined;
      const result = byPort
        ? await this.#removeByPort(trx, router, String(body.port_id), subnetId, ports)
        : await this.#removeBySubnet(trx, context, router, subnetId as string, ports);
      await updateRouterRow(trx, routerId, {}, nowTimestamp());
      return result;
    });
    await this.#announcePorts(context, ports);
    await this.#announceRouter(context, routerId);
    return info;
  }

  /**
   * Reads a router for a change, locking its row (`FOR UPDATE`) so that concurrent interface and
   * gateway changes of one router run one after the other and see each other's ports.
   */
  async #lockedRouter(trx: Executor, id: string): Promise<RouterRow> {
    await this.#deps.store.lockRow(trx, "net_routers", id);
    const row = await findRouter(trx, id);
    if (row === undefined) {
      throw neutronError("RouterNotFound", { router_id: id });
    }
    return row;
  }

  async #addBySubnet(
    trx: Executor,
    context: RequestContext,
    router: RouterRow,
    subnetId: string,
    changes: PortChanges,
  ): Promise<RouterInterfaceInfo> {
    const subnet = await findSubnet(trx, subnetId, subnetVisibility(context));
    if (subnet === undefined) {
      throw neutronError("SubnetNotFound", { subnet_id: subnetId });
    }
    if (subnet.gateway_ip === null) {
      throw routerError("Subnet for router interface must have a gateway IP");
    }
    if (!context.isAdmin && subnet.project_id !== context.projectId) {
      throw routerError(
        `Cannot add interface to router because subnet ${subnetId} is not owned by project making the request`,
      );
    }
    checkAddressMode(subnet);
    await this.#checkDuplicateSubnets(trx, router, [subnet]);
    const fixedIp = { subnet_id: subnet.id, ip_address: subnet.gateway_ip };
    if (subnet.ip_version === 6) {
      const existing = await this.#ipv6InterfaceOnNetwork(trx, router.id, subnet.network_id);
      if (existing !== undefined) {
        const current = (await allocationsByPort(trx, [existing])).get(existing) ?? [];
        await this.#deps.ports.changeOwnedPortAddresses(trx, existing, [
          ...current.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
          fixedIp,
        ]);
        changes.updated.push(existing);
        return interfaceInfo(router, existing, router.project_id, subnet.network_id, [subnet.id]);
      }
    }
    const portId = await this.#deps.ports.createOwnedPort(trx, context, {
      project_id: router.project_id,
      network_id: subnet.network_id,
      fixed_ips: [fixedIp],
      admin_state_up: true,
      device_id: router.id,
      device_owner: ROUTER_INTERFACE_OWNER,
      name: "",
    });
    await insertRouterPort(trx, router.id, portId, ROUTER_INTERFACE_OWNER);
    changes.created.push(portId);
    return interfaceInfo(router, portId, router.project_id, subnet.network_id, [subnet.id]);
  }

  async #addByPort(
    trx: Executor,
    context: RequestContext,
    router: RouterRow,
    portId: string,
    changes: PortChanges,
  ): Promise<RouterInterfaceInfo> {
    const port = await findPort(trx, portId, portVisibility(context));
    if (port === undefined) {
      throw neutronError("PortNotFound", { port_id: portId });
    }
    if (port.device_id !== "") {
      throw neutronError("PortInUse", {
        net_id: port.network_id,
        port_id: port.id,
        device_id: port.device_id,
      });
    }
    const fixedIps = (await allocationsByPort(trx, [port.id])).get(port.id) ?? [];
    if (fixedIps.length === 0) {
      throw routerError("Router port must have at least one fixed IP");
    }
    const subnets: SubnetRow[] = [];
    for (const fixedIp of fixedIps) {
      const subnet = (await findSubnet(trx, fixedIp.subnet_id)) as SubnetRow;
      checkAddressMode(subnet);
      if (!subnets.some((known) => known.id === subnet.id)) {
        subnets.push(subnet);
      }
    }
    if (fixedIps.some((ip) => ip.ip_address.includes(":"))) {
      const existing = await this.#ipv6InterfaceOnNetwork(trx, router.id, port.network_id);
      if (existing !== undefined) {
        throw routerError(
          `Cannot have multiple router ports with the same network id if both contain IPv6 subnets. Existing port ${existing} has IPv6 subnet(s) and network id ${port.network_id}`,
        );
      }
    }
    await this.#checkDuplicateSubnets(trx, router, subnets);
    if (subnets.filter((subnet) => subnet.ip_version === 4).length > 1) {
      throw routerError("Cannot have multiple IPv4 subnets on router port");
    }
    await this.#checkPortInPools(trx, context, port.id, port.network_id, fixedIps, subnets);
    await trx
      .updateTable("net_ports")
      .set({
        device_id: router.id,
        device_owner: ROUTER_INTERFACE_OWNER,
        updated_at: nowTimestamp(),
      })
      .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
      .where("id", "=", port.id)
      .execute();
    await insertRouterPort(trx, router.id, port.id, ROUTER_INTERFACE_OWNER);
    changes.updated.push(port.id);
    return interfaceInfo(
      router,
      port.id,
      port.project_id,
      port.network_id,
      subnets.map((subnet) => subnet.id),
    );
  }

  /**
   * A non-admin may attach a port whose addresses lie outside the subnet's allocation pools only
   * when the project owns the subnet.
   */
  async #checkPortInPools(
    trx: Executor,
    context: RequestContext,
    portId: string,
    networkId: string,
    fixedIps: { subnet_id: string; ip_address: string }[],
    subnets: SubnetRow[],
  ): Promise<void> {
    if (context.isAdmin) {
      return;
    }
    const ipam = await this.#deps.subnets.ipamSubnets(trx, networkId);
    for (const fixedIp of fixedIps) {
      const subnet = subnets.find((candidate) => candidate.id === fixedIp.subnet_id);
      const pools = ipam.find((candidate) => candidate.id === fixedIp.subnet_id)?.pools ?? [];
      const address = parseIp(fixedIp.ip_address);
      const inPool = pools.some(
        (pool) =>
          address !== undefined && address.value >= pool.first && address.value <= pool.last,
      );
      if (!inPool && subnet?.project_id !== context.projectId) {
        throw routerError(
          `Cannot add interface to router because specified port ${portId} has an IP address out of the allocation pool of subnet ${fixedIp.subnet_id}, which is not owned by the project making the request`,
        );
      }
    }
  }

  async #removeByPort(
    trx: Executor,
    router: RouterRow,
    portId: string,
    subnetId: string | undefined,
    changes: PortChanges,
  ): Promise<RouterInterfaceInfo> {
    const attached = (await routerPorts(trx, router.id)).find(
      (port) => port.port_id === portId && port.port_type === ROUTER_INTERFACE_OWNER,
    );
    const port = attached === undefined ? undefined : await findPort(trx, portId);
    if (port === undefined || port.device_owner !== ROUTER_INTERFACE_OWNER) {
      throw neutronError("RouterInterfaceNotFound", { router_id: router.id, port_id: portId });
    }
    const fixedIps = (await allocationsByPort(trx, [portId])).get(portId) ?? [];
    const subnetIds = [...new Set(fixedIps.map((ip) => ip.subnet_id))];
    if (subnetId !== undefined && !subnetIds.includes(subnetId)) {
      throw neutronError("SubnetMismatchForPort", { port_id: portId, subnet_id: subnetId });
    }
    for (const id of subnetIds) {
      await this.#checkInterfaceNotInUse(trx, router.id, (await findSubnet(trx, id)) as SubnetRow);
    }
    changes.deleted.push(...(await this.#deps.ports.renderPortsIn(trx, [portId])));
    await deletePortRow(trx, portId);
    return interfaceInfo(router, portId, port.project_id, port.network_id, subnetIds, 0);
  }

  async #removeBySubnet(
    trx: Executor,
    context: RequestContext,
    router: RouterRow,
    subnetId: string,
    changes: PortChanges,
  ): Promise<RouterInterfaceInfo> {
    const subnet = await findSubnet(trx, subnetId, subnetVisibility(context));
    if (subnet === undefined) {
      throw neutronError("SubnetNotFound", { subnet_id: subnetId });
    }
    const candidates = (await routerPorts(trx, router.id)).filter(
      (port) => port.port_type === ROUTER_INTERFACE_OWNER && port.network_id === subnet.network_id,
    );
    if (candidates.length > 0) {
      await this.#checkInterfaceNotInUse(trx, router.id, subnet);
    }
    const allocations = await allocationsByPort(
      trx,
      candidates.map((port) => port.port_id),
    );
    for (const candidate of candidates) {
      const fixedIps = allocations.get(candidate.port_id) ?? [];
      if (!fixedIps.some((ip) => ip.subnet_id === subnetId)) {
        continue;
      }
      const port = (await findPort(trx, candidate.port_id)) as NonNullable<
        Awaited<ReturnType<typeof findPort>>
      >;
      const otherSubnets = new Set(
        fixedIps.filter((ip) => ip.subnet_id !== subnetId).map((ip) => ip.subnet_id),
      );
      if (otherSubnets.size > 0) {
        await this.#deps.ports.changeOwnedPortAddresses(
          trx,
          port.id,
          fixedIps
            .filter((ip) => ip.subnet_id !== subnetId)
            .map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
        );
        changes.updated.push(port.id);
      } else {
        changes.deleted.push(...(await this.#deps.ports.renderPortsIn(trx, [port.id])));
        await deletePortRow(trx, port.id);
      }
      return interfaceInfo(router, port.id, port.project_id, port.network_id, [subnetId]);
    }
    throw neutronError("RouterInterfaceNotFoundForSubnet", {
      router_id: router.id,
      subnet_id: subnetId,
    });
  }

  /**
   * An interface stays while a floating IP of the router maps to an address on its subnet, or an
   * extra route sends traffic to a next hop there.
   */
  async #checkInterfaceNotInUse(trx: Executor, routerId: string, subnet: SubnetRow): Promise<void> {
    const cidr = parseCidr(subnet.cidr) as IpNetwork;
    const inSubnet = (address: string) => {
      const parsed = parseIp(address);
      return parsed !== undefined && containsAddress(cidr, parsed);
    };
    if (await floatingIpsUseSubnet(trx, routerId, subnet.id, inSubnet)) {
      throw neutronError("RouterInterfaceInUseByFloatingIP", {
        router_id: routerId,
        subnet_id: subnet.id,
      });
    }
    const routes = (await routesByRouter(trx, [routerId])).get(routerId) ?? [];
    for (const route of routes) {
      const nexthop = parseIp(route.nexthop);
      if (nexthop !== undefined && containsAddress(cidr, nexthop)) {
        throw neutronError("RouterInterfaceInUseByRoute", {
          router_id: routerId,
          subnet_id: subnet.id,
        });
      }
    }
  }

  /** The router's interface port on a network that already has an IPv6 address. */
  async #ipv6InterfaceOnNetwork(
    trx: Executor,
    routerId: string,
    networkId: string,
  ): Promise<string | undefined> {
    const candidates = (await routerPorts(trx, routerId)).filter(
      (port) => port.device_owner === ROUTER_INTERFACE_OWNER && port.network_id === networkId,
    );
    const allocations = await allocationsByPort(
      trx,
      candidates.map((port) => port.port_id),
    );
    return candidates.find((port) =>
      (allocations.get(port.port_id) ?? []).some((ip) => ip.ip_address.includes(":")),
    )?.port_id;
  }

  /**
   * Rejects a subnet the router is already on, and one that overlaps a subnet the router reaches:
   * those of its interfaces, and every subnet of its gateway's network.
   */
  async #checkDuplicateSubnets(
    trx: Executor,
    router: RouterRow,
    newSubnets: SubnetRow[],
  ): Promise<void> {
    const newIds = new Set(newSubnets.map((subnet) => subnet.id));
    const reached: SubnetRow[] = [];
    const attached = await routerPorts(trx, router.id);
    const allocations = await allocationsByPort(
      trx,
      attached.map((port) => port.port_id),
    );
    for (const port of attached) {
      for (const ip of allocations.get(port.port_id) ?? []) {
        if (newIds.has(ip.subnet_id)) {
          throw routerError(`Router already has a port on subnet ${ip.subnet_id}`);
        }
        if (port.device_owner === ROUTER_GATEWAY_OWNER) {
          reached.push(...(await subnetsOfNetwork(trx, port.network_id)));
        } else {
          const subnet = await findSubnet(trx, ip.subnet_id);
          if (subnet !== undefined) {
            reached.push(subnet);
          }
        }
      }
    }
    for (const existing of reached) {
      const existingCidr = parseCidr(existing.cidr) as IpNetwork;
      for (const subnet of newSubnets) {
        if (networksOverlap(parseCidr(subnet.cidr) as IpNetwork, existingCidr)) {
          throw routerError(
            `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`,
          );
        }
      }
    }
  }

  /**
   * Sets, moves, readdresses or removes the gateway, as Neutron's `_update_router_gw_info` does,
   * and records `enable_snat` (the default when the request leaves it out). The extra routes must
   * still reach their next hops through the new gateway.
   */
  async #setGateway(
    trx: Executor,
    context: RequestContext,
    router: RouterRow,
    gateway: GatewayRequest | undefined,
    changes: PortChanges,
  ): Promise<void> {
    const enableSnat = gateway?.enable_snat ?? this.#deps.enableSnatByDefault;
    await trx
      .updateTable("net_routers")
      .set({ enable_snat: enableSnat })
      .where("id", "=", router.id)
      .execute();
    const gatewayPort =
      router.gw_port_id === null ? undefined : await findPort(trx, router.gw_port_id);
    const requestedIps = gateway?.external_fixed_ips ?? [];
    const currentIps =
      gatewayPort === undefined
        ? []
        : ((await allocationsByPort(trx, [gatewayPort.id])).get(gatewayPort.id) ?? []);
    const ipsChanged = externalIpsChanged(gatewayPort !== undefined, currentIps, requestedIps);
    const networkId = await this.#validateGateway(trx, context, gateway, requestedIps);
    await this.#validateRoutesForGateway(trx, router.id, router.gw_port_id, networkId);
    if (gatewayPort !== undefined && ipsChanged && gatewayPort.network_id === networkId) {
      await this.#deps.ports.changeOwnedPortAddresses(trx, gatewayPort.id, requestedIps);
      changes.updated.push(gatewayPort.id);
      return;
    }
    if (gatewayPort !== undefined && gatewayPort.network_id !== networkId) {
      if (await routerHasFloatingIps(trx, router.id)) {
        throw neutronError("RouterExternalGatewayInUseByFloatingIp", {
          router_id: router.id,
          net_id: gatewayPort.network_id,
        });
      }
      changes.deleted.push(...(await this.#deps.ports.renderPortsIn(trx, [gatewayPort.id])));
      await trx
        .updateTable("net_routers")
        .set({ gw_port_id: null })
        .where("id", "=", router.id)
        .execute();
      await deletePortRow(trx, gatewayPort.id);
    }
    if (networkId === undefined || gatewayPort?.network_id === networkId) {
      return;
    }
    const subnets = await subnetsOfNetwork(trx, networkId);
    await this.#checkDuplicateSubnets(trx, router, subnets);
    const portId = await this.#deps.ports.createOwnedPort(trx, adminContext(), {
      project_id: "",
      network_id: networkId,
      fixed_ips: requestedIps.length > 0 ? requestedIps : NOT_SPECIFIED,
      admin_state_up: true,
      device_id: router.id,
      device_owner: ROUTER_GATEWAY_OWNER,
      name: "",
    });
    await insertRouterPort(trx, router.id, portId, ROUTER_GATEWAY_OWNER);
    await trx
      .updateTable("net_routers")
      .set({ gw_port_id: portId })
      .where("id", "=", router.id)
      .execute();
    changes.created.push(portId);
  }

  /** Returns the gateway's network, which must be external. No requested address may be a subnet's gateway. */
  async #validateGateway(
    trx: Executor,
    context: RequestContext,
    gateway: GatewayRequest | undefined,
    requestedIps: FixedIpRequest[],
  ): Promise<string | undefined> {
    if (gateway === undefined) {
      return undefined;
    }
    const network = await findNetwork(trx, gateway.network_id, networkVisibility(context));
    if (network === undefined) {
      throw neutronError("NetworkNotFound", { net_id: gateway.network_id });
    }
    if (!network.external) {
      throw routerError(`Network ${network.id} is not an external network`);
    }
    const gateways = (await subnetsOfNetwork(trx, network.id))
      .map((subnet) => subnet.gateway_ip)
      .filter((address): address is string => address !== null);
    for (const requested of requestedIps) {
      if (requested.ip_address !== undefined && gateways.includes(requested.ip_address)) {
        throw routerError(`External IP ${requested.ip_address} is the same as the gateway IP`);
      }
    }
    return network.id;
  }

  /** Checks extra routes: at most `maxRoutes`, each next hop on a router subnet and not a router address. */
  async #validateRoutes(trx: Executor, routerId: string, routes: Route[]): Promise<void> {
    if (routes.length > this.#deps.maxRoutes) {
      throw neutronError("RoutesExhausted", { router_id: routerId, quota: this.#deps.maxRoutes });
    }
    const reach = await this.#routerReach(trx, routerId, () => true);
    checkNextHops(routes, reach.cidrs, reach.addresses);
  }

  /**
   * Checks the router's extra routes against the subnets it will reach once its gateway is on
   * `networkId` (none when the gateway goes), as Neutron's `_validate_gw_info` does.
   */
  async #validateRoutesForGateway(
    trx: Executor,
    routerId: string,
    gatewayPortId: string | null,
    networkId: string | undefined,
  ): Promise<void> {
    const routes = (await routesByRouter(trx, [routerId])).get(routerId) ?? [];
    if (routes.length === 0) {
      return;
    }
    const reach = await this.#routerReach(trx, routerId, (portId) => portId !== gatewayPortId);
    if (networkId !== undefined) {
      for (const subnet of await subnetsOfNetwork(trx, networkId)) {
        reach.cidrs.push(parseCidr(subnet.cidr) as IpNetwork);
      }
    }
    if (reach.cidrs.length === 0 && reach.addresses.length === 0) {
      // Neutron then reads the router's current ports instead, which the routes were checked with.
      return;
    }
    checkNextHops(routes, reach.cidrs, reach.addresses);
  }

  /** Prefixes of the subnets the router's ports are on, and the ports' addresses. */
  async #routerReach(
    trx: Executor,
    routerId: string,
    includePort: (portId: string) => boolean,
  ): Promise<{ cidrs: IpNetwork[]; addresses: string[] }> {
    const attached = (await routerPorts(trx, routerId)).filter((port) => includePort(port.port_id));
    const allocations = await allocationsByPort(
      trx,
      attached.map((port) => port.port_id),
    );
    const cidrs: IpNetwork[] = [];
    const addresses: string[] = [];
    for (const ips of allocations.values()) {
      for (const ip of ips) {
        const subnet = await findSubnet(trx, ip.subnet_id);
        if (subnet !== undefined) {
          cidrs.push(parseCidr(subnet.cidr) as IpNetwork);
        }
        addresses.push(ip.ip_address);
      }
    }
    return { cidrs, addresses };
  }

  async #announcePorts(context: RequestContext, changes: PortChanges): Promise<void> {
    for (const port of changes.deleted) {
      this.#deps.events.publish(context, "port", "delete", port);
    }
    for (const port of await this.#deps.ports.renderPorts(changes.created)) {
      this.#deps.events.publish(context, "port", "create", port);
    }
    for (const port of await this.#deps.ports.renderPorts(changes.updated)) {
      this.#deps.events.publish(context, "port", "update", port);
    }
  }

  async #announceRouter(context: RequestContext, routerId: string): Promise<void> {
    const [router] = await this.#renderIds(this.#deps.store.db, [routerId]);
    if (router !== undefined) {
      this.#deps.events.publish(context, "router", "update", router);
    }
  }

  async #renderIds(executor: Executor, ids: string[]): Promise<Router[]> {
    const rows: RouterRow[] = [];
    for (const id of ids) {
      const row = await findRouter(executor, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#render(executor, rows);
  }

  async #render(executor: Executor, rows: RouterRow[]): Promise<Router[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "routers", ids);
    const routes = await routesByRouter(executor, ids);
    const gatewayIds = rows.map((row) => row.gw_port_id).filter((id): id is string => id !== null);
    const gatewayIps = await allocationsByPort(executor, gatewayIds);
    const gatewayNetworks = new Map<string, string>();
    if (gatewayIds.length > 0) {
      const ports = await executor
        .selectFrom("net_ports")
        .select(["id", "network_id"])
        .where("id", "in", gatewayIds)
        .execute();
      for (const port of ports) {
        gatewayNetworks.set(port.id, port.network_id);
      }
    }
    return rows.map((row) => {
      const networkId = row.gw_port_id === null ? undefined : gatewayNetworks.get(row.gw_port_id);
      return {
        id: row.id,
        name: row.name,
        admin_state_up: row.admin_state_up,
        status: row.status,
        external_gateway_info:
          networkId === undefined || row.gw_port_id === null
            ? null
            : {
                network_id: networkId,
                external_fixed_ips: (gatewayIps.get(row.gw_port_id) ?? []).map(
                  (ip): ExternalFixedIp => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address }),
                ),
                enable_snat: row.enable_snat,
              },
        routes: routes.get(row.id) ?? [],
        ...standardAttributeValues(row, tags.get(row.id) ?? []),
      };
    });
  }
}

function emptyChanges(): PortChanges {
  return { created: [], updated: [], deleted: [] };
}
