import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { isSet, NOT_SPECIFIED, type ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { parseJsonObject, standardAttributeValues } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import {
  type Executor,
  isUniqueViolation,
  type NetworkStore,
  RetryTransaction,
} from "../db/transaction.js";
import { neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { disassociatePort } from "../floatingips/floatingip-service.js";
import {
  type Allocation,
  allocateAddresses,
  type FixedIpRequest,
  type PortIdentity,
  planAddresses,
} from "../ipam/ipam.js";
import { randomMac } from "../ipam/mac-address.js";
import { findNetwork, type NetworkRow } from "../networks/network-repo.js";
import type { NetworkService } from "../networks/network-service.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { findSecurityGroups } from "../security-groups/security-group-repo.js";
import type { SecurityGroupService } from "../security-groups/security-group-service.js";
import type { SubnetService } from "../subnets/subnet-service.js";
import { checkOwnership, policyNetwork } from "../subnets/subnet-service.js";
import { loadTags, replaceTags } from "../tags/tag-repo.js";
import { changePortAddresses } from "./port-addresses.js";
import {
  addressPairsByPort,
  allocationsByPort,
  deletePortRow,
  dhcpOptionsByPort,
  findPort,
  findPorts,
  insertPort,
  listPortRows,
  macInUse,
  type PortRow,
  portIdsOfNetworkWithOwners,
  portListSpec,
  portVisibility,
  securityGroupsByPort,
  touchPorts,
  updatePortRow,
  writeAddressPairs,
  writeDhcpOptions,
  writePortSecurityGroups,
} from "./port-repo.js";
import { dhcpOptionVersion, type Port, portDefinition } from "./port-types.js";

/** VIF type and details that a bound port reports, from the configured mechanism. */
export interface BindingSettings {
  vifType: string;
  vifDetails: Record<string, unknown>;
}

export interface PortServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  networks: Pick<NetworkService, "findVisible">;
  subnets: Pick<SubnetService, "ipamSubnets" | "exists">;
  securityGroups: Pick<SecurityGroupService, "ensureDefault">;
  /** Announces floating IPs that a port deletion disassociated. */
  floatingIpsChanged?: (context: RequestContext, ids: string[]) => Promise<void>;
  baseMac: string;
  binding: BindingSettings;
  maxAddressPairs: number;
}

/**
 * Owners of the ports a router or floating IP keeps. The port API may not delete them while
 * their router or floating IP exists.
 */
const L3_DEVICE_OWNERS = new Set([
  "network:router_interface",
  "network:ha_router_replicated_interface",
  "network:router_gateway",
  "network:floatingip",
]);

/** Attempts at drawing a MAC address that no port of the network uses yet. */
const MAC_ATTEMPTS = 16;

/** Device owners of the ports a network deletes with itself. */
const AUTO_DELETE_OWNERS = [
  "network:dhcp",
  "network:distributed",
  "network:floatingip_agent_gateway",
];

/**
 * Ports: addresses from IPAM, MAC addresses, bindings, security groups, allowed address pairs and
 * extra DHCP options.
 *
 * Status rule: a port is ACTIVE while it is administratively up and bound to a host
 * (`binding:host_id` set), DOWN otherwise. There are no agents to report wiring, so binding is the
 * moment the port counts as plugged.
 */
export class PortService implements ResourceService {
  readonly definition;
  readonly #deps: PortServiceDependencies;

  constructor(dependencies: PortServiceDependencies) {
    this.#deps = dependencies;
    this.definition = portDefinition(dependencies.maxAddressPairs);
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<Port[]> {
    const requests: PortRequest[] = [];
    for (const item of items) {
      requests.push(await this.#prepare(context, item.values));
    }
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      const created: string[] = [];
      for (const request of requests) {
        created.push(await this.#insert(trx, context, request));
      }
      return created;
    });
    const ports = await this.#renderIds(ids);
    for (const port of ports) {
      this.#deps.events.publish(context, "port", "create", port);
    }
    return ports;
  }

  /** Creates the project's default group ahead of the transaction when the port will use it. */
  async #prepare(context: RequestContext, values: Record<string, unknown>): Promise<PortRequest> {
    const trusted = String(values.device_owner).startsWith("network:");
    let defaultGroup: string | undefined;
    if (!isSet(values.security_groups) && !trusted && values.port_security_enabled !== false) {
      defaultGroup = await this.#deps.securityGroups.ensureDefault(
        context,
        String(values.project_id),
      );
    }
    return { values, defaultGroup };
  }

  async #insert(
    trx: Executor,
    context: RequestContext,
    request: PortRequest,
    checkQuota = true,
  ): Promise<string> {
    const { values } = request;
    const networkId = String(values.network_id);
    const network = await findNetwork(trx, networkId);
    if (network === undefined) {
      throw neutronError("NetworkNotFound", { net_id: networkId });
    }
    const projectId = String(values.project_id);
    if (checkQuota) {
      await this.#deps.quotas.check(trx, projectId, "port");
    }
    const mac = await this.#chooseMac(trx, networkId, values.mac_address);
    const id = randomUUID();
    const now = nowTimestamp();
    const hostId = isSet(values["binding:host_id"]) ? String(values["binding:host_id"]) : "";
    const row: PortRow = {
      id,
      project_id: projectId,
      network_id: networkId,
      name: String(values.name),
      description: String(values.description),
      mac_address: mac,
      admin_state_up: values.admin_state_up as boolean,
      device_id: String(values.device_id),
      device_owner: String(values.device_owner),
      port_security_enabled: false,
      binding_host_id: hostId,
      binding_vnic_type: String(values["binding:vnic_type"]),
      binding_profile: JSON.stringify(
        isSet(values["binding:profile"]) ? values["binding:profile"] : {},
      ),
      ...this.#bindingState(hostId, values.admin_state_up as boolean),
      created_at: now,
      updated_at: now,
      revision_number: 0,
    };
    await this.#insertRow(trx, row, isSet(values.mac_address));
    const port: PortIdentity = {
      id,
      network_id: networkId,
      mac_address: mac,
      device_owner: row.device_owner,
    };
    const requested =
      values.fixed_ips === NOT_SPECIFIED ? undefined : (values.fixed_ips as FixedIpRequest[]);
    const subnets = await this.#deps.subnets.ipamSubnets(trx, networkId);
    const plans = await planAddresses(port, requested, subnets, (subnetId) =>
      this.#deps.subnets.exists(trx, subnetId),
    );
    const allocations = await allocateAddresses(trx, port, plans);
    await this.#applySecurity(
      trx,
      context,
      row,
      network,
      values,
      request.defaultGroup,
      allocations,
    );
    await writeDhcpOptions(trx, id, mergeDhcpOptions([], values.extra_dhcp_opts));
    await replaceTags(trx, "ports", id, (values.tags as string[] | undefined) ?? []);
    return id;
  }

  async #chooseMac(trx: Executor, networkId: string, requested: unknown): Promise<string> {
    if (isSet(requested)) {
      const mac = requested as string;
      if (await macInUse(trx, networkId, mac)) {
        throw neutronError("MacAddressInUse", { net_id: networkId, mac });
      }
      return mac;
    }
    for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt += 1) {
      const mac = randomMac(this.#deps.baseMac);
      if (!(await macInUse(trx, networkId, mac))) {
        return mac;
      }
    }
    throw neutronError("NetworkMacAddressGenerationFailure", { net_id: networkId });
  }

  async #insertRow(trx: Executor, row: PortRow, macRequested: boolean): Promise<void> {
    try {
      await insertPort(trx, row);
    } catch (error) {
      if (!isUniqueViolation(error)) {
        throw error;
      }
      if (macRequested) {
        throw neutronError("MacAddressInUse", { net_id: row.network_id, mac: row.mac_address });
      }
      throw new RetryTransaction(`MAC address ${row.mac_address} was just taken`);
    }
  }

  #bindingState(hostId: string, adminStateUp: boolean) {
    const bound = hostId !== "";
    return {
      status: bound && adminStateUp ? "ACTIVE" : "DOWN",
      binding_vif_type: bound ? this.#deps.binding.vifType : "unbound",
      binding_vif_details: JSON.stringify(bound ? this.#deps.binding.vifDetails : {}),
    };
  }

  /**
   * Decides port security, security groups and allowed address pairs for a new port with
   * Neutron's rules. Ports of network devices never have port security. For other ports the
   * request's value wins, then "on" when groups are given for a port with addresses, then the
   * network's value.
   */
  async #applySecurity(
    trx: Executor,
    context: RequestContext,
    row: PortRow,
    network: NetworkRow,
    values: Record<string, unknown>,
    defaultGroup: string | undefined,
    allocations: Allocation[],
  ): Promise<void> {
    const trusted = row.device_owner.startsWith("network:");
    const groupsGiven = isSet(values.security_groups);
    const requestedGroups = groupsGiven ? (values.security_groups as string[]) : [];
    let portSecurity: boolean;
    if (trusted) {
      portSecurity = false;
    } else if (isSet(values.port_security_enabled)) {
      portSecurity = values.port_security_enabled as boolean;
    } else if (allocations.length > 0 && groupsGiven) {
      portSecurity = true;
    } else {
      portSecurity = network.port_security_enabled;
    }
    const pairs = isSet(values.allowed_address_pairs)
      ? (values.allowed_address_pairs as { ip_address: string; mac_address?: string }[])
      : [];
    if (pairs.length > 0 && !portSecurity) {
      throw neutronError("AddressPairAndPortSecurityRequired");
    }
    let groups: string[] = [];
    if (portSecurity) {
      if (groupsGiven) {
        groups = requestedGroups;
      } else if (defaultGroup !== undefined) {
        groups = [defaultGroup];
      }
      await this.#checkGroups(trx, context, row.project_id, groups);
    } else if (requestedGroups.length > 0) {
      throw neutronError("PortSecurityAndIPRequiredForSecurityGroups");
    }
    await trx
      .updateTable("net_ports")
      .set({ port_security_enabled: portSecurity })
      .where("id", "=", row.id)
      .execute();
    await writePortSecurityGroups(trx, row.id, groups);
    await writeAddressPairs(
      trx,
      row.id,
      pairs.map((pair) => ({
        ip_address: pair.ip_address,
        mac_address: pair.mac_address ?? row.mac_address,
      })),
    );
  }

  /** Every group must exist and belong to the port's project (any project for an admin). */
  async #checkGroups(
    trx: Executor,
    context: RequestContext,
    projectId: string,
    groupIds: string[],
  ) {
    if (groupIds.length === 0) {
      return;
    }
    const found = await findSecurityGroups(trx, groupIds);
    const valid = new Set(
      found
        .filter((group) => context.isAdmin || group.project_id === projectId)
        .map((group) => group.id),
    );
    const missing = [...new Set(groupIds)].filter((groupId) => !valid.has(groupId));
    if (missing.length > 0) {
      throw neutronError("SecurityGroupNotFound", { id: missing.join(", ") });
    }
  }

  async show(context: RequestContext, id: string): Promise<Port> {
    const row = await findPort(this.#deps.store.db, id, portVisibility(context));
    if (row === undefined) {
      throw neutronError("PortNotFound", { port_id: id });
    }
    return (await this.#render(this.#deps.store.db, [row]))[0] as Port;
  }

  async list(context: RequestContext, query: ListQuery): Promise<Port[]> {
    const db = this.#deps.store.db;
    const visibility = portVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      portListSpec,
      async (marker) => (await findPort(db, marker, visibility)) !== undefined,
      (marker) => neutronError("PortNotFound", { port_id: marker }),
    );
    return this.#render(db, await listPortRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    original: Port,
  ): Promise<Port> {
    const values = changes.values;
    if (isSet(values.security_groups) && (values.security_groups as string[]).length > 0) {
      await this.#deps.securityGroups.ensureDefault(context, original.project_id);
    }
    await this.#deps.store.writeTransaction(async (trx) => {
      const current = await findPort(trx, id);
      if (current === undefined) {
        throw neutronError("PortNotFound", { port_id: id });
      }
      const mac = await this.#updatedMac(trx, current, values);
      const port: PortIdentity = {
        id,
        network_id: current.network_id,
        mac_address: mac,
        device_owner: "device_owner" in values ? String(values.device_owner) : current.device_owner,
      };
      if ("fixed_ips" in values || mac !== current.mac_address) {
        await changePortAddresses(
          trx,
          port,
          values.fixed_ips as FixedIpRequest[] | undefined,
          mac !== current.mac_address,
          {
            subnets: this.#deps.subnets,
          },
        );
      }
      const columns = this.#columnChanges(current, values, mac);
      await this.#updateSecurity(trx, context, current, values, columns);
      if ("extra_dhcp_opts" in values) {
        const existing = (await dhcpOptionsByPort(trx, [id])).get(id) ?? [];
        await writeDhcpOptions(trx, id, mergeDhcpOptions(existing, values.extra_dhcp_opts));
      }
      await updatePortRow(trx, id, columns, nowTimestamp());
    });
    const [updated] = await this.#renderIds([id]);
    this.#deps.events.publish(context, "port", "update", updated as Port);
    return updated as Port;
  }

  async #updatedMac(
    trx: Executor,
    current: PortRow,
    values: Record<string, unknown>,
  ): Promise<string> {
    if (!isSet(values.mac_address) || values.mac_address === current.mac_address) {
      return current.mac_address;
    }
    if (current.binding_vif_type !== "unbound" && current.binding_vif_type !== "binding_failed") {
      throw neutronError("HTTPConflict", {
        message: `Unable to complete operation on port ${current.id}, port is already bound, port type: ${current.binding_vif_type}, old_mac ${current.mac_address}, new_mac ${String(values.mac_address)}.`,
      });
    }
    const mac = values.mac_address as string;
    if (await macInUse(trx, current.network_id, mac)) {
      throw neutronError("MacAddressInUse", { net_id: current.network_id, mac });
    }
    return mac;
  }

  #columnChanges(current: PortRow, values: Record<string, unknown>, mac: string): Partial<PortRow> {
    const changes: Partial<PortRow> = {};
    for (const name of ["name", "description", "device_id", "device_owner"] as const) {
      if (name in values) {
        changes[name] = String(values[name]);
      }
    }
    if (mac !== current.mac_address) changes.mac_address = mac;
    if ("binding:vnic_type" in values)
      changes.binding_vnic_type = String(values["binding:vnic_type"]);
    if ("binding:profile" in values) {
      changes.binding_profile = JSON.stringify(values["binding:profile"] ?? {});
    }
    const adminStateUp =
      "admin_state_up" in values ? (values.admin_state_up as boolean) : current.admin_state_up;
    const hostId =
      "binding:host_id" in values
        ? String(values["binding:host_id"] ?? "")
        : current.binding_host_id;
    changes.admin_state_up = adminStateUp;
    changes.binding_host_id = hostId;
    Object.assign(changes, this.#bindingState(hostId, adminStateUp));
    return changes;
  }

  /** Applies Neutron's update rules for port security, security groups and address pairs. */
  async #updateSecurity(
    trx: Executor,
    context: RequestContext,
    current: PortRow,
    values: Record<string, unknown>,
    columns: Partial<PortRow>,
  ): Promise<void> {
    const portSecurity =
      "port_security_enabled" in values
        ? (values.port_security_enabled as boolean)
        : current.port_security_enabled;
    const groupsGiven = "security_groups" in values;
    const groups = groupsGiven ? ((values.security_groups as string[] | null) ?? []) : undefined;
    const pairsGiven = "allowed_address_pairs" in values;
    const pairs = pairsGiven
      ? ((values.allowed_address_pairs as { ip_address: string; mac_address?: string }[]) ?? [])
      : undefined;
    if (!portSecurity) {
      if (pairs !== undefined && pairs.length > 0) {
        throw neutronError("AddressPairAndPortSecurityRequired");
      }
      if (
        pairs === undefined &&
        ((await addressPairsByPort(trx, [current.id])).get(current.id) ?? []).length > 0
      ) {
        throw neutronError("AddressPairAndPortSecurityRequired");
      }
      if (groups !== undefined && groups.length > 0) {
        throw neutronError("PortSecurityAndIPRequiredForSecurityGroups");
      }
      if (
        groups === undefined &&
        ((await securityGroupsByPort(trx, [current.id])).get(current.id) ?? []).length > 0
      ) {
        throw neutronError("PortSecurityPortHasSecurityGroup");
      }
    }
    columns.port_security_enabled = portSecurity;
    if (groups !== undefined) {
      await this.#checkGroups(trx, context, current.project_id, groups);
      await writePortSecurityGroups(trx, current.id, groups);
    }
    if (pairs !== undefined) {
      const mac = columns.mac_address ?? current.mac_address;
      await writeAddressPairs(
        trx,
        current.id,
        pairs.map((pair) => ({
          ip_address: pair.ip_address,
          mac_address: pair.mac_address ?? mac,
        })),
      );
    }
  }

  /**
   * Deletes a port. A router's or floating IP's port with addresses stays while its owner
   * exists, as Neutron's L3 deletion check decides. Floating IPs that point at the port lose
   * their association.
   */
  async remove(context: RequestContext, id: string, original: Port): Promise<void> {
    const disassociated = await this.#deps.store.writeTransaction(async (trx) => {
      const current = await findPort(trx, id);
      if (current === undefined) {
        throw neutronError("PortNotFound", { port_id: id });
      }
      if (L3_DEVICE_OWNERS.has(current.device_owner)) {
        const addresses = (await allocationsByPort(trx, [id])).get(id) ?? [];
        const table =
          current.device_owner === "network:floatingip" ? "net_floatingips" : "net_routers";
        const owner = await trx
          .selectFrom(table)
          .select("id")
          .where("id", "=", current.device_id)
          .executeTakeFirst();
        if (addresses.length > 0 && owner !== undefined) {
          throw neutronError("ServicePortInUse", {
            port_id: id,
            reason: `has device owner ${current.device_owner}`,
          });
        }
      }
      const floatingIps = await disassociatePort(trx, id);
      await deletePortRow(trx, id);
      return floatingIps;
    });
    this.#deps.events.publish(context, "port", "delete", original);
    if (disassociated.length > 0) {
      await this.#deps.floatingIpsChanged?.(context, disassociated);
    }
  }

  /**
   * Creates a port that another resource owns (a router's interface or gateway port) inside that
   * resource's transaction. Attributes left out take their defaults. No quota applies, as for
   * the ports Neutron's plugins create for themselves.
   */
  async createOwnedPort(
    trx: Executor,
    context: RequestContext,
    values: Record<string, unknown>,
  ): Promise<string> {
    const full: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(this.definition.attributes)) {
      if (spec.post && "default" in spec) {
        full[name] = spec.default;
      }
    }
    Object.assign(full, values, { tenant_id: values.project_id });
    return this.#insert(trx, context, { values: full, defaultGroup: undefined }, false);
  }

  /** Replaces the addresses of a port another resource owns, inside that resource's transaction. */
  async changeOwnedPortAddresses(
    trx: Executor,
    portId: string,
    fixedIps: FixedIpRequest[],
  ): Promise<void> {
    const current = await findPort(trx, portId);
    if (current === undefined) {
      throw neutronError("PortNotFound", { port_id: portId });
    }
    const port: PortIdentity = {
      id: portId,
      network_id: current.network_id,
      mac_address: current.mac_address,
      device_owner: current.device_owner,
    };
    await changePortAddresses(trx, port, fixedIps, false, { subnets: this.#deps.subnets });
    await touchPorts(trx, [portId], nowTimestamp());
  }

  /** Ports as the API shows them to an admin, read after a commit. */
  async renderPorts(ids: string[]): Promise<Port[]> {
    return this.#renderIds(ids);
  }

  /** Ports as the API shows them to an admin, read inside a transaction. */
  async renderPortsIn(executor: Executor, ids: string[]): Promise<Port[]> {
    return this.#render(executor, await findPorts(executor, ids));
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
    checkOwnership(context, network, item, "port");
    return { network: policyNetwork(network) };
  }

  /** Raises the revision of ports whose addresses a subnet change altered, and announces them. */
  async portsChanged(context: RequestContext, portIds: string[]): Promise<void> {
    await this.#deps.store.writeTransaction((trx) => touchPorts(trx, portIds, nowTimestamp()));
    for (const port of await this.#renderIds(portIds)) {
      this.#deps.events.publish(context, "port", "update", port);
    }
  }

  /** Deletes the ports that go with their network (DHCP ports), returning them as shown. */
  async deleteAutoDeletePorts(trx: Executor, networkId: string): Promise<Port[]> {
    const ids = await portIdsOfNetworkWithOwners(trx, networkId, AUTO_DELETE_OWNERS);
    const ports = await this.#render(trx, await findPorts(trx, ids));
    for (const id of ids) {
      await deletePortRow(trx, id);
    }
    return ports;
  }

  async #renderIds(ids: string[]): Promise<Port[]> {
    return this.#render(this.#deps.store.db, await findPorts(this.#deps.store.db, ids));
  }

  async #render(executor: Executor, rows: PortRow[]): Promise<Port[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "ports", ids);
    const allocations = await allocationsByPort(executor, ids);
    const groups = await securityGroupsByPort(executor, ids);
    const pairs = await addressPairsByPort(executor, ids);
    const options = await dhcpOptionsByPort(executor, ids);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      network_id: row.network_id,
      mac_address: row.mac_address,
      admin_state_up: row.admin_state_up,
      status: row.status,
      device_id: row.device_id,
      device_owner: row.device_owner,
      fixed_ips: (allocations.get(row.id) ?? []).map((allocation) => ({
        subnet_id: allocation.subnet_id,
        ip_address: allocation.ip_address,
      })),
      allowed_address_pairs: (pairs.get(row.id) ?? []).map((pair) => ({
        ip_address: pair.ip_address,
        mac_address: pair.mac_address,
      })),
      extra_dhcp_opts: (options.get(row.id) ?? []).map((option) => ({
        opt_name: option.opt_name,
        opt_value: option.opt_value,
        ip_version: Number(option.ip_version),
      })),
      security_groups: (groups.get(row.id) ?? []).map((group) => group.security_group_id),
      port_security_enabled: row.port_security_enabled,
      "binding:host_id": row.binding_host_id,
      "binding:vnic_type": row.binding_vnic_type,
      "binding:profile": parseJsonObject(row.binding_profile),
      "binding:vif_type": row.binding_vif_type,
      "binding:vif_details": parseJsonObject(row.binding_vif_details),
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}

interface PortRequest {
  values: Record<string, unknown>;
  defaultGroup: string | undefined;
}

/**
 * Merges requested extra DHCP options into the existing ones, as Neutron does: an option replaces
 * the one with the same name and IP version, and a null value removes it.
 */
export function mergeDhcpOptions(
  existing: { opt_name: string; opt_value: string; ip_version: number }[],
  requested: unknown,
): { opt_name: string; opt_value: string; ip_version: number }[] {
  const merged = new Map(
    existing.map((option) => [`${option.opt_name}/${option.ip_version}`, option]),
  );
  for (const option of (Array.isArray(requested) ? requested : []) as Record<string, unknown>[]) {
    const name = String(option.opt_name);
    const version = dhcpOptionVersion(option);
    const key = `${name}/${version}`;
    if (option.opt_value === null) {
      merged.delete(key);
    } else {
      merged.set(key, { opt_name: name, opt_value: String(option.opt_value), ip_version: version });
    }
  }
  return [...merged.values()];
}
