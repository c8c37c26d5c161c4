import type { Logger, MessageBus, Subscription } from "@openstack-ts/kernel";
import type {
  Datasource,
  DatasourceSink,
  EntityEvent,
  EntityRelationship,
} from "../../processor/processor-types.js";

export interface NetworkDatasourceOptions {
  /** Base URL of the Neutron-compatible API, such as http://127.0.0.1:9696; empty skips listings. */
  url: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Bus topic pattern of the network service's change events. */
  eventTopic: string;
  bus: Pick<MessageBus, "subscribe">;
  /**
   * Returns a token for the API, or undefined to call it with no-auth headers (admin role). The
   * snapshots need an admin token to see every project's networks and ports.
   */
  authToken: (() => Promise<string | undefined>) | undefined;
  logger: Logger;
}

/** The body of a network service change event (`network.<resource>.<action>.end`). */
interface ChangeEvent {
  event_type?: string;
  timestamp?: string;
  resource_type?: string;
  resource_id?: string;
  payload?: Record<string, unknown>;
}

/**
 * Creates the datasource for the project's network service. It reports `neutron.network` and
 * `neutron.port` entities from the service's change events on the bus and, when a URL is set, from
 * a full listing through its Neutron API at start and every interval. A network `contains` its
 * ports. A compute port is `attached` to the nova.instance of its `device_id`, and a Kuryr
 * container port to the nova.host named by its `binding:host_id`.
 */
export function createNetworkDatasource(options: NetworkDatasourceOptions): Datasource {
  const { logger } = options;
  let subscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function listAll(): Promise<EntityEvent[]> {
    if (options.url === "") {
      return [];
    }
    const headers = await requestHeaders(options);
    const base = options.url.replace(/\/+$/, "");
    const [networks, ports] = await Promise.all([
      getList(`${base}/v2.0/networks`, "networks", headers, options.timeoutSeconds),
      getList(`${base}/v2.0/ports`, "ports", headers, options.timeoutSeconds),
    ]);
    return [
      ...networks.map((network) => networkEvent(network, "snapshot")),
      ...ports.map((port) => portEvent(port, "snapshot")),
    ];
  }

  return {
    name: "network",
    deletesVanishedEntities: true,

    async getAll() {
      try {
        return await listAll();
      } catch (error) {
        logger.warn({ err: error, url: options.url }, "network service listing failed");
        return [];
      }
    },

    async start(sink: DatasourceSink) {
      subscription = await options.bus.subscribe(options.eventTopic, async (body) => {
        const event = changeToEntityEvent(body as ChangeEvent);
        if (event !== undefined) {
          sink.update([event]);
        }
      });
      const poll = async () => {
        try {
          sink.snapshot(await listAll());
        } catch (error) {
          logger.warn({ err: error, url: options.url }, "network service listing failed");
        }
      };
      if (options.url !== "") {
        timer = setInterval(() => void poll(), options.intervalSeconds * 1000);
        timer.unref();
      }
    },

    async stop() {
      clearInterval(timer);
      timer = undefined;
      await subscription?.close();
      subscription = undefined;
    },
  };
}

async function requestHeaders(options: NetworkDatasourceOptions): Promise<Record<string, string>> {
  const token = await options.authToken?.();
  if (token !== undefined) {
    return { accept: "application/json", "x-auth-token": token };
  }
  return {
    accept: "application/json",
    "x-roles": "admin",
    "x-project-id": "rca",
    "x-user-id": "rca",
  };
}

async function getList(
  url: string,
  key: string,
  headers: Record<string, string>,
  timeoutSeconds: number,
): Promise<Record<string, unknown>[]> {
  const response = await fetch(url, {
    headers,
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${url} returned HTTP ${response.status}`);
  }
  const body = (await response.json()) as Record<string, unknown>;
  const list = body[key];
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

/** Turns a change event into an entity event; other resources (subnets...) return undefined. */
export function changeToEntityEvent(change: ChangeEvent): EntityEvent | undefined {
  const resourceType = change.resource_type;
  if (resourceType !== "network" && resourceType !== "port") {
    return undefined;
  }
  const action = change.event_type?.split(".")[1];
  const resource = change.payload?.[resourceType] as Record<string, unknown> | undefined;
  const id = change.resource_id ?? (resource?.id as string | undefined);
  if (id === undefined) {
    return undefined;
  }
  if (action === "delete") {
    return {
      action: "delete",
      datasource: "network",
      category: "RESOURCE",
      type: resourceType === "network" ? "neutron.network" : "neutron.port",
      id,
      ...(change.timestamp === undefined ? {} : { sampleTimestamp: change.timestamp }),
    };
  }
  if (resource === undefined) {
    return undefined;
  }
  const event =
    resourceType === "network" ? networkEvent(resource, "update") : portEvent(resource, "update");
  return change.timestamp === undefined ? event : { ...event, sampleTimestamp: change.timestamp };
}

function networkEvent(
  network: Record<string, unknown>,
  action: "snapshot" | "update",
): EntityEvent {
  return {
    action,
    datasource: "network",
    category: "RESOURCE",
    type: "neutron.network",
    id: String(network.id),
    name: String(network.name ?? ""),
    state: String(network.status ?? "ACTIVE"),
    ...projectOf(network),
    properties: {
      admin_state_up: network.admin_state_up ?? null,
      shared: network.shared ?? null,
      "router:external": network["router:external"] ?? null,
    },
  };
}

function portEvent(port: Record<string, unknown>, action: "snapshot" | "update"): EntityEvent {
  const relationships: EntityRelationship[] = [];
  if (typeof port.network_id === "string" && port.network_id !== "") {
    relationships.push({
      relationshipType: "contains",
      direction: "incoming",
      neighbor: { type: "neutron.network", id: port.network_id },
    });
  }
  const owner = typeof port.device_owner === "string" ? port.device_owner : "";
  const deviceId = typeof port.device_id === "string" ? port.device_id : "";
  const hostId =
    typeof port["binding:host_id"] === "string" ? (port["binding:host_id"] as string) : "";
  if (owner.startsWith("compute:") && deviceId !== "") {
    relationships.push({
      relationshipType: "attached",
      direction: "outgoing",
      neighbor: { type: "nova.instance", id: deviceId },
    });
  } else if (owner.startsWith("kuryr:") && hostId !== "") {
    relationships.push({
      relationshipType: "attached",
      direction: "outgoing",
      neighbor: { type: "nova.host", id: hostId },
    });
  }
  const fixedIps = Array.isArray(port.fixed_ips)
    ? (port.fixed_ips as Record<string, unknown>[])
    : [];
  return {
    action,
    datasource: "network",
    category: "RESOURCE",
    type: "neutron.port",
    id: String(port.id),
    name: String(port.name ?? ""),
    state: String(port.status ?? "ACTIVE"),
    ...projectOf(port),
    properties: {
      network_id: port.network_id ?? null,
      device_owner: owner,
      device_id: deviceId,
      host_id: hostId === "" ? null : hostId,
      mac_address: port.mac_address ?? null,
      ip_addresses: fixedIps.map((ip) => ip.ip_address),
    },
    relationships,
  };
}

function projectOf(resource: Record<string, unknown>): { projectId?: string } {
  const project = resource.project_id ?? resource.tenant_id;
  return typeof project === "string" && project !== "" ? { projectId: project } : {};
}
