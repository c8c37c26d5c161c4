import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Network = Record<string, unknown> & { id: string };

for (const dialect of testDialects()) {
  describe(`networks (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function createNetwork(caller = ALICE, body: Record<string, unknown> = {}) {
      const response = await api.call(caller, "POST", "/v2.0/networks", { network: body });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.network as Network;
    }

    it("creates a network with Neutron's defaults", async () => {
      const network = await createNetwork(ALICE, { name: "net-a" });
      assert.equal(network.name, "net-a");
      assert.equal(network.status, "ACTIVE");
      assert.equal(network.admin_state_up, true);
      assert.equal(network.shared, false);
      assert.equal(network.mtu, 1500);
      assert.equal(network.port_security_enabled, true);
      assert.equal(network["router:external"], false);
      assert.equal(network.project_id, ALICE.project);
      assert.equal(network.tenant_id, ALICE.project);
      assert.deepEqual(network.subnets, []);
      assert.deepEqual(network.tags, []);
      assert.equal(network.revision_number, 0);
      assert.match(String(network.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it("shows, updates and deletes a network", async () => {
      const network = await createNetwork(ALICE, { name: "before", description: "d1" });
      const shown = await api.call(ALICE, "GET", `/v2.0/networks/${network.id}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body.network, network);

      const updated = await api.call(ALICE, "PUT", `/v2.0/networks/${network.id}`, {
        network: { name: "after", description: "d2", admin_state_up: false },
      });
      assert.equal(updated.status, 200);
      const body = updated.body.network as Network;
      assert.equal(body.name, "after");
      assert.equal(body.description, "d2");
      assert.equal(body.admin_state_up, false);
      assert.equal(body.revision_number, 1);

      const deleted = await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`);
      assert.equal(deleted.status, 204);
      const gone = await api.call(ALICE, "GET", `/v2.0/networks/${network.id}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, {
        NeutronError: {
          type: "NetworkNotFound",
          message: `Network ${network.id} could not be found.`,
          detail: "",
        },
      });
    });

    it("creates networks in bulk", async () => {
      const response = await api.call(ALICE, "POST", "/v2.0/networks", {
        networks: [{ name: "bulk-1" }, { name: "bulk-2" }],
      });
      assert.equal(response.status, 201);
      const networks = response.body.networks as Network[];
      assert.deepEqual(
        networks.map((network) => network.name),
        ["bulk-1", "bulk-2"],
      );
    });

    it("hides other projects' networks", async () => {
      const network = await createNetwork(ALICE, { name: "private" });
      const show = await api.call(BOB, "GET", `/v2.0/networks/${network.id}`);
      assert.equal(show.status, 404);
      const list = await api.call(BOB, "GET", "/v2.0/networks");
      const ids = (list.body.networks as Network[]).map((item) => item.id);
      assert.ok(!ids.includes(network.id));
      const update = await api.call(BOB, "PUT", `/v2.0/networks/${network.id}`, {
        network: { name: "stolen" },
      });
      assert.equal(update.status, 404);
      const remove = await api.call(BOB, "DELETE", `/v2.0/networks/${network.id}`);
      assert.equal(remove.status, 404);
      const admin = await api.call(ADMIN, "GET", `/v2.0/networks/${network.id}`);
      assert.equal(admin.status, 200);
    });

    it("shares networks only when an admin says so", async () => {
      const denied = await api.call(ALICE, "POST", "/v2.0/networks", {
        network: { name: "s", shared: true },
      });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.NeutronError?.type, "PolicyNotAuthorized");
      assert.equal(
        denied.body.NeutronError?.message,
        "(rule:create_network and rule:create_network:shared) is disallowed by policy",
      );
      const shared = await createNetwork(ADMIN, { name: "shared", shared: true });
      const seen = await api.call(BOB, "GET", `/v2.0/networks/${shared.id}`);
      assert.equal(seen.status, 200);
      const update = await api.call(BOB, "PUT", `/v2.0/networks/${shared.id}`, {
        network: { name: "mine" },
      });
      assert.equal(update.status, 403);
    });

    it("lets an admin create a network for another project", async () => {
      const network = await createNetwork(ADMIN, { name: "for-bob", tenant_id: BOB.project });
      assert.equal(network.project_id, BOB.project);
      const denied = await api.call(ALICE, "POST", "/v2.0/networks", {
        network: { project_id: BOB.project },
      });
      assert.equal(denied.status, 400);
      assert.match(
        String(denied.body.NeutronError?.message),
        /requires admin or advsvc privileges/,
      );
      const mismatch = await api.call(ADMIN, "POST", "/v2.0/networks", {
        network: { project_id: BOB.project, tenant_id: ALICE.project },
      });
      assert.equal(mismatch.status, 400);
      assert.equal(
        mismatch.body.NeutronError?.message,
        "'project_id' and 'tenant_id' do not match",
      );
    });

    it("checks the MTU against the maximum", async () => {
      const small = await createNetwork(ADMIN, { mtu: 1400 });
      assert.equal(small.mtu, 1400);
      const big = await api.call(ADMIN, "POST", "/v2.0/networks", { network: { mtu: 9000 } });
      assert.equal(big.status, 400);
      assert.equal(
        big.body.NeutronError?.message,
        "Invalid input for operation: Requested MTU is too big, maximum is 1500.",
      );
    });

    it("rejects unsharing a network other projects use", async () => {
      const network = await createNetwork(ADMIN, { name: "common", shared: true });
      const subnet = await api.call(BOB, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "10.77.0.0/24", ip_version: 4 },
      });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      const unshare = await api.call(ADMIN, "PUT", `/v2.0/networks/${network.id}`, {
        network: { shared: false },
      });
      assert.equal(unshare.status, 409);
      assert.equal(unshare.body.NeutronError?.type, "InvalidSharedSetting");
    });

    it("deletes a network with its subnets but not with ports", async () => {
      const network = await createNetwork(ALICE, { name: "with-port" });
      const subnet = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "10.78.0.0/24", ip_version: 4 },
      });
      const subnetId = (subnet.body.subnet as Network).id;
      const port = await api.call(ALICE, "POST", "/v2.0/ports", {
        port: { network_id: network.id },
      });
      const portId = (port.body.port as Network).id;
      const rejected = await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`);
      assert.equal(rejected.status, 409);
      assert.equal(rejected.body.NeutronError?.type, "NetworkInUse");
      assert.match(
        String(rejected.body.NeutronError?.message),
        /There are one or more ports still in use on the network/,
      );
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/ports/${portId}`)).status, 204);
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`)).status, 204);
      const subnetGone = await api.call(ALICE, "GET", `/v2.0/subnets/${subnetId}`);
      assert.equal(subnetGone.status, 404);
    });

    it("deletes DHCP ports together with their network", async () => {
      const network = await createNetwork(ADMIN, { name: "dhcp" });
      await api.call(ADMIN, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "10.79.0.0/24", ip_version: 4 },
      });
      const port = await api.call(ADMIN, "POST", "/v2.0/ports", {
        port: { network_id: network.id, device_owner: "network:dhcp" },
      });
      assert.equal(port.status, 201);
      assert.equal((await api.call(ADMIN, "DELETE", `/v2.0/networks/${network.id}`)).status, 204);
      const portId = (port.body.port as Network).id;
      assert.equal((await api.call(ADMIN, "GET", `/v2.0/ports/${portId}`)).status, 404);
    });

    it("shows only the requested fields", async () => {
      const network = await createNetwork(ALICE, { name: "fields" });
      const shown = await api.call(
        ALICE,
        "GET",
        `/v2.0/networks/${network.id}?fields=id&fields=mtu`,
      );
      assert.deepEqual(shown.body.network, { id: network.id, mtu: 1500 });
      const listed = await api.call(ALICE, "GET", "/v2.0/networks?fields=id&fields=name");
      for (const item of listed.body.networks as Network[]) {
        assert.deepEqual(Object.keys(item).sort(), ["id", "name"]);
      }
    });

    it("reads bodies as JSON whatever the content type says", async () => {
      const created = await api.call(
        ALICE,
        "POST",
        "/v2.0/networks",
        JSON.stringify({ network: { name: "typed" } }),
        {
          "content-type": "text/plain",
        },
      );
      assert.equal(created.status, 201);
      const id = (created.body.network as Network).id;
      const deleted = await api.call(ALICE, "DELETE", `/v2.0/networks/${id}`, undefined, {
        "content-type": "application/json",
      });
      assert.equal(deleted.status, 204);
    });

    it("accepts the .json suffix", async () => {
      const network = await createNetwork(ALICE, { name: "suffix" });
      const shown = await api.call(ALICE, "GET", `/v2.0/networks/${network.id}.json`);
      assert.equal(shown.status, 200);
      const listed = await api.call(ALICE, "GET", "/v2.0/networks.json");
      assert.equal(listed.status, 200);
    });
  });
}
