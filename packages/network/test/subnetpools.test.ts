import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };

for (const dialect of testDialects()) {
  describe(`subnet pools (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function pool(body: Record<string, unknown>, caller = ALICE): Promise<Item> {
      const response = await api.call(caller, "POST", "/v2.0/subnetpools", { subnetpool: body });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.subnetpool as Item;
    }

    async function network(caller = ALICE): Promise<Item> {
      const response = await api.call(caller, "POST", "/v2.0/networks", { network: {} });
      return response.body.network as Item;
    }

    it("creates Kuryr's default pools at start", async () => {
      const kuryr = await api.call(BOB, "GET", "/v2.0/subnetpools?name=kuryr");
      const pools = kuryr.body.subnetpools as Item[];
      assert.equal(pools.length, 1);
      assert.deepEqual(pools[0]?.prefixes, ["10.10.0.0/16"]);
      assert.equal(pools[0]?.default_prefixlen, "24");
      assert.equal(pools[0]?.shared, true);
      const kuryr6 = await api.call(BOB, "GET", "/v2.0/subnetpools?name=kuryr6");
      assert.deepEqual((kuryr6.body.subnetpools as Item[])[0]?.prefixes, ["fd10:10::/48"]);
    });

    it("creates, shows, updates and deletes a pool", async () => {
      const created = await pool({ name: "p1", prefixes: ["192.168.0.0/16", "192.169.0.0/16"] });
      assert.deepEqual(created.prefixes, ["192.168.0.0/15"]);
      assert.equal(created.ip_version, 4);
      assert.equal(created.min_prefixlen, "8");
      assert.equal(created.max_prefixlen, "32");
      assert.equal(created.default_prefixlen, "8");
      assert.equal(created.default_quota, null);
      assert.equal(created.is_default, false);

      const updated = await api.call(ALICE, "PUT", `/v2.0/subnetpools/${created.id}`, {
        subnetpool: {
          name: "p1b",
          prefixes: ["192.168.0.0/15", "10.200.0.0/16"],
          min_prefixlen: 16,
          default_prefixlen: 24,
        },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const body = updated.body.subnetpool as Item;
      assert.equal(body.name, "p1b");
      assert.deepEqual(body.prefixes, ["10.200.0.0/16", "192.168.0.0/15"]);
      assert.equal(body.default_prefixlen, "24");

      const shrink = await api.call(ALICE, "PUT", `/v2.0/subnetpools/${created.id}`, {
        subnetpool: { prefixes: ["10.200.0.0/16"] },
      });
      assert.equal(shrink.status, 400);
      assert.equal(shrink.body.NeutronError?.type, "IllegalSubnetPoolPrefixUpdate");
      assert.equal(
        (await api.call(ALICE, "DELETE", `/v2.0/subnetpools/${created.id}`)).status,
        204,
      );

      const gone = await api.call(ALICE, "GET", `/v2.0/subnetpools/${created.id}`);
      assert.equal(gone.body.NeutronError?.type, "SubnetPoolNotFound");
    });

    it("checks pool settings", async () => {
      const empty = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "e", prefixes: [] },
      });
      assert.equal(empty.body.NeutronError?.type, "EmptySubnetPoolPrefixList");
      const mixed = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "m", prefixes: ["10.0.0.0/8", "fd00::/8"] },
      });
      assert.equal(mixed.body.NeutronError?.type, "PrefixVersionMismatch");
      const bounds = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "b", prefixes: ["10.0.0.0/8"], min_prefixlen: 24, max_prefixlen: 16 },
      });
      assert.equal(bounds.status, 400);
      assert.equal(
        bounds.body.NeutronError?.message,
        "Illegal prefix bounds: min_prefixlen=24, max_prefixlen=16.",
      );
      const noName = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { prefixes: ["10.0.0.0/8"] },
      });
      assert.equal(noName.status, 400);
      const shared = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "s", prefixes: ["10.0.0.0/8"], shared: true },
      });
      assert.equal(shared.status, 403);
    });

    it("allocates subnets by prefix length and by prefix", async () => {
      const created = await pool({
        name: "alloc",
        prefixes: ["10.100.0.0/16"],
        default_prefixlen: 24,
        max_prefixlen: 28,
      });
      const net = await network();
      const first = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, subnetpool_id: created.id, ip_version: 4 },
      });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const firstSubnet = first.body.subnet as Item;
      assert.equal(firstSubnet.cidr, "10.100.0.0/24");
      assert.equal(firstSubnet.gateway_ip, "10.100.0.1");
      assert.equal(firstSubnet.subnetpool_id, created.id);
      assert.deepEqual(firstSubnet.allocation_pools, [
        { start: "10.100.0.2", end: "10.100.0.254" },
      ]);

      const other = await network();
      const second = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: other.id, subnetpool_id: created.id, ip_version: 4, prefixlen: 26 },
      });
      assert.equal((second.body.subnet as Item).cidr, "10.100.1.0/26");

      const third = await network();
      const specific = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: {
          network_id: third.id,
          subnetpool_id: created.id,
          ip_version: 4,
          cidr: "10.100.9.0/24",
        },
      });
      assert.equal((specific.body.subnet as Item).cidr, "10.100.9.0/24");

      const taken = await network();
      const overlap = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: {
          network_id: taken.id,
          subnetpool_id: created.id,
          ip_version: 4,
          cidr: "10.100.0.128/25",
        },
      });
      assert.equal(overlap.status, 409);
      assert.equal(overlap.body.NeutronError?.type, "SubnetAllocationError");

      const tooSmall = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: taken.id, subnetpool_id: created.id, ip_version: 4, prefixlen: 30 },
      });
      assert.equal(tooSmall.status, 400);
      assert.equal(tooSmall.body.NeutronError?.type, "MaxPrefixSubnetAllocationError");

      const inUse = await api.call(ALICE, "DELETE", `/v2.0/subnetpools/${created.id}`);
      assert.equal(inUse.status, 400);
      assert.equal(inUse.body.NeutronError?.type, "SubnetPoolDeleteError");
    });

    it("allocates from the shared Kuryr pool for any project", async () => {
      const kuryr = (
        (await api.call(BOB, "GET", "/v2.0/subnetpools?name=kuryr")).body.subnetpools as Item[]
      )[0] as Item;
      const net = await network(BOB);
      const subnet = await api.call(BOB, "POST", "/v2.0/subnets", {
        subnet: {
          network_id: net.id,
          subnetpool_id: kuryr.id,
          ip_version: 4,
          name: "kuryr-subnet",
        },
      });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      assert.match(String((subnet.body.subnet as Item).cidr), /^10\.10\.\d+\.0\/24$/);
    });

    it("uses the default pool when asked to", async () => {
      const missing = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: (await network()).id, use_default_subnetpool: true, ip_version: 6 },
      });
      assert.equal(missing.status, 400);
      assert.equal(
        missing.body.NeutronError?.message,
        "Bad subnets request: No default subnetpool found for IPv6.",
      );
      const defaultPool = await pool(
        {
          name: "default6",
          prefixes: ["fd77::/48"],
          is_default: true,
          shared: true,
          default_prefixlen: 64,
        },
        ADMIN,
      );
      const second = await api.call(ADMIN, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "again", prefixes: ["fd78::/48"], is_default: true },
      });
      assert.equal(second.status, 400);
      const created = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: (await network()).id, use_default_subnetpool: true, ip_version: 6 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((created.body.subnet as Item).subnetpool_id, defaultPool.id);
      assert.equal((created.body.subnet as Item).cidr, "fd77::/64");
    });

    it("enforces the pool's per-project quota", async () => {
      const limited = await pool({
        name: "quota",
        prefixes: ["10.150.0.0/16"],
        default_quota: 512,
        default_prefixlen: 24,
      });
      for (let index = 0; index < 2; index += 1) {
        const created = await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { network_id: (await network()).id, subnetpool_id: limited.id, ip_version: 4 },
        });
        assert.equal(created.status, 201);
      }
      const over = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: (await network()).id, subnetpool_id: limited.id, ip_version: 4 },
      });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError?.type, "SubnetPoolQuotaExceeded");
    });

    it("rejects mixing pools of one IP version on a network", async () => {
      const first = await pool({ name: "a", prefixes: ["10.160.0.0/16"], default_prefixlen: 24 });
      const second = await pool({ name: "b", prefixes: ["10.161.0.0/16"], default_prefixlen: 24 });
      const net = await network();
      await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, subnetpool_id: first.id, ip_version: 4 },
      });
      const mixed = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, subnetpool_id: second.id, ip_version: 4 },
      });
      assert.equal(mixed.status, 400);
      assert.equal(mixed.body.NeutronError?.type, "NetworkSubnetPoolAffinityError");
    });
  });
}
