import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { type Expression, type SqlBool, sql } from "kysely";
import { isSet, NOT_SPECIFIED, type ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { standardAttributeValues } from "../api/render.js";
import { adminContext, type RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql, type ListSpec, selectListRows } from "../db/list-sql.js";
import type { FloatingIpTable } from "../db/schema.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { badResourceRequest, neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { findNetwork, networkVisibility } from "../networks/network-repo.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import { allocationsByPort, deletePortRow, findPort, portVisibility } from "../ports/port-repo.js";
import type { PortService } from "../ports/port-service.js";
import type { Port } from "../ports/port-types.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { findSubnet, subnetsOfNetwork } from "../subnets/subnet-repo.js";
import { loadTags, tagFilters } from "../tags/tag-repo.js";
import { FLOATINGIP_OWNER, type FloatingIp, floatingIpDefinition } from "./floatingip-types.js";

type FloatingIpRow = FloatingIpTable;

const floatingIpListSpec: ListSpec = {
  table: "net_floatingips",
  columns: {
    id: { column: "net_floatingips.id" },
    floating_ip_address: { column: "net_floatingips.floating_ip_address" },
    floating_network_id: { column: "net_floatingips.floating_network_id" },
    router_id: { column: "net_floatingips.router_id", nullable: "text" },
    port_id: { column: "net_floatingips.fixed_port_id", nullable: "text" },
    fixed_ip_address: { column: "net_floatingips.fixed_ip_address", nullable: "text" },
    project_id: { column: "net_floatingips.project_id" },
    status: { column: "net_floatingips.status" },
    description: { column: "net_floatingips.description" },
    revision_number: { column: "net_floatingips.revision_number" },
  },
  custom: tagFilters("floatingips", "net_floatingips"),
};

export interface FloatingIpServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  ports: Pick<PortService, "createOwnedPort" | "renderPortsIn" | "renderPorts">;
}

/** The target of a floating IP: a port, its IPv4 address and the router that reaches it. */
interface Association {
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
}

const NO_ASSOCIATION: Association = {
  fixed_port_id: null,
  fixed_ip_address: null,
  router_id: null,
};

/**
 * Floating IPs as records: an address reserved on an external network by a port of its own, and
 * optionally a port's IPv4 address it maps to through a router with a gateway on that network.
 * Status: ACTIVE while associated with a port, DOWN otherwise, because no agent reports it.
 */
export class FloatingIpService implements ResourceService {
  readonly definition = floatingIpDefinition;
  readonly #deps: FloatingIpServiceDependencies;

  constructor(dependencies: FloatingIpServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<FloatingIp[]> {
    const createdPorts: string[] = [];
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      createdPorts.length = 0;
      const created: string[] = [];
      for (const item of items) {
        const result = await this.#insert(trx, context, item.values);
        created.push(result.id);
        createdPorts.push(result.portId);
      }
      return created;
    });
    for (const port of await this.#deps.ports.renderPorts(createdPorts)) {
      this.#deps.events.publish(context, "port", "create", port);
    }
    const floatingIps = await this.#renderIds(this.#deps.store.db, ids);
    for (const floatingIp of floatingIps) {
      this.#deps.events.publish(context, "floatingip", "create", floatingIp);
    }
    return floatingIps;
  }

  async #insert(
    trx: Executor,
    context: RequestContext,
    values: Record<string, unknown>,
  ): Promise<{ id: string; portId: string }> {
    const networkId = String(values.floating_network_id);
    const network = await findNetwork(trx, networkId, networkVisibility(context));
    if (network === undefined) {
      throw neutronError("NetworkNotFound", { net_id: networkId });
    }
    if (!network.external) {
      throw floatingIpError(`Network ${networkId} is not a valid external network`);
    }
    const subnets = await subnetsOfNetwork(trx, networkId);
    if (!subnets.some((subnet) => subnet.ip_version === 4)) {
      throw floatingIpError(`Network ${networkId} does not contain any IPv4 subnet`);
    }
    const projectId = String(values.project_id);
    await this.#deps.quotas.check(trx, projectId, "floatingip");
    const id = randomUUID();
    const fixedIp: Record<string, unknown> = {};
    if (isSet(values.subnet_id)) {
      fixedIp.subnet_id = values.subnet_id;
    }
    if (isSet(values.floating_ip_address)) {
      fixedIp.ip_address = values.floating_ip_address;
    }
    const portId = await this.#deps.ports.createOwnedPort(trx, adminContext(), {
      project_id: "",
      network_id: networkId,
      admin_state_up: true,
      device_id: id,
      device_owner: FLOATINGIP_OWNER,
      name: "",
      fixed_ips: Object.keys(fixedIp).length > 0 ? [fixedIp] : NOT_SPECIFIED,
    });
    const external = ((await allocationsByPort(trx, [portId])).get(portId) ?? []).filter(
      (ip) => !ip.ip_address.includes(":"),
    );
    const address = external[0]?.ip_address;
    if (address === undefined) {
      throw neutronError("ExternalIpAddressExhausted", { net_id: networkId });
    }
    const row: FloatingIpRow = {
      id,
      project_id: projectId,
      description: String(values.description),
      floating_network_id: networkId,
      floating_ip_address: address,
      floating_port_id: portId,
      ...NO_ASSOCIATION,
      status: "DOWN",
      created_at: nowTimestamp(),
      updated_at: nowTimestamp(),
      revision_number: 0,
    };
    const association = await this.#associate(trx, context, row, values);
    await trx
      .insertInto("net_floatingips")
      .values({ ...row, ...association, status: statusOf(association) })
      .execute();
    return { id, portId };
  }

  async show(context: RequestContext, id: string): Promise<FloatingIp> {
    const row = await findFloatingIp(this.#deps.store.db, id, floatingIpVisibility(context));
    if (row === undefined) {
      throw neutronError("FloatingIPNotFound", { floatingip_id: id });
    }
    return (await this.#render(this.#deps.store.db, [row]))[0] as FloatingIp;
  }

  async list(context: RequestContext, query: ListQuery): Promise<FloatingIp[]> {
    const db = this.#deps.store.db;
    const visibility = floatingIpVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      floatingIpListSpec,
      async (marker) => (await findFloatingIp(db, marker, visibility)) !== undefined,
      (marker) => neutronError("FloatingIPNotFound", { floatingip_id: marker }),
    );
    const rows = await selectListRows(
      db.selectFrom("net_floatingips").selectAll("net_floatingips"),
      parts,
      visibility,
    );
    return this.#render(db, rows);
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    _original: FloatingIp,
  ): Promise<FloatingIp> {
    const values = changes.values;
    await this.#deps.store.writeTransaction(async (trx) => {
      const current = await findFloatingIp(trx, id);
      if (current === undefined) {
        throw neutronError("FloatingIPNotFound", { floatingip_id: id });
      }
      const association = await this.#associate(trx, context, current, values);
      await trx
        .updateTable("net_floatingips")
        .set({
          ...association,
          status: statusOf(association),
          ...("description" in values ? { description: String(values.description) } : {}),
          updated_at: nowTimestamp(),
        })
        .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
        .where("id", "=", id)
        .execute();
    });
    const [updated] = await this.#renderIds(this.#deps.store.db, [id]);
    this.#deps.events.publish(context, "floatingip", "update", updated as FloatingIp);
    return updated as FloatingIp;
  }

  async remove(context: RequestContext, id: string, original: FloatingIp): Promise<void> {
    const deletedPorts: Port[] = [];
    await this.#deps.store.writeTransaction(async (trx) => {
      deletedPorts.length = 0;
      const current = await findFloatingIp(trx, id);
      if (current === undefined) {
        throw neutronError("FloatingIPNotFound", { floatingip_id: id });
      }
      deletedPorts.push(...(await this.#deps.ports.renderPortsIn(trx, [current.floating_port_id])));
      await trx.deleteFrom("net_floatingips").where("id", "=", id).execute();
      await deletePortRow(trx, current.floating_port_id);
    });
    for (const port of deletedPorts) {
      this.#deps.events.publish(context, "port", "delete", port);
    }
    this.#deps.events.publish(context, "floatingip", "delete", original);
  }

  /** Announces floating IPs that another resource's change updated. */
  async announceUpdated(context: RequestContext, ids: string[]): Promise<void> {
    for (const floatingIp of await this.#renderIds(this.#deps.store.db, ids)) {
      this.#deps.events.publish(context, "floatingip", "update", floatingIp);
    }
  }

  async policyExtras(): Promise<PolicyExtras> {
    return {};
  }

  /**
   * Computes the association that a create or update requests, as Neutron's `_update_fip_assoc`
   * does. An update without `port_id` keeps the current port and checks it again.
   */
  async #associate(
    trx: Executor,
    context: RequestContext,
    floatingIp: FloatingIpRow,
    values: Record<string, unknown>,
  ): Promise<Association> {
    const fixedAddress = isSet(values.fixed_ip_address) ? String(values.fixed_ip_address) : null;
    let portId = isSet(values.port_id) ? String(values.port_id) : null;
    if (fixedAddress !== null && portId === null) {
      throw floatingIpError("fixed_ip_address cannot be specified without a port_id");
    }
    if (!("port_id" in values) && floatingIp.fixed_port_id !== null) {
      portId = floatingIp.fixed_port_id;
    }
    if (portId === null) {
      return NO_ASSOCIATION;
    }
    const port = await findPort(trx, portId, portVisibility(context));
    if (port === undefined) {
      throw neutronError("PortNotFound", { port_id: portId });
    }
    if (port.project_id !== floatingIp.project_id && !context.isAdmin) {
      throw floatingIpError(
        `Cannot process floating IP association with Port ${portId}, since that port is owned by a different tenant`,
      );
    }
    if (port.device_owner === "network:dhcp") {
      throw floatingIpError(`Port ${portId} is unable to be assigned a floating IP`);
    }
    const addresses = (await allocationsByPort(trx, [portId])).get(portId) ?? [];
    let internal: { subnet_id: string; ip_address: string } | undefined;
    if (fixedAddress !== null) {
      if (fixedAddress.includes(":")) {
        throw floatingIpError(
          `Cannot process floating IP association with ${fixedAddress}, since that is not an IPv4 address`,
        );
      }
      internal = addresses.find((ip) => ip.ip_address === fixedAddress);
      if (internal === undefined) {
        throw floatingIpError(`Port ${portId} does not have fixed ip ${fixedAddress}`);
      }
    } else {
      const ipv4 = addresses.filter((ip) => !ip.ip_address.includes(":"));
      if (ipv4.length === 0) {
        throw floatingIpError(
          `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`,
        );
      }
      if (ipv4.length > 1) {
        throw floatingIpError(
          `Port ${portId} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`,
        );
      }
      internal = ipv4[0] as { subnet_id: string; ip_address: string };
    }
    const routerId = await routerForFloatingIp(
      trx,
      port.network_id,
      internal.subnet_id,
      floatingIp.floating_network_id,
      portId,
    );
    if (portId !== floatingIp.fixed_port_id) {
      const taken = await trx
        .selectFrom("net_floatingips")
        .select("id")
        .where("fixed_port_id", "=", portId)
        .where("floating_network_id", "=", floatingIp.floating_network_id)
        .where("fixed_ip_address", "=", internal.ip_address)
        .where("id", "!=", floatingIp.id)
        .executeTakeFirst();
      if (taken !== undefined) {
        throw neutronError("FloatingIPPortAlreadyAssociated", {
          port_id: portId,
          fip_id: floatingIp.id,
          floating_ip_address: floatingIp.floating_ip_address,
          fixed_ip: internal.ip_address,
          net_id: floatingIp.floating_network_id,
        });
      }
    }
    return { fixed_port_id: portId, fixed_ip_address: internal.ip_address, router_id: routerId };
  }

  async #renderIds(executor: Executor, ids: string[]): Promise<FloatingIp[]> {
    const rows: FloatingIpRow[] = [];
    for (const id of ids) {
      const row = await findFloatingIp(executor, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#render(executor, rows);
  }

  async #render(executor: Executor, rows: FloatingIpRow[]): Promise<FloatingIp[]> {
    const tags = await loadTags(
      executor,
      "floatingips",
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({
      id: row.id,
      floating_ip_address: row.floating_ip_address,
      floating_network_id: row.floating_network_id,
      router_id: row.router_id,
      port_id: row.fixed_port_id,
      fixed_ip_address: row.fixed_ip_address,
      status: row.status,
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}

function floatingIpError(message: string) {
  return badResourceRequest("floatingip", message);
}

function statusOf(association: Association): string {
  return association.fixed_port_id === null ? "DOWN" : "ACTIVE";
}

/** Floating IPs a project may read: its own. Admins read every one. */
function floatingIpVisibility(context: RequestContext): Expression<SqlBool> | undefined {
  if (context.isAdmin) {
    return undefined;
  }
  return sql<SqlBool>`net_floatingips.project_id = ${context.projectId ?? ""}`;
}

async function findFloatingIp(
  executor: Executor,
  id: string,
  visibility?: Expression<SqlBool>,
): Promise<FloatingIpRow | undefined> {
  let query = executor.selectFrom("net_floatingips").selectAll().where("id", "=", id);
  if (visibility !== undefined) {
    query = query.where(visibility);
  }
  return query.executeTakeFirst();
}

/**
 * Finds the router that connects the internal subnet with the external network: one with an
 * interface on the subnet and its gateway on the network. A router whose interface has the
 * subnet's gateway address wins, as in Neutron's `get_router_for_floatingip`.
 */
async function routerForFloatingIp(
  trx: Executor,
  internalNetworkId: string,
  internalSubnetId: string,
  externalNetworkId: string,
  portId: string,
): Promise<string> {
  const candidates = await trx
    .selectFrom("net_router_ports")
    .innerJoin("net_ports", "net_ports.id", "net_router_ports.port_id")
    .innerJoin("net_ip_allocations", "net_ip_allocations.port_id", "net_ports.id")
    .innerJoin("net_routers", "net_routers.id", "net_router_ports.router_id")
    .innerJoin("net_ports as gateway", "gateway.id", "net_routers.gw_port_id")
    .select(["net_router_ports.router_id", "net_ip_allocations.ip_address"])
    .where("net_ports.network_id", "=", internalNetworkId)
    .where("net_router_ports.port_type", "=", "network:router_interface")
    .where("net_ip_allocations.subnet_id", "=", internalSubnetId)
    .where("gateway.network_id", "=", externalNetworkId)
    .orderBy("net_router_ports.router_id")
    .execute();
  const subnet = await findSubnet(trx, internalSubnetId);
  const preferred = candidates.find((candidate) => candidate.ip_address === subnet?.gateway_ip);
  const chosen = preferred ?? candidates[0];
  if (chosen === undefined) {
    throw neutronError("ExternalGatewayForFloatingIPNotFound", {
      subnet_id: internalSubnetId,
      external_network_id: externalNetworkId,
      port_id: portId,
    });
  }
  return chosen.router_id;
}

/**
 * Clears the association of every floating IP that points at a port being deleted, inside the
 * port's transaction. Returns the ids of the floating IPs it changed.
 */
export async function disassociatePort(trx: Executor, portId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom("net_floatingips")
    .select("id")
    .where("fixed_port_id", "=", portId)
    .execute();
  if (rows.length === 0) {
    return [];
  }
  await trx
    .updateTable("net_floatingips")
    .set({ ...NO_ASSOCIATION, status: "DOWN", updated_at: nowTimestamp() })
    .set((eb) => ({ revision_number: eb("revision_number", "+", 1) }))
    .where("fixed_port_id", "=", portId)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Deletes the floating IPs of an external network that point at no port, with their ports, as
 * Neutron does before it deletes the network. Associated ones keep the network in use.
 */
export async function deleteUnassociatedOfNetwork(
  trx: Executor,
  networkId: string,
): Promise<string[]> {
  const rows = await trx
    .selectFrom("net_floatingips")
    .select(["id", "floating_port_id"])
    .where("floating_network_id", "=", networkId)
    .where("fixed_port_id", "is", null)
    .execute();
  for (const row of rows) {
    await trx.deleteFrom("net_floatingips").where("id", "=", row.id).execute();
    await deletePortRow(trx, row.floating_port_id);
  }
  return rows.map((row) => row.id);
}

/** Returns whether a router carries floating IPs, which keep its gateway in place. */
export async function routerHasFloatingIps(trx: Executor, routerId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("net_floatingips")
    .select("id")
    .where("router_id", "=", routerId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Returns whether a floating IP of the router maps to an address on the subnet (`contains`
 * decides) held by a port on it, which keeps the router's interface on that subnet in place.
 */
export async function floatingIpsUseSubnet(
  trx: Executor,
  routerId: string,
  subnetId: string,
  contains: (address: string) => boolean,
): Promise<boolean> {
  const rows = await trx
    .selectFrom("net_floatingips")
    .innerJoin("net_ip_allocations", "net_ip_allocations.port_id", "net_floatingips.fixed_port_id")
    .select(["net_floatingips.fixed_ip_address"])
    .where("net_floatingips.router_id", "=", routerId)
    .where("net_ip_allocations.subnet_id", "=", subnetId)
    .execute();
  return rows.some((row) => row.fixed_ip_address !== null && contains(row.fixed_ip_address));
}
