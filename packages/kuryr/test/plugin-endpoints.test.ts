import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { NeutronPort, NeutronSubnet } from "../src/neutron/neutron-types.js";
import { type NeutronBackend, neutronBackends } from "./support/neutron-backends.js";
import { type PluginUnderTest, startPlugin } from "./support/plugin-harness.js";

const NET_ID = "107ae6dafb504e34f92528ce268b5076788d991c93cca418986e31e9e4d6d3c4";
const EP_ID = "98ab42e9ac8d58fa34e196fd6904f10388d6569b1842948310bfed1c7884f12c";
const EXPOSED = {
  "com.docker.network.endpoint.exposedports": [
    { Proto: 6, Port: 9090 },
    { Proto: 6, Port: 80 },
    { Proto: 6, Port: 81 },
    { Proto: 17, Port: 53 },
  ],
  "com.docker.network.portmap": [
    { Proto: 6, IP: "", Port: 80, HostIP: "", HostPort: 8080, HostPortEnd: 8080 },
  ],
};

for (const backend of neutronBackends()) {
  describe(`plugin endpoints against ${backend.name}`, () => {
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

    test("handshake calls with empty bodies", async () => {
      const activate = await plugin.call("/Plugin.Activate");
      assert.equal(activate.status, 200);
      assert.deepEqual(activate.body, { Implements: ["NetworkDriver", "IpamDriver"] });
      const scope = await plugin.call("/NetworkDriver.GetCapabilities");
      assert.equal(scope.body.Scope, "local");
      const ipam = await plugin.call("/IpamDriver.GetCapabilities");
      assert.equal(ipam.body.RequiresMACAddress, false);
      const spaces = await plugin.call("/IpamDriver.GetDefaultAddressSpaces");
      assert.deepEqual(spaces.body, {
        LocalDefaultAddressSpace: "no_address_space",
        GlobalDefaultAddressSpace: "no_address_space",
      });
      for (const url of ["/NetworkDriver.DiscoverNew", "/NetworkDriver.FreeNetwork"]) {
        assert.deepEqual((await plugin.call(url, { NetworkID: "x" })).body, {});
      }
      const allocate = await plugin.call("/NetworkDriver.AllocateNetwork", { Options: { a: "b" } });
      assert.deepEqual(allocate.body, { Options: { a: "b" } });
    });

    test("network lifecycle with --subnet", async () => {
      const pool = await plugin.call("/IpamDriver.RequestPool", {
        AddressSpace: "no_address_space",
        Pool: "10.77.0.0/24",
        SubPool: "",
        Options: { "probe.ipamopt": "bar" },
        V6: false,
      });
      assert.equal(pool.status, 200, JSON.stringify(pool.body));
      assert.equal(pool.body.Pool, "10.77.0.0/24");
      const poolId = String(pool.body.PoolID);
      const gateway = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: poolId,
        Address: "10.77.0.1",
        Options: { RequestAddressType: "com.docker.network.gateway" },
      });
      assert.equal(gateway.body.Address, "10.77.0.1/24");

      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: NET_ID,
        Options: { "com.docker.network.enable_ipv6": false, "com.docker.network.generic": {} },
        IPv4Data: [
          { AddressSpace: "no_address_space", Gateway: "10.77.0.1/24", Pool: "10.77.0.0/24" },
        ],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const networks = await plugin.neutron.networks.list({
        name: `kuryr-net-${NET_ID.slice(0, 8)}`,
      });
      assert.equal(networks.length, 1);
      const network = networks[0];
      assert.ok(network, "Neutron network named kuryr-net-<id>");
      assert.ok(network.tags?.includes(`kuryr.net.uuid.lh:${NET_ID.slice(0, 32)}`));
      assert.ok(network.tags?.includes(`kuryr.net.uuid.uh:${NET_ID.slice(32)}`));
      const subnets = await plugin.neutron.subnets.list({ network_id: network.id });
      assert.equal(subnets.length, 1);
      assert.equal(subnets[0]?.name, "kuryr-subnet-10.77.0.0/24");
      assert.equal(subnets[0]?.cidr, "10.77.0.0/24");
      assert.equal(subnets[0]?.gateway_ip, "10.77.0.1");
      const pools = await plugin.neutron.subnetpools.list({ name: "kuryrPool-10.77.0.0/24" });
      assert.equal(pools.length, 1);
      assert.equal(subnets[0]?.subnetpool_id, pools[0]?.id);

      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: poolId,
        Address: "",
        Options: null,
      });
      assert.match(String(address.body.Address), /^10\.77\.0\.\d+\/24$/);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
        Interface: { Address: address.body.Address, AddressIPv6: "", MacAddress: "" },
        Options: EXPOSED,
      });
      assert.equal(endpoint.status, 200, JSON.stringify(endpoint.body));
      const [port] = await plugin.neutron.ports.list({ name: `${EP_ID}-port` });
      assert.ok(port, "port named <endpoint id>-port");
      assert.deepEqual(endpoint.body, { Interface: { MacAddress: port.mac_address } });
      assert.equal(port.device_owner, "compute:kuryr");
      assert.equal(port.device_id, EP_ID);
      assert.equal(port.fixed_ips[0]?.ip_address, String(address.body.Address).split("/")[0]);
      assert.equal((await plugin.neutron.ports.list({ network_id: network.id })).length, 1);
      assert.equal(plugin.binding.plugged.get(port.id)?.macAddress, port.mac_address);

      const join = await plugin.call("/NetworkDriver.Join", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
        SandboxKey: "/var/run/docker/netns/e7ede9b49f54",
        Options: EXPOSED,
      });
      assert.equal(join.status, 200, JSON.stringify(join.body));
      assert.deepEqual(join.body.InterfaceName, {
        SrcName: `t_c${port.id}`.slice(0, 14),
        DstPrefix: "eth",
      });
      assert.equal(join.body.Gateway, "10.77.0.1");
      assert.equal(join.body.DisableGatewayService, true);

      const exposed = await plugin.call("/NetworkDriver.ProgramExternalConnectivity", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
        Options: EXPOSED,
      });
      assert.equal(exposed.status, 200, JSON.stringify(exposed.body));
      const [group] = await plugin.neutron.securityGroups.list({
        name: `${port.id}-exposed_ports`,
      });
      assert.ok(group, "security group <port id>-exposed_ports");
      const rules = (await plugin.neutron.securityGroupRules.list({ security_group_id: group.id }))
        .filter((rule) => rule.direction === "ingress")
        .map(
          (rule) =>
            `${rule.protocol}:${rule.port_range_min}-${rule.port_range_max}:${rule.ethertype}`,
        )
        .sort();
      assert.deepEqual(rules, ["tcp:80-81:IPv4", "tcp:9090-9090:IPv4", "udp:53-53:IPv4"]);
      const withGroup = await plugin.neutron.ports.show(port.id);
      assert.ok(withGroup?.security_groups?.includes(group.id));

      const info = await plugin.call("/NetworkDriver.EndpointOperInfo", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
      });
      assert.deepEqual(info.body, { Value: { status: withGroup?.status } });

      const revoked = await plugin.call("/NetworkDriver.RevokeExternalConnectivity", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
      });
      assert.equal(revoked.status, 200);
      assert.deepEqual(
        await plugin.neutron.securityGroups.list({ name: `${port.id}-exposed_ports` }),
        [],
      );

      assert.equal(
        (await plugin.call("/NetworkDriver.Leave", { NetworkID: NET_ID, EndpointID: EP_ID }))
          .status,
        200,
      );
      const deleted = await plugin.call("/NetworkDriver.DeleteEndpoint", {
        NetworkID: NET_ID,
        EndpointID: EP_ID,
      });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal(plugin.binding.plugged.size, 0);
      const released = await plugin.call("/IpamDriver.ReleaseAddress", {
        PoolID: poolId,
        Address: String(address.body.Address).split("/")[0],
      });
      assert.equal(released.status, 200);
      assert.equal(await plugin.neutron.ports.show(port.id), null);

      await plugin.call("/IpamDriver.ReleaseAddress", { PoolID: poolId, Address: "10.77.0.1" });
      const releasedPool = await plugin.call("/IpamDriver.ReleasePool", { PoolID: poolId });
      assert.equal(releasedPool.status, 200, JSON.stringify(releasedPool.body));
      const deletedNetwork = await plugin.call("/NetworkDriver.DeleteNetwork", {
        NetworkID: NET_ID,
      });
      assert.equal(deletedNetwork.status, 200, JSON.stringify(deletedNetwork.body));
      assert.equal(await plugin.neutron.networks.show(network.id), null);
      assert.deepEqual(
        await plugin.neutron.subnetpools.list({ name: "kuryrPool-10.77.0.0/24" }),
        [],
      );
    });

    test("requested address and MAC are kept", async () => {
      const net = await createDockerNetwork(plugin, "a1", "10.90.0.0/24");
      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: net.poolId,
        Address: "10.90.0.50",
        Options: { "com.docker.network.endpoint.macaddress": "02:42:0a:4d:00:32" },
      });
      assert.equal(address.body.Address, "10.90.0.50/24");
      const endpointId = "e1".repeat(32);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
        Interface: { Address: "10.90.0.50/24", AddressIPv6: "", MacAddress: "02:42:0a:4d:00:32" },
        Options: { "com.docker.network.endpoint.macaddress": "AkIKTQAy" },
      });
      assert.deepEqual(endpoint.body, { Interface: {} });
      const [port] = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.equal(port?.mac_address, "02:42:0a:4d:00:32");
      assert.equal(port?.fixed_ips[0]?.ip_address, "10.90.0.50");
      const again = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: net.poolId,
        Address: "10.90.0.50",
        Options: null,
      });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.match(String(again.body.Err), /10\.90\.0\.50/);
      assert.equal(again.body.Error, again.body.Err);
      await removeEndpoint(plugin, net, endpointId, "10.90.0.50");
      await removeDockerNetwork(plugin, net);
    });

    test("network without --subnet uses the default pool", async () => {
      const first = await plugin.call("/IpamDriver.RequestPool", {
        AddressSpace: "",
        Pool: "",
        SubPool: "",
        Options: {},
        V6: false,
      });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.Pool, "10.10.0.0/24");
      const second = await plugin.call("/IpamDriver.RequestPool", {
        AddressSpace: "",
        Pool: "",
        SubPool: "",
        Options: {},
        V6: false,
      });
      assert.equal(second.body.Pool, "10.10.1.0/24");
      const [defaultPool] = await plugin.neutron.subnetpools.list({ name: "kuryr" });
      assert.ok(defaultPool);
      assert.ok(String(first.body.PoolID).startsWith(`${defaultPool.id}/`));
      const networkId = "d1".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: { "com.docker.network.generic": {} },
        IPv4Data: [
          { AddressSpace: "no_address_space", Gateway: "10.10.0.1/24", Pool: "10.10.0.0/24" },
        ],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const subnets = await plugin.neutron.subnets.list({ cidr: "10.10.0.0/24" });
      assert.equal(subnets[0]?.subnetpool_id, defaultPool.id);
      for (const pool of [first, second]) {
        assert.equal(
          (await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool.body.PoolID })).status,
          200,
        );
      }
      assert.equal(
        (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
        200,
      );
      assert.deepEqual(await plugin.neutron.subnets.list({ cidr: "10.10.0.0/24" }), []);
      assert.ok(await plugin.neutron.subnetpools.show(defaultPool.id), "the default pool is kept");
    });

    test("dual stack endpoint gets one port", async () => {
      const v4 = await requestPool(plugin, "10.79.0.0/24", false);
      const v6 = await requestPool(plugin, "fd77::/64", true);
      const networkId = "c3".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": {} },
        IPv4Data: [{ AddressSpace: "x", Gateway: "10.79.0.1/24", Pool: "10.79.0.0/24" }],
        IPv6Data: [{ AddressSpace: "x", Gateway: "fd77::1/64", Pool: "fd77::/64" }],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const a4 = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: v4,
        Address: "",
        Options: {},
      });
      const a6 = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: v6,
        Address: "",
        Options: {},
      });
      assert.match(String(a6.body.Address), /^fd77::[0-9a-f]+\/64$/);
      const endpointId = "e3".repeat(32);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
        Interface: { Address: a4.body.Address, AddressIPv6: a6.body.Address, MacAddress: "" },
        Options: {},
      });
      assert.equal(endpoint.status, 200, JSON.stringify(endpoint.body));
      const network = await networkOf(plugin, networkId);
      const ports = await plugin.neutron.ports.list({ network_id: network });
      assert.equal(ports.length, 1);
      assert.equal(ports[0]?.fixed_ips.length, 2);
      const join = await plugin.call("/NetworkDriver.Join", {
        NetworkID: networkId,
        EndpointID: endpointId,
        SandboxKey: "k",
        Options: {},
      });
      assert.equal(join.body.Gateway, "10.79.0.1");
      assert.equal(join.body.GatewayIPv6, "fd77::1");
      await plugin.call("/NetworkDriver.DeleteEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
      });
      for (const [pool, text] of [
        [v4, a4.body.Address],
        [v6, a6.body.Address],
      ] as const) {
        await plugin.call("/IpamDriver.ReleaseAddress", {
          PoolID: pool,
          Address: String(text).split("/")[0],
        });
        await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool });
      }
      assert.equal(
        (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
        200,
      );
      assert.deepEqual(await plugin.neutron.ports.list({ network_id: network }), []);
    });

    test("default Docker IPAM network gets a plain subnet", async () => {
      const networkId = "f4".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: { "com.docker.network.generic": {} },
        IPv4Data: [{ AddressSpace: "LocalDefault", Gateway: "10.80.0.1/24", Pool: "10.80.0.0/24" }],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const [subnet] = await plugin.neutron.subnets.list({ cidr: "10.80.0.0/24" });
      assert.equal(subnet?.subnetpool_id ?? null, null);
      const endpointId = "e4".repeat(32);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
        Interface: { Address: "10.80.0.2/24", AddressIPv6: "", MacAddress: "" },
        Options: {},
      });
      assert.match(
        String((endpoint.body.Interface as { MacAddress?: string }).MacAddress),
        /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
      );
      await plugin.call("/NetworkDriver.DeleteEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
      });
      // Docker's own IPAM releases no address through the plugin, so the port goes here.
      assert.deepEqual(await plugin.neutron.ports.list({ name: `${endpointId}-port` }), []);
      assert.equal(
        (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
        200,
      );
    });

    test("existing network survives network removal", async () => {
      const existing = await plugin.neutron.networks.create({
        name: "users-net",
        admin_state_up: true,
      });
      const myPool = await plugin.neutron.subnetpools.create({
        name: "mypool",
        prefixes: ["10.82.0.0/16"],
        default_prefixlen: 24,
      });
      const poolId = await requestPool(plugin, "10.82.0.0/24", false);
      const networkId = "b7".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: {
          "com.docker.network.generic": {
            "neutron.net.uuid": existing.id,
            "neutron.pool.name": "mypool",
          },
        },
        IPv4Data: [{ AddressSpace: "x", Gateway: "10.82.0.1/24", Pool: "10.82.0.0/24" }],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const tagged = await plugin.neutron.networks.show(existing.id);
      assert.ok(tagged?.tags?.includes(`kuryr.net.existing:${networkId.slice(0, 12)}`));
      const [subnet] = await plugin.neutron.subnets.list({ network_id: existing.id });
      assert.equal(subnet?.subnetpool_id, myPool.id);
      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: poolId,
        Address: "",
        Options: null,
      });
      assert.equal(address.status, 200, JSON.stringify(address.body));
      await plugin.call("/IpamDriver.ReleaseAddress", {
        PoolID: poolId,
        Address: String(address.body.Address).split("/")[0],
      });
      await plugin.call("/IpamDriver.ReleasePool", { PoolID: poolId });
      assert.equal(
        (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
        200,
      );
      const after = await plugin.neutron.networks.show(existing.id);
      assert.ok(after, "the user's network is kept");
      assert.deepEqual(after.tags ?? [], []);
      assert.deepEqual(await plugin.neutron.subnets.list({ network_id: existing.id }), []);
      assert.ok(await plugin.neutron.subnetpools.show(myPool.id), "the user's pool is kept");
      await plugin.neutron.networks.remove(existing.id);
      await plugin.neutron.subnetpools.remove(myPool.id);
    });

    test("existing subnet is adopted and kept", async () => {
      const existing = await plugin.neutron.networks.create({ name: "users-subnet-net" });
      const subnet = await plugin.neutron.subnets.create({
        name: "users-subnet",
        network_id: existing.id,
        ip_version: 4,
        cidr: "10.84.0.0/24",
      });
      const pool = await plugin.call("/IpamDriver.RequestPool", {
        Pool: "10.84.0.0/24",
        SubPool: "",
        Options: { "neutron.subnet.uuid": subnet.id },
        V6: false,
      });
      assert.equal(pool.status, 200, JSON.stringify(pool.body));
      const networkId = "5b".repeat(32);
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: {
          "com.docker.network.generic": {
            "neutron.net.name": "users-subnet-net",
            "neutron.subnet.uuid": subnet.id,
          },
        },
        IPv4Data: [{ Pool: "10.84.0.0/24", Gateway: `${subnet.gateway_ip}/24` }],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const subnets = await plugin.neutron.subnets.list({ network_id: existing.id });
      assert.deepEqual(
        subnets.map((entry) => entry.id),
        [subnet.id],
        "no second subnet is created",
      );

      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: pool.body.PoolID,
        Address: "",
        Options: null,
      });
      assert.equal(address.status, 200, JSON.stringify(address.body));
      assert.match(String(address.body.Address), /^10\.84\.0\.\d+\/24$/);
      const ip = String(address.body.Address).split("/")[0];
      await plugin.call("/IpamDriver.ReleaseAddress", { PoolID: pool.body.PoolID, Address: ip });
      assert.equal(
        (await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool.body.PoolID })).status,
        200,
      );
      assert.equal(
        (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
        200,
      );

      const kept = await plugin.neutron.subnets.show(subnet.id);
      assert.ok(kept, "the user's subnet is kept");
      assert.deepEqual(kept.tags ?? [], [], "the pool tag is removed");
      assert.ok(await plugin.neutron.networks.show(existing.id), "the user's network is kept");
      assert.deepEqual(
        await plugin.neutron.subnetpools.list({ name: "kuryrPool-10.84.0.0/24" }),
        [],
      );
      await plugin.neutron.networks.remove(existing.id);
    });

    test("endpoint calls on unknown networks", async () => {
      const unknown = { NetworkID: "0".repeat(64), EndpointID: "1".repeat(64) };
      const create = await plugin.call("/NetworkDriver.CreateEndpoint", {
        ...unknown,
        Interface: { Address: "10.1.0.2/24" },
      });
      assert.equal(create.status, 200);
      assert.equal(
        create.body.Err,
        `Neutron net associated with identifier ${unknown.NetworkID} doesn't exist.`,
      );
      const remove = await plugin.call("/NetworkDriver.DeleteEndpoint", unknown);
      assert.equal(remove.status, 200);
      assert.match(String(remove.body.Err), /doesn't exit\.$/);
      const info = await plugin.call("/NetworkDriver.EndpointOperInfo", unknown);
      assert.deepEqual(info.body, { Value: {} });
      const deleteNetwork = await plugin.call("/NetworkDriver.DeleteNetwork", {
        NetworkID: unknown.NetworkID,
      });
      assert.deepEqual(deleteNetwork.body, {});
    });

    test("invalid requests get 400", async () => {
      const noAddress = await plugin.call("/NetworkDriver.Leave", { NetworkID: "x" });
      assert.equal(noAddress.status, 400);
      assert.match(String(noAddress.body.Err), /EndpointID/);
      const badJson = await plugin.call("/NetworkDriver.Join", "{not json");
      assert.equal(badJson.status, 400);
      const badPool = await plugin.call("/IpamDriver.RequestPool", {
        Pool: "10.0.0.0/33",
        V6: false,
      });
      assert.equal(badPool.status, 400);
      assert.ok(badPool.body.Error, "IPAM errors carry Error");
      const subPool = await plugin.call("/IpamDriver.RequestPool", {
        Pool: "10.0.0.0/16",
        SubPool: "10.0.1.0/24",
        V6: false,
      });
      assert.equal(subPool.status, 400);
      assert.match(String(subPool.body.Err), /--ip-range/);
      const badNetwork = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: "e".repeat(64),
        IPv4Data: [{ Pool: "not-a-cidr" }],
        IPv6Data: [],
      });
      assert.equal(badNetwork.status, 400);
      assert.deepEqual(
        await plugin.neutron.networks.list({ name: `kuryr-net-${"e".repeat(8)}` }),
        [],
        "nothing is left behind",
      );
      const badPoolId = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: "not a pool",
        Address: "",
      });
      assert.equal(badPoolId.status, 400);
    });

    test("gateway conflict on an existing subnet", async () => {
      const net = await createDockerNetwork(plugin, "g1", "10.91.0.0/24");
      const conflict = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: net.poolId,
        Address: "10.91.0.9",
        Options: { RequestAddressType: "com.docker.network.gateway" },
      });
      assert.equal(conflict.status, 500);
      assert.match(String(conflict.body.Err), /Requested gateway 10\.91\.0\.9 does not match/);
      await removeDockerNetwork(plugin, net);
    });

    test("interface without addresses", async () => {
      const net = await createDockerNetwork(plugin, "h1", "10.92.0.0/24");
      const response = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: "9".repeat(64),
        Interface: { Address: "", AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(response.status, 200);
      assert.equal(response.body.Err, "Interface address v4 or v6 not provided.");
      await removeDockerNetwork(plugin, net);
    });
  });
}

interface DockerNetwork {
  id: string;
  poolId: string;
  cidr: string;
}

async function requestPool(plugin: PluginUnderTest, cidr: string, v6: boolean): Promise<string> {
  const response = await plugin.call("/IpamDriver.RequestPool", {
    AddressSpace: "x",
    Pool: cidr,
    SubPool: "",
    Options: {},
    V6: v6,
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return String(response.body.PoolID);
}

async function createDockerNetwork(
  plugin: PluginUnderTest,
  tag: string,
  cidr: string,
): Promise<DockerNetwork> {
  const poolId = await requestPool(plugin, cidr, false);
  const id = tag.repeat(32);
  const gateway = `${cidr.split("/")[0]?.replace(/0$/, "1")}/${cidr.split("/")[1]}`;
  const response = await plugin.call("/NetworkDriver.CreateNetwork", {
    NetworkID: id,
    Options: { "com.docker.network.generic": {} },
    IPv4Data: [{ AddressSpace: "x", Gateway: gateway, Pool: cidr }],
    IPv6Data: [],
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { id, poolId, cidr };
}

async function removeEndpoint(
  plugin: PluginUnderTest,
  net: DockerNetwork,
  endpointId: string,
  address: string,
) {
  assert.equal(
    (
      await plugin.call("/NetworkDriver.DeleteEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
      })
    ).status,
    200,
  );
  assert.equal(
    (await plugin.call("/IpamDriver.ReleaseAddress", { PoolID: net.poolId, Address: address }))
      .status,
    200,
  );
}

async function removeDockerNetwork(plugin: PluginUnderTest, net: DockerNetwork) {
  assert.equal((await plugin.call("/IpamDriver.ReleasePool", { PoolID: net.poolId })).status, 200);
  assert.equal(
    (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: net.id })).status,
    200,
  );
}

async function networkOf(plugin: PluginUnderTest, dockerId: string): Promise<string> {
  const [network] = await plugin.neutron.networks.list({
    tags: `kuryr.net.uuid.lh:${dockerId.slice(0, 32)}`,
  });
  assert.ok(network);
  return network.id;
}

export type { NeutronPort, NeutronSubnet };
