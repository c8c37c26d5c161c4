import { randomUUID } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import type { ParsedItem } from "../api/attributes.js";
import type { ListQuery } from "../api/list-query.js";
import { standardAttributeValues } from "../api/render.js";
import type { RequestContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-controller.js";
import { buildListSql } from "../db/list-sql.js";
import type { Executor, NetworkStore } from "../db/transaction.js";
import { invalidInput, neutronError } from "../errors.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { deleteUnassociatedOfNetwork } from "../floatingips/floatingip-service.js";
import type { PolicyExtras } from "../policy/network-policy.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { loadTags } from "../tags/tag-repo.js";
import {
  deleteNetworkRow,
  findNetwork,
  insertNetwork,
  listNetworkRows,
  type NetworkRow,
  networkListSpec,
  networkVisibility,
  portsOfNetwork,
  subnetIdsByNetwork,
  subnetProjectsOfNetwork,
  updateNetworkRow,
} from "./network-repo.js";
import { type Network, networkDefinition } from "./network-types.js";

/** Device owners whose ports Neutron deletes together with their network. */
export const AUTO_DELETE_PORT_OWNERS = new Set([
  "network:dhcp",
  "network:distributed",
  "network:floatingip_agent_gateway",
]);

/** Work on other resources that deleting a network triggers, inside its transaction. */
export interface NetworkCascade {
  /** Deletes the ports that go with the network and returns them as the API showed them. */
  deleteAutoDeletePorts(trx: Executor, networkId: string): Promise<Record<string, unknown>[]>;
  /** Deletes every subnet of the network and returns them as the API showed them. */
  deleteSubnets(trx: Executor, networkId: string): Promise<Record<string, unknown>[]>;
}

export interface NetworkServiceDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  quotas: Pick<QuotaService, "check">;
  events: Pick<EventPublisher, "publish">;
  ensureDefaultSecurityGroup: (context: RequestContext, projectId: string) => Promise<void>;
  cascade: () => NetworkCascade;
  /** MTU of networks created without one, and the largest MTU a network may have. */
  maxMtu: number;
}

/** Networks: create, read, update and delete with Neutron's rules. */
export class NetworkService implements ResourceService {
  readonly definition = networkDefinition;
  readonly #deps: NetworkServiceDependencies;

  constructor(dependencies: NetworkServiceDependencies) {
    this.#deps = dependencies;
  }

  async create(context: RequestContext, items: ParsedItem[]): Promise<Network[]> {
    for (const item of items) {
      await this.#deps.ensureDefaultSecurityGroup(context, String(item.values.project_id));
    }
    const ids = await this.#deps.store.writeTransaction(async (trx) => {
      const created: string[] = [];
      for (const item of items) {
        created.push(await this.#insert(trx, item.values));
      }
      return created;
    });
    const networks = await this.#render(this.#deps.store.db, ids);
    for (const network of networks) {
      this.#deps.events.publish(context, "network", "create", network);
    }
    return networks;
  }

  async #insert(trx: Executor, values: Record<string, unknown>): Promise<string> {
    const projectId = String(values.project_id);
    await this.#deps.quotas.check(trx, projectId, "network");
    const now = nowTimestamp();
    const id = randomUUID();
    await insertNetwork(trx, {
      id,
      project_id: projectId,
      name: String(values.name),
      description: String(values.description),
      status: "ACTIVE",
      admin_state_up: values.admin_state_up as boolean,
      shared: values.shared as boolean,
      external: values["router:external"] as boolean,
      mtu: this.#mtu(values.mtu as number),
      port_security_enabled: values.port_security_enabled as boolean,
      created_at: now,
      updated_at: now,
      revision_number: 0,
    });
    return id;
  }

  /** A requested MTU, checked against the maximum; 0 means the maximum. */
  #mtu(requested: number): number {
    if (requested > this.#deps.maxMtu) {
      throw invalidInput(`Requested MTU is too big, maximum is ${this.#deps.maxMtu}`);
    }
    return requested === 0 ? this.#deps.maxMtu : requested;
  }

  async show(context: RequestContext, id: string): Promise<Network> {
    const row = await findNetwork(this.#deps.store.db, id, networkVisibility(context));
    if (row === undefined) {
      throw neutronError("NetworkNotFound", { net_id: id });
    }
    return (await this.#renderRows(this.#deps.store.db, [row]))[0] as Network;
  }

  /** Returns the network row if the caller may read it, for subnet and port requests. */
  async findVisible(context: RequestContext, id: string): Promise<NetworkRow | undefined> {
    return findNetwork(this.#deps.store.db, id, networkVisibility(context));
  }

  async list(context: RequestContext, query: ListQuery): Promise<Network[]> {
    const db = this.#deps.store.db;
    const visibility = networkVisibility(context);
    const parts = await buildListSql(
      db,
      query,
      networkListSpec,
      async (marker) => (await findNetwork(db, marker, visibility)) !== undefined,
      (marker) => neutronError("NetworkNotFound", { net_id: marker }),
    );
    return this.#renderRows(db, await listNetworkRows(db, parts, visibility));
  }

  async update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    original: Network,
  ): Promise<Network> {
    const values = changes.values;
    await this.#deps.store.writeTransaction(async (trx) => {
      if (values.shared === false && original.shared) {
        await this.#checkUnshare(trx, original);
      }
      await updateNetworkRow(trx, id, this.#columnChanges(values), nowTimestamp());
    });
    const [updated] = await this.#render(this.#deps.store.db, [id]);
    this.#deps.events.publish(context, "network", "update", updated as Network);
    return updated as Network;
  }

  #columnChanges(values: Record<string, unknown>): Partial<NetworkRow> {
    const changes: Partial<NetworkRow> = {};
    if ("name" in values) changes.name = String(values.name);
    if ("description" in values) changes.description = String(values.description);
    if ("admin_state_up" in values) changes.admin_state_up = values.admin_state_up as boolean;
    if ("shared" in values) changes.shared = values.shared as boolean;
    if ("router:external" in values) changes.external = values["router:external"] as boolean;
    if ("mtu" in values) changes.mtu = this.#mtu(values.mtu as number);
    if ("port_security_enabled" in values) {
      changes.port_security_enabled = values.port_security_enabled as boolean;
    }
    return changes;
  }

  /**
   * A network may stop being shared only while every port and subnet on it belongs to its owner;
   * ports of network devices do not count.
   */
  async #checkUnshare(trx: Executor, network: Network): Promise<void> {
    const ports = (await portsOfNetwork(trx, network.id)).filter(
      (port) => !port.device_owner.startsWith("network:"),
    );
    const projects = new Set([
      ...ports.map((port) => port.project_id),
      ...(await subnetProjectsOfNetwork(trx, network.id)),
    ]);
    projects.delete(network.project_id);
    if (projects.size > 0) {
      throw neutronError("InvalidSharedSetting", { network: network.name });
    }
  }

  async remove(context: RequestContext, id: string, original: Network): Promise<void> {
    const cascade = this.#deps.cascade();
    const removed = await this.#deps.store.writeTransaction(async (trx) => {
      await deleteUnassociatedOfNetwork(trx, id);
      const ports = await portsOfNetwork(trx, id);
      const inUse = ports.filter((port) => !AUTO_DELETE_PORT_OWNERS.has(port.device_owner));
      if (inUse.length > 0) {
        const ids = inUse.map((port) => port.id).join(",");
        throw neutronError("NetworkInUse", {
          net_id: id,
          reason: `There are one or more ports still in use on the network, id for these ports is: ${ids}`,
        });
      }
      const deletedPorts = await cascade.deleteAutoDeletePorts(trx, id);
      const deletedSubnets = await cascade.deleteSubnets(trx, id);
      await deleteNetworkRow(trx, id);
      return { deletedPorts, deletedSubnets };
    });
    for (const port of removed.deletedPorts) {
      this.#deps.events.publish(context, "port", "delete", port);
    }
    for (const subnet of removed.deletedSubnets) {
      this.#deps.events.publish(context, "subnet", "delete", subnet);
    }
    this.#deps.events.publish(context, "network", "delete", original);
  }

  async policyExtras(): Promise<PolicyExtras> {
    return {};
  }

  async #render(executor: Executor, ids: string[]): Promise<Network[]> {
    const rows: NetworkRow[] = [];
    for (const id of ids) {
      const row = await findNetwork(executor, id);
      if (row !== undefined) {
        rows.push(row);
      }
    }
    return this.#renderRows(executor, rows);
  }

  async #renderRows(executor: Executor, rows: NetworkRow[]): Promise<Network[]> {
    const ids = rows.map((row) => row.id);
    const tags = await loadTags(executor, "networks", ids);
    const subnets = await subnetIdsByNetwork(executor, ids);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      admin_state_up: row.admin_state_up,
      status: row.status,
      subnets: subnets.get(row.id) ?? [],
      shared: row.shared,
      mtu: row.mtu,
      port_security_enabled: row.port_security_enabled,
      "router:external": row.external,
      ...standardAttributeValues(row, tags.get(row.id) ?? []),
    }));
  }
}
