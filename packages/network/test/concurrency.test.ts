import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import type { NetworkDatabase } from "../src/index.js";
import { ADMIN, ALICE, callApi, type NetworkHarness, startNetwork } from "./support/harness.js";
import { type ServiceProcess, startServiceProcess } from "./support/processes.js";

const PARALLEL_PORTS = 200;
/** Addresses of a /24 that ports can get: 256 minus network, broadcast and gateway. */
const POOL_SIZE = 253;

for (const dialect of testDialects()) {
  describe(`IPAM under concurrency (${dialect})`, { timeout: 300_000 }, () => {
    let database: TestDatabase;
    let harness: NetworkHarness;
    let others: ServiceProcess[] = [];
    let networkId: string;
    let subnetId: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      harness = await startNetwork(dialect, {}, { database });
      others = await Promise.all([
        startServiceProcess(database.url),
        startServiceProcess(database.url),
      ]);
      const network = await harness.call(ALICE, "POST", "/v2.0/networks", {
        network: { name: "crowded" },
      });
      networkId = (network.body.network as { id: string }).id;
      const subnet = await harness.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: networkId, cidr: "10.55.0.0/24", ip_version: 4 },
      });
      assert.equal(subnet.status, 201);
      subnetId = (subnet.body.subnet as { id: string }).id;
    });

    after(async () => {
      await Promise.all(others.map((process) => process.stop()));
      await harness.close();
      await database.drop();
    });

    it("gives 200 parallel ports distinct addresses", async () => {
      const urls = [harness.url, ...others.map((process) => process.url)];
      const responses = await Promise.all(
        Array.from({ length: PARALLEL_PORTS }, (_unused, index) =>
          callApi(urls[index % urls.length] as string, ALICE, "POST", "/v2.0/ports", {
            port: { network_id: networkId, name: `p${index}` },
          }),
        ),
      );
      const failures = responses.filter((response) => response.status !== 201);
      assert.deepEqual(
        failures.map((response) => response.body),
        [],
        "every parallel port is created",
      );
      const addresses = responses.map(
        (response) =>
          (response.body.port as { fixed_ips: { ip_address: string }[] }).fixed_ips[0]?.ip_address,
      );
      assert.equal(new Set(addresses).size, PARALLEL_PORTS);
      for (const address of addresses) {
        const last = Number((address as string).split(".")[3]);
        assert.ok(last >= 2, `${address} is above the gateway`);
        assert.ok(last <= 254, `${address} is below the broadcast address`);
      }
    });

    it("fills the /24 and rejects the next address", async () => {
      const remaining = POOL_SIZE - PARALLEL_PORTS;
      const responses = await Promise.all(
        Array.from({ length: remaining }, () =>
          harness.call(ALICE, "POST", "/v2.0/ports", { port: { network_id: networkId } }),
        ),
      );
      assert.deepEqual(
        responses.filter((response) => response.status !== 201).map((response) => response.body),
        [],
      );
      const rejected = await harness.call(ALICE, "POST", "/v2.0/ports", {
        port: { network_id: networkId },
      });
      assert.equal(rejected.status, 409);
      assert.equal(rejected.body.NeutronError?.type, "IpAddressGenerationFailure");
      assert.equal(
        rejected.body.NeutronError?.message,
        `No more IP addresses available on network ${networkId}.`,
      );
    });

    it("stores exactly one row per address", async () => {
      const opened = openDatabase<NetworkDatabase>(database.url);
      try {
        const rows = await opened.db
          .selectFrom("net_ip_allocations")
          .select("ip_address")
          .where("subnet_id", "=", subnetId)
          .execute();
        assert.equal(rows.length, POOL_SIZE);
        assert.equal(new Set(rows.map((row) => row.ip_address)).size, POOL_SIZE);
      } finally {
        await opened.close();
      }
      const ports = await harness.call(ADMIN, "GET", `/v2.0/ports?network_id=${networkId}`);
      assert.equal((ports.body.ports as unknown[]).length, POOL_SIZE);
    });
  });
}
