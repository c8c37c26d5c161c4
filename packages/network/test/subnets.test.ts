import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };

for (const dialect of testDialects()) {
  describe(`subnets (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function network(caller = ALICE): Promise<Item> {
      const response = await api.call(caller, "POST", "/v2.0/networks", { network: {} });
      return response.body.network as Item;
    }

    async function createSubnet(body: Record<string, unknown>, caller = ALICE) {
      return api.call(caller, "POST", "/v2.0/subnets", { subnet: body });
    }

    async function subnet(body: Record<string, unknown>, caller = ALICE): Promise<Item> {
      const response = await createSubnet(body, caller);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.subnet as Item;
    }

    it("defaults the IPv4 gateway and pool", async () => {
      const net = await network();
      const created = await subnet({ network_id: net.id, cidr: "10.1.0.0/24", ip_version: 4 });
      assert.equal(created.gateway_ip, "10.1.0.1");
      assert.deepEqual(created.allocation_pools, [{ start: "10.1.0.2", end: "10.1.0.254" }]);
      assert.equal(created.enable_dhcp, true);
      assert.equal(created.subnetpool_id, null);
      assert.deepEqual(created.dns_nameservers, []);
      assert.deepEqual(created.host_routes, []);
      const shown = await api.call(ALICE, "GET", `/v2.0/networks/${net.id}`);
      assert.deepEqual((shown.body.network as Item).subnets, [created.id]);
    });

    it("rewrites a prefix with host bits to its network", async () => {
      const net = await network();
      const created = await subnet({ network_id: net.id, cidr: "10.2.0.77/24", ip_version: 4 });
      assert.equal(created.cidr, "10.2.0.0/24");
    });

    it("keeps an explicit gateway out of the pools", async () => {
      const net = await network();
      const created = await subnet({
        network_id: net.id,
        cidr: "10.3.0.0/24",
        ip_version: 4,
        gateway_ip: "10.3.0.254",
      });
      assert.equal(created.gateway_ip, "10.3.0.254");
      assert.deepEqual(created.allocation_pools, [{ start: "10.3.0.1", end: "10.3.0.253" }]);
    });

    it("creates a subnet without a gateway", async () => {
      const net = await network();
      const created = await subnet({
        network_id: net.id,
        cidr: "10.4.0.0/28",
        ip_version: 4,
        gateway_ip: null,
      });
      assert.equal(created.gateway_ip, null);
      assert.deepEqual(created.allocation_pools, [{ start: "10.4.0.1", end: "10.4.0.14" }]);
    });

    it("stores pools, name servers and host routes", async () => {
      const net = await network();
      const created = await subnet({
        network_id: net.id,
        cidr: "10.5.0.0/24",
        ip_version: 4,
        allocation_pools: [
          { start: "10.5.0.10", end: "10.5.0.20" },
          { start: "10.5.0.100", end: "10.5.0.120" },
        ],
        dns_nameservers: ["8.8.8.8", "1.1.1.1"],
        host_routes: [{ destination: "10.20.0.0/16", nexthop: "10.5.0.5" }],
      });
      assert.deepEqual(created.allocation_pools, [
        { start: "10.5.0.10", end: "10.5.0.20" },
        { start: "10.5.0.100", end: "10.5.0.120" },
      ]);
      assert.deepEqual(created.dns_nameservers, ["8.8.8.8", "1.1.1.1"]);
      assert.deepEqual(created.host_routes, [{ destination: "10.20.0.0/16", nexthop: "10.5.0.5" }]);
    });

    it("rejects pools that overlap the gateway, each other or leave the prefix", async () => {
      const net = await network();
      const base = { network_id: net.id, cidr: "10.6.0.0/24", ip_version: 4 };
      const gateway = await createSubnet({
        ...base,
        gateway_ip: "10.6.0.10",
        allocation_pools: [{ start: "10.6.0.5", end: "10.6.0.20" }],
      });
      assert.equal(gateway.status, 409);
      assert.equal(gateway.body.NeutronError?.type, "GatewayConflictWithAllocationPools");
      assert.equal(
        gateway.body.NeutronError?.message,
        "Gateway ip 10.6.0.10 conflicts with allocation pool 10.6.0.5-10.6.0.20.",
      );

      const overlap = await createSubnet({
        ...base,
        allocation_pools: [
          { start: "10.6.0.5", end: "10.6.0.20" },
          { start: "10.6.0.15", end: "10.6.0.30" },
        ],
      });
      assert.equal(overlap.status, 409);
      assert.equal(overlap.body.NeutronError?.type, "OverlappingAllocationPools");

      const outside = await createSubnet({
        ...base,
        allocation_pools: [{ start: "10.6.0.5", end: "10.6.1.20" }],
      });
      assert.equal(outside.status, 400);
      assert.equal(outside.body.NeutronError?.type, "OutOfBoundsAllocationPool");

      const broadcast = await createSubnet({
        ...base,
        allocation_pools: [{ start: "10.6.0.250", end: "10.6.0.255" }],
      });
      assert.equal(broadcast.body.NeutronError?.type, "OutOfBoundsAllocationPool");
    });

    it("rejects overlapping prefixes on one network only", async () => {
      const net = await network();
      await subnet({ network_id: net.id, cidr: "10.7.0.0/16", ip_version: 4 });
      const overlap = await createSubnet({
        network_id: net.id,
        cidr: "10.7.3.0/24",
        ip_version: 4,
      });
      assert.equal(overlap.status, 400);
      assert.equal(overlap.body.NeutronError?.type, "InvalidInput");
      assert.equal(
        overlap.body.NeutronError?.message,
        `Invalid input for operation: Requested subnet with cidr: 10.7.3.0/24 for network: ${net.id} overlaps with another subnet.`,
      );
      const other = await network();
      await subnet({ network_id: other.id, cidr: "10.7.3.0/24", ip_version: 4 });
    });

    it("checks the gateway", async () => {
      const net = await network();
      const onNetwork = await createSubnet({
        network_id: net.id,
        cidr: "10.8.0.0/24",
        ip_version: 4,
        gateway_ip: "10.8.0.0",
      });
      assert.equal(onNetwork.status, 400);
      assert.equal(
        onNetwork.body.NeutronError?.message,
        "Invalid input for operation: Gateway is not valid on subnet.",
      );
      const wrongVersion = await createSubnet({
        network_id: net.id,
        cidr: "10.8.0.0/24",
        ip_version: 4,
        gateway_ip: "fd00::1",
      });
      assert.equal(wrongVersion.status, 400);
      assert.match(
        String(wrongVersion.body.NeutronError?.message),
        /does not match the ip_version '4'/,
      );
      const elsewhere = await subnet({
        network_id: net.id,
        cidr: "10.8.0.0/24",
        ip_version: 4,
        gateway_ip: "192.168.200.1",
      });
      assert.equal(elsewhere.gateway_ip, "192.168.200.1");
    });

    it("creates IPv6 subnets", async () => {
      const net = await network();
      const defaults = await subnet({ network_id: net.id, cidr: "fd00:1::/64", ip_version: 6 });
      assert.equal(defaults.gateway_ip, "fd00:1::");
      assert.deepEqual(defaults.allocation_pools, [
        { start: "fd00:1::1", end: "fd00:1::ffff:ffff:ffff:ffff" },
      ]);
      const explicit = await subnet({
        network_id: net.id,
        cidr: "FD00:0002:0000::/64",
        ip_version: 6,
        gateway_ip: "fd00:2::1",
        dns_nameservers: ["2001:4860:4860::8888"],
      });
      assert.equal(explicit.cidr, "fd00:2::/64");
      assert.equal(explicit.gateway_ip, "fd00:2::1");
      assert.deepEqual(explicit.allocation_pools, [
        { start: "fd00:2::2", end: "fd00:2::ffff:ffff:ffff:ffff" },
      ]);
    });

    it("checks IPv6 address modes", async () => {
      const net = await network();
      const mismatch = await createSubnet({
        network_id: net.id,
        cidr: "fd00:3::/64",
        ip_version: 6,
        ipv6_ra_mode: "slaac",
        ipv6_address_mode: "dhcpv6-stateful",
      });
      assert.equal(mismatch.status, 400);
      const notSixtyFour = await createSubnet({
        network_id: net.id,
        cidr: "fd00:3::/80",
        ip_version: 6,
        ipv6_address_mode: "slaac",
      });
      assert.equal(notSixtyFour.status, 400);
      assert.match(
        String(notSixtyFour.body.NeutronError?.message),
        /requires the prefix to be \/64/,
      );
      const onV4 = await createSubnet({
        network_id: net.id,
        cidr: "10.9.0.0/24",
        ip_version: 4,
        ipv6_address_mode: "slaac",
      });
      assert.equal(onV4.status, 400);
      const noDhcp = await createSubnet({
        network_id: net.id,
        cidr: "fd00:3::/64",
        ip_version: 6,
        enable_dhcp: false,
        ipv6_address_mode: "slaac",
      });
      assert.equal(noDhcp.status, 400);
    });

    it("adds and removes SLAAC EUI-64 addresses", async () => {
      const net = await network();
      const v4 = await subnet({ network_id: net.id, cidr: "10.10.5.0/24", ip_version: 4 });
      const port = await api.call(ALICE, "POST", "/v2.0/ports", {
        port: { network_id: net.id, mac_address: "fa:16:3e:11:22:33" },
      });
      const portId = (port.body.port as Item).id;
      const slaac = await subnet({
        network_id: net.id,
        cidr: "fd00:4::/64",
        ip_version: 6,
        ipv6_ra_mode: "slaac",
        ipv6_address_mode: "slaac",
      });

      const shown = await api.call(ALICE, "GET", `/v2.0/ports/${portId}`);
      const fixedIps = (
        shown.body.port as { fixed_ips: { subnet_id: string; ip_address: string }[] }
      ).fixed_ips;
      assert.deepEqual(
        fixedIps.find((entry) => entry.subnet_id === slaac.id),
        { subnet_id: slaac.id, ip_address: "fd00:4::f816:3eff:fe11:2233" },
      );

      const blocked = await api.call(ALICE, "DELETE", `/v2.0/subnets/${v4.id}`);
      assert.equal(blocked.status, 409);
      assert.equal(blocked.body.NeutronError?.type, "SubnetInUse");
      const removed = await api.call(ALICE, "DELETE", `/v2.0/subnets/${slaac.id}`);
      assert.equal(removed.status, 204);
      const after = await api.call(ALICE, "GET", `/v2.0/ports/${portId}`);
      const remaining = (after.body.port as { fixed_ips: { subnet_id: string }[] }).fixed_ips;
      assert.deepEqual(
        remaining.map((entry) => entry.subnet_id),
        [v4.id],
      );
    });

    it("updates a subnet", async () => {
      const net = await network();
      const created = await subnet({ network_id: net.id, cidr: "10.11.0.0/24", ip_version: 4 });
      const updated = await api.call(ALICE, "PUT", `/v2.0/subnets/${created.id}`, {
        subnet: {
          name: "renamed",
          gateway_ip: "10.11.0.254",
          allocation_pools: [{ start: "10.11.0.10", end: "10.11.0.99" }],
          dns_nameservers: ["9.9.9.9"],
          host_routes: [{ destination: "0.0.0.0/0", nexthop: "10.11.0.254" }],
          enable_dhcp: false,
        },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const body = updated.body.subnet as Item;
      assert.equal(body.name, "renamed");
      assert.equal(body.gateway_ip, "10.11.0.254");
      assert.deepEqual(body.allocation_pools, [{ start: "10.11.0.10", end: "10.11.0.99" }]);
      assert.deepEqual(body.dns_nameservers, ["9.9.9.9"]);
      assert.equal(body.enable_dhcp, false);
      assert.equal(body.revision_number, 1);
      const readOnly = await api.call(ALICE, "PUT", `/v2.0/subnets/${created.id}`, {
        subnet: { cidr: "10.12.0.0/24" },
      });
      assert.equal(readOnly.status, 400);
      assert.equal(readOnly.body.NeutronError?.message, "Cannot update read-only attribute cidr");
      const conflict = await api.call(ALICE, "PUT", `/v2.0/subnets/${created.id}`, {
        subnet: { gateway_ip: "10.11.0.50" },
      });
      assert.equal(conflict.status, 409);
    });

    it("rejects a subnet on another project's network", async () => {
      const bobs = await network(BOB);
      const rejected = await createSubnet({
        network_id: bobs.id,
        cidr: "10.13.0.0/24",
        ip_version: 4,
      });
      assert.equal(rejected.status, 404);
      assert.equal(rejected.body.NeutronError?.type, "NetworkNotFound");
    });

    it("requires a prefix or a pool", async () => {
      const net = await network();
      const missing = await createSubnet({ network_id: net.id, ip_version: 4 });
      assert.equal(missing.status, 400);
      assert.equal(
        missing.body.NeutronError?.message,
        "Bad subnets request: a subnetpool must be specified in the absence of a cidr.",
      );
      const noVersion = await createSubnet({ network_id: net.id, cidr: "10.14.0.0/24" });
      assert.equal(noVersion.status, 400);
      assert.equal(
        noVersion.body.NeutronError?.message,
        "Failed to parse request. Required attribute 'ip_version' not specified",
      );
    });

    it("filters subnets by attributes", async () => {
      const net = await network();
      await subnet({ network_id: net.id, cidr: "10.15.0.0/24", ip_version: 4, name: "f1" });
      await subnet({ network_id: net.id, cidr: "fd00:15::/64", ip_version: 6, name: "f2" });
      const v6 = await api.call(ALICE, "GET", `/v2.0/subnets?network_id=${net.id}&ip_version=6`);
      assert.deepEqual(
        (v6.body.subnets as Item[]).map((item) => item.name),
        ["f2"],
      );
      const byCidr = await api.call(ALICE, "GET", "/v2.0/subnets?cidr=fd00:0015::/64");
      assert.equal((byCidr.body.subnets as Item[]).length, 1);
      const either = await api.call(
        ALICE,
        "GET",
        `/v2.0/subnets?name=f1&name=f2&network_id=${net.id}`,
      );
      assert.equal((either.body.subnets as Item[]).length, 2);
    });
  });
}
