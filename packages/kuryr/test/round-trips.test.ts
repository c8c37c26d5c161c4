import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { idTags } from "../src/naming.js";
import { type MemoryNeutron, startMemoryNeutron } from "./support/memory-neutron.js";
import { type NeutronBackend, neutronBackends } from "./support/neutron-backends.js";
import { type PluginUnderTest, startPlugin } from "./support/plugin-harness.js";

interface DockerNetwork {
  id: string;
  poolId: string;
  cidr: string;
}

for (const backend of neutronBackends()) {
  describe(`Neutron round trips against ${backend.name}`, () => {
    let neutron: NeutronBackend;
    let plugin: PluginUnderTest;

    before(async () => {
      neutron = await backend.start();
      plugin = await startPlugin(neutron.url, { access: neutron.access });
    });
    after(async () => {
      await plugin?.close();
      await neutron?.close();
    });

    test("repeated connect reuses earlier reads", async () => {
      const net = await createDockerNetwork(plugin, "c1", "10.95.0.0/24");
      await connectAndDisconnect(plugin, net, "d1".repeat(32));
      const counts = await connectAndDisconnect(plugin, net, "d2".repeat(32));
      // RequestAddress creates the port with its tag, and Join reads nothing. CreateEndpoint lists,
      // updates and tags the port, and DeleteEndpoint reads and untags it. ReleaseAddress lists and
      // deletes it and looks for a leftover security group.
      assert.deepEqual(counts, {
        "/IpamDriver.RequestAddress": ["POST /ports"],
        "/NetworkDriver.CreateEndpoint": ["GET /ports", "PUT /ports/{id}", "PUT /ports/{id}/tags"],
        "/NetworkDriver.Join": [],
        "/NetworkDriver.DeleteEndpoint": ["GET /ports", "PUT /ports/{id}/tags"],
        "/IpamDriver.ReleaseAddress": ["DELETE /ports/{id}", "GET /ports", "GET /security-groups"],
      });
      await removeDockerNetwork(plugin, net);
    });

    test("rejected MAC leaves no veth pair", async () => {
      const net = await createDockerNetwork(plugin, "c2", "10.96.0.0/24");
      const first = await requestAddress(plugin, net);
      const firstEndpoint = "d3".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: firstEndpoint,
        Interface: { Address: first, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const takenMac = String((created.body.Interface as { MacAddress: string }).MacAddress);
      const second = await requestAddress(plugin, net);
      const rejected = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: "d4".repeat(32),
        Interface: { Address: second, AddressIPv6: "", MacAddress: takenMac },
      });
      assert.equal(rejected.status, 409, JSON.stringify(rejected.body));
      assert.match(String(rejected.body.Err), /mac address/i);
      assert.deepEqual(
        [...plugin.binding.plugged.values()].map((port) => port.macAddress),
        [takenMac],
      );
      await release(plugin, net, second);
      await removeEndpoint(plugin, net, firstEndpoint, first);
      await removeDockerNetwork(plugin, net);
    });

    test("replaced reservation gets the right veth", async () => {
      const net = await createDockerNetwork(plugin, "c5", "10.99.0.0/24");
      const address = await requestAddress(plugin, net);
      const ip = address.split("/")[0];
      const [reservation] = await plugin.neutron.ports.list({ name: "kuryr-unbound-port" });
      assert.ok(reservation);
      // Someone else replaces the reservation with a port of their own on the same address.
      await plugin.neutron.ports.remove(reservation.id);
      const replacement = await plugin.neutron.ports.create({
        name: "user-port",
        network_id: reservation.network_id,
        fixed_ips: [{ subnet_id: reservation.fixed_ips[0]?.subnet_id, ip_address: ip }],
      });
      const endpointId = "d8".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
        Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.deepEqual([...plugin.binding.plugged.keys()], [replacement.id]);
      assert.equal(plugin.binding.plugged.get(replacement.id)?.macAddress, replacement.mac_address);
      await removeEndpoint(plugin, net, endpointId, address);
      await plugin.neutron.ports.remove(replacement.id);
      await removeDockerNetwork(plugin, net);
    });

    test("replaced subnet is read again", async () => {
      const net = await createDockerNetwork(plugin, "c3", "10.97.0.0/24");
      await connectAndDisconnect(plugin, net, "d5".repeat(32));
      const [old] = await plugin.neutron.subnets.list({ cidr: net.cidr, name: subnetName(net) });
      assert.ok(old);
      await plugin.neutron.subnets.remove(old.id);
      const replacement = await plugin.neutron.subnets.create({
        name: subnetName(net),
        network_id: old.network_id,
        ip_version: 4,
        cidr: net.cidr,
        subnetpool_id: old.subnetpool_id,
      });
      const endpointId = "d6".repeat(32);
      const address = await requestAddress(plugin, net);
      const created = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
        Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const [port] = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.equal(port?.fixed_ips[0]?.subnet_id, replacement.id);
      await removeEndpoint(plugin, net, endpointId, address);
      assert.deepEqual(await plugin.neutron.ports.list({ network_id: old.network_id }), []);
      await removeDockerNetwork(plugin, net);
    });
  });
}

describe("Neutron connections", () => {
  let neutron: MemoryNeutron;
  let plugin: PluginUnderTest;

  before(async () => {
    neutron = await startMemoryNeutron();
    plugin = await startPlugin(neutron.url);
  });
  after(async () => {
    await plugin?.close();
    await neutron?.close();
  });

  test("requests reuse kept-alive connections", async () => {
    const net = await createDockerNetwork(plugin, "c6", "10.94.0.0/24");
    const before = neutron.connections;
    for (let cycle = 0; cycle < 5; cycle += 1) {
      await connectAndDisconnect(plugin, net, `e${cycle}`.repeat(32));
    }
    const requests = neutronRequests(plugin.logLines).length;
    assert.ok(requests > 40, `${requests} Neutron requests`);
    // At most two requests of one call run at once, so two connections serve them all.
    assert.ok(neutron.connections - before <= 2, `${neutron.connections - before} new connections`);
    await removeDockerNetwork(plugin, net);
  });
});

const TAG_FALLBACKS = [
  {
    name: "without tag-ports-during-bulk-creation",
    setUp: (neutron: MemoryNeutron) => {
      neutron.portTagsOnCreateExtension = false;
    },
  },
  {
    name: "that drops tags on port create",
    setUp: (neutron: MemoryNeutron) => {
      neutron.dropTagsOnPortCreate = true;
    },
  },
];

for (const fallback of TAG_FALLBACKS) {
  describe(`Neutron ${fallback.name}`, () => {
    let neutron: MemoryNeutron;
    let plugin: PluginUnderTest;

    before(async () => {
      neutron = await startMemoryNeutron();
      fallback.setUp(neutron);
      plugin = await startPlugin(neutron.url);
    });
    after(async () => {
      await plugin?.close();
      await neutron?.close();
    });

    test("ports are tagged through the tags API", async () => {
      const net = await createDockerNetwork(plugin, "c4", "10.98.0.0/24");
      const address = await requestAddress(plugin, net);
      const [reserved] = await plugin.neutron.ports.list({ name: "kuryr-unbound-port" });
      assert.deepEqual(reserved?.tags, ["compute:kuryr"]);
      const endpointId = "d7".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
        Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const [bound] = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.deepEqual(
        bound?.tags?.slice().sort(),
        ["compute:kuryr", ...idTags(endpointId)].sort(),
      );
      assert.ok(neutronRequests(plugin.logLines).includes("PUT /ports/{id}/tags/compute%3Akuryr"));
      await removeEndpoint(plugin, net, endpointId, address);
      await removeDockerNetwork(plugin, net);
    });
  });
}

/**
 * Runs the plugin calls of `docker network connect` and `disconnect` and returns, for each call,
 * the Neutron requests it made (method and path, ids replaced), sorted.
 */
async function connectAndDisconnect(
  plugin: PluginUnderTest,
  net: DockerNetwork,
  endpointId: string,
): Promise<Record<string, string[]>> {
  const counts: Record<string, string[]> = {};
  const step = async (url: string, body: unknown) => {
    const start = plugin.logLines.length;
    const response = await plugin.call(url, body);
    assert.equal(response.status, 200, `${url}: ${JSON.stringify(response.body)}`);
    counts[url] = neutronRequests(plugin.logLines.slice(start)).sort();
    return response;
  };
  const address = await step("/IpamDriver.RequestAddress", {
    PoolID: net.poolId,
    Address: "",
    Options: null,
  });
  const endpoint = { NetworkID: net.id, EndpointID: endpointId };
  await step("/NetworkDriver.CreateEndpoint", {
    ...endpoint,
    Interface: { Address: address.body.Address, AddressIPv6: "", MacAddress: "" },
  });
  await step("/NetworkDriver.Join", { ...endpoint, SandboxKey: "/var/run/docker/netns/x" });
  await step("/NetworkDriver.DeleteEndpoint", endpoint);
  await step("/IpamDriver.ReleaseAddress", {
    PoolID: net.poolId,
    Address: String(address.body.Address).split("/")[0],
  });
  return counts;
}

/** Extracts the plugin's `neutron request` log lines as `METHOD /path`, ids as `{id}`, no query. */
function neutronRequests(lines: string[]): string[] {
  return lines
    .map((line) => JSON.parse(line) as { msg?: string; method?: string; path?: string })
    .filter((entry) => entry.msg === "neutron request")
    .map(
      (entry) =>
        `${entry.method} ${String(entry.path)
          .split("?")[0]
          ?.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "{id}")}`,
    );
}

function subnetName(net: DockerNetwork): string {
  return `kuryr-subnet-${net.cidr}`;
}

async function requestAddress(plugin: PluginUnderTest, net: DockerNetwork): Promise<string> {
  const response = await plugin.call("/IpamDriver.RequestAddress", {
    PoolID: net.poolId,
    Address: "",
    Options: null,
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return String(response.body.Address);
}

async function createDockerNetwork(
  plugin: PluginUnderTest,
  tag: string,
  cidr: string,
): Promise<DockerNetwork> {
  const pool = await plugin.call("/IpamDriver.RequestPool", {
    AddressSpace: "x",
    Pool: cidr,
    SubPool: "",
    Options: {},
    V6: false,
  });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const id = tag.repeat(32);
  const response = await plugin.call("/NetworkDriver.CreateNetwork", {
    NetworkID: id,
    Options: { "com.docker.network.generic": {} },
    IPv4Data: [{ AddressSpace: "x", Gateway: cidr.replace(/0\/24$/, "1/24"), Pool: cidr }],
    IPv6Data: [],
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { id, poolId: String(pool.body.PoolID), cidr };
}

async function release(plugin: PluginUnderTest, net: DockerNetwork, address: string) {
  const response = await plugin.call("/IpamDriver.ReleaseAddress", {
    PoolID: net.poolId,
    Address: address.split("/")[0],
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

async function removeEndpoint(
  plugin: PluginUnderTest,
  net: DockerNetwork,
  endpointId: string,
  address: string,
) {
  const deleted = await plugin.call("/NetworkDriver.DeleteEndpoint", {
    NetworkID: net.id,
    EndpointID: endpointId,
  });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  await release(plugin, net, address);
}

async function removeDockerNetwork(plugin: PluginUnderTest, net: DockerNetwork) {
  assert.equal((await plugin.call("/IpamDriver.ReleasePool", { PoolID: net.poolId })).status, 200);
  const deleted = await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: net.id });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
}
