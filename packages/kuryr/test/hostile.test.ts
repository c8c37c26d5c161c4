import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { noauthAccess } from "../src/neutron/neutron-access.js";
import { type Fault, type FaultyProxy, startFaultyProxy } from "./support/faulty-proxy.js";
import { memoryBackend, type NeutronBackend, neutronBackends } from "./support/neutron-backends.js";
import { type PluginUnderTest, startPlugin } from "./support/plugin-harness.js";

interface DockerNetwork {
  id: string;
  poolId: string;
}

const PROJECT = "kuryr-tests";

for (const backend of neutronBackends()) {
  // The double allocates any address requested. Only the network service checks addresses.
  const checksAddresses =
    backend === memoryBackend ? "the in-memory double does not check addresses" : false;

  describe(`hostile plugin calls against ${backend.name}`, () => {
    let neutron: NeutronBackend;
    let proxy: FaultyProxy;
    let plugin: PluginUnderTest;
    /** A plugin that gives up on a Neutron request after two seconds. */
    let impatient: PluginUnderTest;

    before(async () => {
      neutron = await backend.start();
      proxy = await startFaultyProxy(neutron.url);
      const access = noauthAccess(proxy.url, PROJECT, "admin");
      plugin = await startPlugin(proxy.url, { access });
      impatient = await startPlugin(proxy.url, {
        access,
        overrides: { "neutron.timeout_seconds": 2 },
      });
    });
    after(async () => {
      await impatient?.close();
      await plugin?.close();
      await proxy?.close();
      await neutron?.close();
    });

    test("malformed calls get 400 with Err", async () => {
      const cases: [string, unknown][] = [
        ["/NetworkDriver.CreateEndpoint", { NetworkID: 5, EndpointID: "a1", Interface: null }],
        ["/NetworkDriver.Join", { NetworkID: "a1", EndpointID: ["a1"], SandboxKey: "" }],
        ["/NetworkDriver.CreateNetwork", { NetworkID: "a,b", IPv4Data: [], IPv6Data: [] }],
        ["/NetworkDriver.CreateNetwork", { NetworkID: "f".repeat(65), IPv4Data: [], IPv6Data: [] }],
        ["/NetworkDriver.DeleteNetwork", [1, 2]],
        ["/NetworkDriver.DeleteEndpoint", "null"],
        ["/NetworkDriver.Join", "{not json"],
        ["/IpamDriver.RequestPool", { Pool: "10.0.0.0/24", V6: "false" }],
        ["/IpamDriver.RequestAddress", { PoolID: 5, Address: "" }],
        ["/IpamDriver.ReleaseAddress", '"text"'],
      ];
      for (const [url, body] of cases) {
        const response = await plugin.call(url, body);
        const label = `${url} ${JSON.stringify(body)}`;
        assert.equal(response.status, 400, `${label}: ${JSON.stringify(response.body)}`);
        assert.equal(typeof response.body.Err, "string", label);
        if (url.startsWith("/IpamDriver.")) {
          assert.equal(response.body.Error, response.body.Err, label);
        }
      }
      const large = await plugin.call(
        "/IpamDriver.RequestPool",
        JSON.stringify({ Pool: "x".repeat(2 * 1024 * 1024), V6: false }),
      );
      assert.equal(large.status, 413);
      assert.equal(large.body.Error, large.body.Err);
      assert.deepEqual(await plugin.neutron.networks.list({ tags: "kuryr.net.uuid.lh:a" }), []);
    });

    test("option ids stay in one path segment", async () => {
      const seen: string[] = [];
      proxy.rule = ({ method, path }) => {
        seen.push(`${method} ${path}`);
        return "pass";
      };
      const pool = await plugin.call("/IpamDriver.RequestPool", {
        Pool: "10.79.0.0/24",
        V6: false,
        Options: { "neutron.pool.uuid": "../ports?x=1" },
      });
      const network = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: "ab".repeat(32),
        Options: { "com.docker.network.generic": { "neutron.net.uuid": "../subnets" } },
        IPv4Data: [{ Pool: "10.79.0.0/24" }],
        IPv6Data: [],
      });
      proxy.rule = () => "pass";
      assert.equal(pool.status, 500, JSON.stringify(pool.body));
      assert.match(String(pool.body.Error), /No Neutron subnet pool with id \.\.\/ports\?x=1/);
      assert.equal(network.status, 500, JSON.stringify(network.body));
      assert.match(String(network.body.Err), /network id\/name\(\.\.\/subnets\) does not exist/);
      assert.ok(seen.includes("GET /v2.0/subnetpools/..%2Fports%3Fx%3D1"), seen.join("\n"));
      assert.ok(seen.includes("GET /v2.0/networks/..%2Fsubnets"), seen.join("\n"));
      await assertNothingLeft(plugin);
    });

    test("endpoint id bound twice", async () => {
      const net = await createDockerNetwork(plugin, "b1", "10.81.0.0/24");
      const endpointId = "e1".repeat(32);
      const first = await requestAddress(plugin, net);
      const second = await requestAddress(plugin, net);
      const create = (address: string) =>
        plugin.call("/NetworkDriver.CreateEndpoint", {
          NetworkID: net.id,
          EndpointID: endpointId,
          Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
        });
      assert.equal((await create(first)).status, 200);
      assert.equal((await create(first)).status, 200, "a repeated call is answered again");
      const twice = await create(second);
      assert.equal(twice.status, 409, JSON.stringify(twice.body));
      assert.match(String(twice.body.Err), /already bound/);
      const tagged = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.deepEqual(
        tagged.map((port) => port.fixed_ips[0]?.ip_address),
        [first.split("/")[0]],
      );
      assert.equal(plugin.binding.plugged.size, 1, "the refused call left no veth pair");
      await removeEndpoint(plugin, net, endpointId, first);
      await release(plugin, net, second);
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("address of another endpoint", async () => {
      const net = await createDockerNetwork(plugin, "b2", "10.82.0.0/24");
      const owner = "e2".repeat(32);
      const intruder = "e3".repeat(32);
      const address = await requestAddress(plugin, net);
      await createEndpoint(plugin, net, owner, address);
      const [before] = await plugin.neutron.ports.list({ name: `${owner}-port` });
      assert.ok(before);
      const stolen = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: intruder,
        Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(stolen.status, 409, JSON.stringify(stolen.body));
      assert.match(String(stolen.body.Err), /in use/);
      const after = await plugin.neutron.ports.show(before.id);
      assert.equal(after?.device_id, owner);
      assert.deepEqual([...(after?.tags ?? [])].sort(), [...(before.tags ?? [])].sort());
      await removeEndpoint(plugin, net, owner, address);
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("port deleted behind the plugin", async () => {
      const net = await createDockerNetwork(plugin, "b3", "10.83.0.0/24");
      const endpointId = "e4".repeat(32);
      const address = await requestAddress(plugin, net);
      await createEndpoint(plugin, net, endpointId, address);
      const [port] = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.ok(port);
      await plugin.neutron.ports.remove(port.id);
      await removeEndpoint(plugin, net, endpointId, address);
      assert.deepEqual([...plugin.binding.plugged.keys()], [], "the veth pair is gone");
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("port deleted, then plugin restarted", async () => {
      const net = await createDockerNetwork(plugin, "b4", "10.84.0.0/24");
      const endpointId = "e5".repeat(32);
      const address = await requestAddress(plugin, net);
      await createEndpoint(plugin, net, endpointId, address);
      const [port] = await plugin.neutron.ports.list({ name: `${endpointId}-port` });
      assert.ok(port);
      await plugin.neutron.ports.remove(port.id);
      const restarted = await startPlugin(proxy.url, {
        access: noauthAccess(proxy.url, PROJECT, "admin"),
      });
      try {
        // The new process finds the veth pair the first one made on the host.
        for (const [id, plugged] of plugin.binding.plugged) {
          restarted.binding.plugged.set(id, plugged);
        }
        for (const bridge of plugin.binding.bridges) {
          restarted.binding.bridges.add(bridge);
        }
        plugin.binding.plugged.clear();
        plugin.binding.bridges.clear();
        await removeEndpoint(restarted, net, endpointId, address);
        assert.deepEqual([...restarted.binding.plugged.keys()], []);
        await removeDockerNetwork(restarted, net);
      } finally {
        await restarted.close();
      }
      await assertNothingLeft(plugin);
    });

    test("subnet deleted behind the cache", async () => {
      const net = await createDockerNetwork(plugin, "d2", "10.76.0.0/24");
      const reserved = await requestAddress(plugin, net);
      await release(plugin, net, reserved);
      // The plugin has read the subnet within the minute it keeps it, and someone deletes it.
      const [subnet] = await plugin.neutron.subnets.list({ cidr: "10.76.0.0/24" });
      assert.ok(subnet);
      assert.ok(await plugin.neutron.subnets.remove(subnet.id));
      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: net.poolId,
        Address: "",
        Options: null,
      });
      assert.equal(address.status, 500, JSON.stringify(address.body));
      assert.match(String(address.body.Error), /No Neutron subnet/);
      const created = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: net.id,
        EndpointID: "d2".repeat(32),
        Interface: { Address: reserved, AddressIPv6: "", MacAddress: "" },
      });
      assert.equal(created.status, 500, JSON.stringify(created.body));
      assert.match(String(created.body.Err), /No Neutron subnet/);
      assert.deepEqual([...plugin.binding.plugged.keys()], []);
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("connect cut short leaves nothing", async () => {
      const net = await createDockerNetwork(plugin, "b5", "10.85.0.0/24");
      // The plugin stopped after Neutron reserved the address and before Docker got the answer,
      // and a veth pair of a port that no longer exists is still on the bridge.
      await requestAddress(plugin, net);
      const [network] = await plugin.neutron.networks.list({
        name: `kuryr-net-${net.id.slice(0, 8)}`,
      });
      assert.ok(network);
      plugin.binding.plugged.set("0badc0de-0000-4000-8000-000000000000", {
        portId: "0badc0de-0000-4000-8000-000000000000",
        networkId: network.id,
        macAddress: "fa:16:3e:00:00:01",
      });
      await removeDockerNetwork(plugin, net);
      assert.deepEqual([...plugin.binding.plugged.keys()], []);
      assert.ok(!plugin.binding.bridges.has(network.id), "the bridge is gone");
      await assertNothingLeft(plugin);
    });

    test("exhausted /29 and outside addresses", {
      skip: checksAddresses,
    }, async () => {
      const net = await createDockerNetwork(plugin, "b6", "10.86.0.0/29");
      const addresses: string[] = [];
      for (;;) {
        const response = await plugin.call("/IpamDriver.RequestAddress", {
          PoolID: net.poolId,
          Address: "",
          Options: null,
        });
        if (response.status !== 200) {
          assert.equal(response.status, 409, JSON.stringify(response.body));
          assert.match(String(response.body.Error), /No more IP addresses/);
          assert.equal(response.body.Err, response.body.Error);
          break;
        }
        addresses.push(String(response.body.Address));
        assert.ok(addresses.length <= 6, "a /29 has six host addresses");
      }
      assert.equal(addresses.length, 5, "six hosts less the gateway");
      for (const outside of ["10.86.0.9", "10.86.0.7", "not-an-address"]) {
        const response = await plugin.call("/IpamDriver.RequestAddress", {
          PoolID: net.poolId,
          Address: outside,
          Options: null,
        });
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${outside}: ${response.status}`,
        );
        assert.equal(typeof response.body.Error, "string");
      }
      for (const address of addresses) {
        await release(plugin, net, address);
      }
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("IPv6 /127 network", { skip: checksAddresses }, async () => {
      const net = await createDockerNetwork(plugin, "b8", "fd87::/127", true);
      const address = await requestAddress(plugin, net);
      const endpointId = "b8".repeat(32);
      await createEndpoint(plugin, net, endpointId, address, true);
      await removeEndpoint(plugin, net, endpointId, address);
      await removeDockerNetwork(plugin, net);
      await assertNothingLeft(plugin);
    });

    test("Neutron failing the connect requests", async () => {
      const net = await createDockerNetwork(impatient, "b9", "10.89.0.0/24");
      const faults: [
        string,
        (method: string, path: string) => boolean,
        number | "hang" | "drop",
      ][] = [
        ["tags refused", (method, path) => method === "PUT" && path.endsWith("/tags"), 500],
        ["update conflict", (method, path) => method === "PUT" && !path.endsWith("/tags"), 409],
        [
          "update unanswered",
          (method, path) => method === "PUT" && !path.endsWith("/tags"),
          "hang",
        ],
        ["tags cut", (method, path) => method === "PUT" && path.endsWith("/tags"), "drop"],
      ];
      for (const [index, [name, matches, fault]] of faults.entries()) {
        const address = await requestAddress(impatient, net);
        proxy.rule = ({ method, path }) =>
          matches(method, path.replace(/^\/v2\.0/, ""))
            ? typeof fault === "number"
              ? { status: fault }
              : fault
            : "pass";
        const endpointId = `f${index}`.repeat(32);
        const created = await impatient.call("/NetworkDriver.CreateEndpoint", {
          NetworkID: net.id,
          EndpointID: endpointId,
          Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
        });
        proxy.rule = () => "pass";
        assert.notEqual(created.status, 200, `${name}: ${JSON.stringify(created.body)}`);
        assert.equal(typeof created.body.Err, "string", name);
        assert.deepEqual([...impatient.binding.plugged.keys()], [], `${name}: no veth pair`);
        // Docker gives the address back after a failed CreateEndpoint.
        await release(impatient, net, address);
        assert.deepEqual(
          await plugin.neutron.ports.list({
            network_id: (await neutronNetwork(impatient, net)).id,
          }),
          [],
          name,
        );
      }
      await removeDockerNetwork(impatient, net);
      await assertNothingLeft(impatient);
    });

    test("Neutron failing a network create", async () => {
      for (const [index, fault] of [{ status: 500 }, "drop", "hang"].entries()) {
        const cidr = `10.78.${index}.0/24`;
        const pool = await impatient.call("/IpamDriver.RequestPool", {
          Pool: cidr,
          V6: false,
          Options: {},
        });
        assert.equal(pool.status, 200, JSON.stringify(pool.body));
        proxy.rule = ({ method, path }) =>
          method === "POST" && path.endsWith("/subnets") ? (fault as Fault) : "pass";
        const created = await impatient.call("/NetworkDriver.CreateNetwork", {
          NetworkID: `c${index}`.repeat(32),
          Options: { "com.docker.network.generic": {} },
          IPv4Data: [{ Pool: cidr }],
          IPv6Data: [],
        });
        proxy.rule = () => "pass";
        assert.notEqual(created.status, 200, JSON.stringify(created.body));
        assert.equal(typeof created.body.Err, "string");
        // Docker releases the pool of a network it failed to create.
        const released = await impatient.call("/IpamDriver.ReleasePool", {
          PoolID: pool.body.PoolID,
        });
        assert.equal(released.status, 200, JSON.stringify(released.body));
      }
      await assertNothingLeft(impatient);
    });

    test("responses lost after Neutron acted", async () => {
      // Neutron makes the network, or the reservation port, but the plugin never learns of it.
      const net = await createDockerNetwork(plugin, "d0", "10.77.0.0/24");
      proxy.rule = ({ method, path }) =>
        method === "POST" && path.endsWith("/ports") ? "lose-response" : "pass";
      const reserved = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: net.poolId,
        Address: "",
        Options: null,
      });
      proxy.rule = () => "pass";
      assert.equal(reserved.status, 500, JSON.stringify(reserved.body));
      assert.equal(reserved.body.Error, reserved.body.Err);
      await removeDockerNetwork(plugin, net);

      const pool = await plugin.call("/IpamDriver.RequestPool", {
        Pool: "10.77.1.0/24",
        V6: false,
        Options: {},
      });
      proxy.rule = ({ method, path }) =>
        method === "POST" && path.endsWith("/networks") ? "lose-response" : "pass";
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: "d1".repeat(32),
        Options: { "com.docker.network.generic": {} },
        IPv4Data: [{ Pool: "10.77.1.0/24" }],
        IPv6Data: [],
      });
      proxy.rule = () => "pass";
      assert.equal(created.status, 500, JSON.stringify(created.body));
      const released = await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool.body.PoolID });
      assert.equal(released.status, 200, JSON.stringify(released.body));
      await assertNothingLeft(plugin);
    });

    test("Neutron unreachable during disconnect", async () => {
      const net = await createDockerNetwork(impatient, "ba", "10.90.0.0/24");
      const endpointId = "fa".repeat(32);
      const address = await requestAddress(impatient, net);
      await createEndpoint(impatient, net, endpointId, address);
      proxy.rule = ({ method }) => (method === "GET" ? "pass" : "drop");
      const failed = await impatient.call("/NetworkDriver.DeleteEndpoint", {
        NetworkID: net.id,
        EndpointID: endpointId,
      });
      proxy.rule = () => "pass";
      assert.equal(failed.status, 500, JSON.stringify(failed.body));
      assert.match(String(failed.body.Err), /could not be reached/);
      // Docker does not retry a failed DeleteEndpoint; it releases the address and moves on.
      await release(impatient, net, address);
      await removeDockerNetwork(impatient, net);
      await assertNothingLeft(impatient);
    });

    test("concurrent connects across networks", async () => {
      const nets = await Promise.all(
        ["c1", "c2", "c3"].map((tag, index) =>
          createDockerNetwork(plugin, tag, `10.7${index}.0.0/24`),
        ),
      );
      const containers = Array.from({ length: 24 }, (_, index) => ({
        net: nets[index % nets.length] as DockerNetwork,
        endpointId: index.toString(16).padStart(2, "0").repeat(32),
      }));
      for (let round = 0; round < 2; round += 1) {
        const addresses = await Promise.all(
          containers.map(async ({ net, endpointId }) => {
            const address = await requestAddress(plugin, net);
            await createEndpoint(plugin, net, endpointId, address);
            const join = await plugin.call("/NetworkDriver.Join", {
              NetworkID: net.id,
              EndpointID: endpointId,
              SandboxKey: "",
            });
            assert.equal(join.status, 200, JSON.stringify(join.body));
            return address;
          }),
        );
        assert.equal(new Set(addresses).size, containers.length, "every address is different");
        assert.equal(plugin.binding.plugged.size, containers.length);
        await Promise.all(
          containers.map(({ net, endpointId }, index) =>
            removeEndpoint(plugin, net, endpointId, addresses[index] ?? ""),
          ),
        );
      }
      await Promise.all(nets.map((net) => removeDockerNetwork(plugin, net)));
      await assertNothingLeft(plugin);
    });
  });
}

async function createDockerNetwork(
  plugin: PluginUnderTest,
  tag: string,
  cidr: string,
  v6 = false,
): Promise<DockerNetwork> {
  const pool = await plugin.call("/IpamDriver.RequestPool", {
    AddressSpace: "x",
    Pool: cidr,
    SubPool: "",
    Options: {},
    V6: v6,
  });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const id = tag.repeat(32);
  const data = [{ AddressSpace: "x", Pool: cidr }];
  const response = await plugin.call("/NetworkDriver.CreateNetwork", {
    NetworkID: id,
    Options: { "com.docker.network.generic": {} },
    IPv4Data: v6 ? [] : data,
    IPv6Data: v6 ? data : [],
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { id, poolId: String(pool.body.PoolID) };
}

async function neutronNetwork(plugin: PluginUnderTest, net: DockerNetwork) {
  const [network] = await plugin.neutron.networks.list({
    tags: `kuryr.net.uuid.lh:${net.id.slice(0, 32)}`,
  });
  assert.ok(network);
  return network;
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

async function createEndpoint(
  plugin: PluginUnderTest,
  net: DockerNetwork,
  endpointId: string,
  address: string,
  v6 = false,
) {
  const response = await plugin.call("/NetworkDriver.CreateEndpoint", {
    NetworkID: net.id,
    EndpointID: endpointId,
    Interface: v6
      ? { Address: "", AddressIPv6: address, MacAddress: "" }
      : { Address: address, AddressIPv6: "", MacAddress: "" },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
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

/** Removes a network in Docker's order: DeleteNetwork, then ReleasePool. */
async function removeDockerNetwork(plugin: PluginUnderTest, net: DockerNetwork) {
  const deleted = await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: net.id });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  const released = await plugin.call("/IpamDriver.ReleasePool", { PoolID: net.poolId });
  assert.equal(released.status, 200, JSON.stringify(released.body));
}

async function assertNothingLeft(plugin: PluginUnderTest) {
  const networks = await plugin.neutron.networks.list();
  assert.deepEqual(
    networks.filter((network) => network.name.startsWith("kuryr-net-")).map((n) => n.name),
    [],
  );
  assert.deepEqual(await plugin.neutron.ports.list(), []);
  assert.deepEqual(
    (await plugin.neutron.subnets.list()).map((subnet) => subnet.name),
    [],
  );
  assert.deepEqual(
    (await plugin.neutron.subnetpools.list())
      .map((pool) => pool.name)
      .filter((name) => name.startsWith("kuryrPool-")),
    [],
  );
  assert.deepEqual(
    (await plugin.neutron.securityGroups.list())
      .map((group) => group.name)
      .filter((name) => name.endsWith("-exposed_ports")),
    [],
  );
  assert.deepEqual([...plugin.binding.plugged.keys()], [], "no veth pair");
  assert.deepEqual([...plugin.binding.bridges], [], "no bridge");
}
