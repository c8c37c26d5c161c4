import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createReservationSweep } from "../src/ipam/reservation-sweep.js";
import { type NeutronBackend, neutronBackends } from "./support/neutron-backends.js";
import { type PluginUnderTest, quietLogger, startPlugin } from "./support/plugin-harness.js";

const GRACE_SECONDS = 120;

/** Returns a Docker id of 64 hexadecimal characters, all the given digit. */
function dockerId(digit: string): string {
  return digit.repeat(64);
}

for (const backend of neutronBackends()) {
  describe(`reservations no endpoint took, against ${backend.name}`, () => {
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

    /** RequestPool and CreateNetwork as Docker sends them for `--subnet <cidr>`. */
    async function createNetwork(networkId: string, cidr: string) {
      const pool = await plugin.call("/IpamDriver.RequestPool", {
        AddressSpace: "no_address_space",
        Pool: cidr,
        SubPool: "",
        Options: {},
        V6: false,
      });
      assert.equal(pool.status, 200, JSON.stringify(pool.body));
      const created = await plugin.call("/NetworkDriver.CreateNetwork", {
        NetworkID: networkId,
        Options: { "com.docker.network.generic": {} },
        IPv4Data: [{ AddressSpace: "no_address_space", Pool: cidr }],
        IPv6Data: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      return String(pool.body.PoolID);
    }

    async function requestAddress(poolId: string) {
      const address = await plugin.call("/IpamDriver.RequestAddress", {
        PoolID: poolId,
        Address: "",
        Options: {},
      });
      assert.equal(address.status, 200, JSON.stringify(address.body));
      return String(address.body.Address);
    }

    /** Removes the network the way Docker 20.10 does: ReleasePool first, then DeleteNetwork. */
    async function removeNetwork(networkId: string, poolId: string) {
      const released = await plugin.call("/IpamDriver.ReleasePool", { PoolID: poolId });
      assert.equal(released.status, 200, JSON.stringify(released.body));
      const deleted = await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    }

    async function assertNothingLeftOf(cidr: string) {
      assert.deepEqual(await plugin.neutron.subnets.list({ cidr }), []);
      assert.deepEqual(await plugin.neutron.subnetpools.list({ name: `kuryrPool-${cidr}` }), []);
    }

    test("ReleasePool deletes an orphaned reservation", async () => {
      const networkId = dockerId("a");
      const poolId = await createNetwork(networkId, "10.131.0.0/24");
      // The plugin that made this reservation died before Docker could release it.
      const address = await requestAddress(poolId);
      const [reservation] = await plugin.neutron.ports.list({
        fixed_ips: [`ip_address=${address.split("/")[0]}`],
      });
      assert.equal(reservation?.name, "kuryr-unbound-port");
      await removeNetwork(networkId, poolId);
      assert.equal(await plugin.neutron.ports.show(reservation.id), null);
      assert.deepEqual(await plugin.neutron.networks.list({ name: "kuryr-net-aaaaaaaa" }), []);
      await assertNothingLeftOf("10.131.0.0/24");
    });

    test("DeleteNetwork deletes the emptied pool", async () => {
      const networkId = dockerId("b");
      const endpointId = dockerId("c");
      const poolId = await createNetwork(networkId, "10.132.0.0/24");
      const address = await requestAddress(poolId);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
        Interface: { Address: address, AddressIPv6: "", MacAddress: "" },
        Options: {},
      });
      assert.equal(endpoint.status, 200, JSON.stringify(endpoint.body));
      // DeleteEndpoint and ReleaseAddress never reached the plugin.
      await removeNetwork(networkId, poolId);
      assert.deepEqual(await plugin.neutron.ports.list({ name: `${endpointId}-port` }), []);
      await assertNothingLeftOf("10.132.0.0/24");
    });

    test("sweep deletes only old unbound reservations", async () => {
      const networkId = dockerId("d");
      const endpointId = dockerId("e");
      const poolId = await createNetwork(networkId, "10.133.0.0/24");
      const taken = await requestAddress(poolId);
      const endpoint = await plugin.call("/NetworkDriver.CreateEndpoint", {
        NetworkID: networkId,
        EndpointID: endpointId,
        Interface: { Address: taken, AddressIPv6: "", MacAddress: "" },
        Options: {},
      });
      assert.equal(endpoint.status, 200, JSON.stringify(endpoint.body));
      await requestAddress(poolId);
      const [network] = await plugin.neutron.networks.list({ name: "kuryr-net-dddddddd" });
      assert.ok(network);
      const [subnet] = await plugin.neutron.subnets.list({ network_id: network.id });
      assert.ok(subnet);
      const userPort = await plugin.neutron.ports.create({
        name: "user-port",
        network_id: network.id,
        fixed_ips: [{ subnet_id: subnet.id }],
      });

      let clock = Date.now();
      const logger = quietLogger();
      const sweep = createReservationSweep({
        neutron: plugin.neutron,
        logger,
        graceSeconds: GRACE_SECONDS,
        now: () => clock,
      });
      const onNetwork = { network_id: network.id };
      assert.equal(await sweep.reclaim(onNetwork), 0, "a fresh reservation is kept");
      clock += (GRACE_SECONDS + 5) * 1000;
      assert.equal(await sweep.reclaim(onNetwork), 1, "the old reservation goes");
      const names = (await plugin.neutron.ports.list(onNetwork)).map((port) => port.name).sort();
      assert.deepEqual(names, [`${endpointId}-port`, "user-port"]);
      assert.ok(logger.lines.some((line) => line.includes("reservation that no endpoint took")));

      await plugin.neutron.ports.remove(userPort.id);
      await removeNetwork(networkId, poolId);
      await assertNothingLeftOf("10.133.0.0/24");
    });
  });
}
