import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { testDialects } from "@openstack-ts/kernel/testing";
import type { ChangeEvent } from "../src/index.js";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };
type Port = Item & { fixed_ips: { subnet_id: string; ip_address: string }[] };

for (const dialect of testDialects()) {
  describe(`floating IPs (${dialect})`, () => {
    let api: NetworkHarness;
    let external: Item;
    let internal: Item;
    let internalSubnet: Item;
    let router: Item;
    const events: ChangeEvent[] = [];

    before(async () => {
      api = await startNetwork(dialect);
      await api.bus.subscribe("network.floatingip.#", async (body) => {
        events.push(body as ChangeEvent);
      });
      external = (
        await api.call(ADMIN, "POST", "/v2.0/networks", {
          network: { name: "public", "router:external": true },
        })
      ).body.network as Item;
      await api.call(ADMIN, "POST", "/v2.0/subnets", {
        subnet: { network_id: external.id, cidr: "172.24.8.0/24", ip_version: 4 },
      });
      internal = (await api.call(ALICE, "POST", "/v2.0/networks", { network: {} })).body
        .network as Item;
      internalSubnet = (
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { network_id: internal.id, cidr: "10.50.0.0/24", ip_version: 4 },
        })
      ).body.subnet as Item;
      router = (
        await api.call(ALICE, "POST", "/v2.0/routers", {
          router: { external_gateway_info: { network_id: external.id } },
        })
      ).body.router as Item;
      const added = await api.call(
        ALICE,
        "PUT",
        `/v2.0/routers/${router.id}/add_router_interface`,
        { subnet_id: internalSubnet.id },
      );
      assert.equal(added.status, 200, JSON.stringify(added.body));
    });
    after(async () => {
      await api.close();
    });

    async function port(): Promise<Port> {
      const created = await api.call(ALICE, "POST", "/v2.0/ports", {
        port: { network_id: internal.id },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.port as Port;
    }

    async function floatingIp(body: Record<string, unknown>, caller = ALICE) {
      return api.call(caller, "POST", "/v2.0/floatingips", {
        floatingip: { floating_network_id: external.id, ...body },
      });
    }

    it("creates, associates, moves, clears and deletes a floating IP", async () => {
      const first = await port();
      const second = await port();
      const created = await floatingIp({ port_id: first.id });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const fip = created.body.floatingip as Item;
      assert.match(String(fip.floating_ip_address), /^172\.24\.8\./);
      assert.equal(fip.floating_network_id, external.id);
      assert.equal(fip.port_id, first.id);
      assert.equal(fip.fixed_ip_address, first.fixed_ips[0]?.ip_address);
      assert.equal(fip.router_id, router.id);
      assert.equal(fip.status, "ACTIVE");
      assert.equal(fip.project_id, ALICE.project);
      assert.equal("subnet_id" in fip, false, "subnet_id is input only");

      const shown = await api.call(ALICE, "GET", `/v2.0/floatingips/${fip.id}`);
      assert.deepEqual(shown.body.floatingip, fip);
      assert.equal((await api.call(BOB, "GET", `/v2.0/floatingips/${fip.id}`)).status, 404);
      const byPort = await api.call(ALICE, "GET", `/v2.0/floatingips?port_id=${first.id}`);
      assert.deepEqual(
        (byPort.body.floatingips as Item[]).map((item) => item.id),
        [fip.id],
      );

      const moved = await api.call(ALICE, "PUT", `/v2.0/floatingips/${fip.id}`, {
        floatingip: { port_id: second.id },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal((moved.body.floatingip as Item).port_id, second.id);
      assert.equal(
        (moved.body.floatingip as Item).fixed_ip_address,
        second.fixed_ips[0]?.ip_address,
      );
      const cleared = await api.call(ALICE, "PUT", `/v2.0/floatingips/${fip.id}`, {
        floatingip: { port_id: null },
      });
      const clearedIp = cleared.body.floatingip as Item;
      assert.equal(clearedIp.port_id, null);
      assert.equal(clearedIp.fixed_ip_address, null);
      assert.equal(clearedIp.router_id, null);
      assert.equal(clearedIp.status, "DOWN");

      const floatingPort = await api.call(
        ADMIN,
        "GET",
        `/v2.0/ports?device_owner=network:floatingip&device_id=${fip.id}`,
      );
      const [reserved] = floatingPort.body.ports as Port[];
      assert.equal(reserved?.fixed_ips[0]?.ip_address, fip.floating_ip_address);
      const direct = await api.call(ADMIN, "DELETE", `/v2.0/ports/${String(reserved?.id)}`);
      assert.equal(direct.status, 409);
      assert.equal(direct.body.NeutronError?.type, "ServicePortInUse");

      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/floatingips/${fip.id}`)).status, 204);
      assert.equal(
        (await api.call(ADMIN, "GET", `/v2.0/ports/${String(reserved?.id)}`)).status,
        404,
      );
      const gone = await api.call(ALICE, "GET", `/v2.0/floatingips/${fip.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError?.message, `Floating IP ${fip.id} could not be found`);
    });

    it("loses its association when the port goes", async () => {
      const target = await port();
      const fip = (await floatingIp({ port_id: target.id })).body.floatingip as Item;
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/ports/${target.id}`)).status, 204);
      const shown = (await api.call(ALICE, "GET", `/v2.0/floatingips/${fip.id}`)).body
        .floatingip as Item;
      assert.equal(shown.port_id, null);
      assert.equal(shown.fixed_ip_address, null);
      assert.equal(shown.router_id, null);
      const announced = (event: ChangeEvent) =>
        event.event_type === "floatingip.update.end" && event.resource_id === fip.id;
      for (let waited = 0; waited < 100 && !events.some(announced); waited += 1) {
        await sleep(50);
      }
      const event = events.find(announced);
      assert.ok(event, "the disassociation is announced");
      assert.equal((event.payload.floatingip as Item).port_id, null);
    });

    it("keeps the router's gateway and interface in use", async () => {
      const target = await port();
      const fip = (await floatingIp({ port_id: target.id })).body.floatingip as Item;
      const clear = await api.call(ALICE, "PUT", `/v2.0/routers/${router.id}`, {
        router: { external_gateway_info: {} },
      });
      assert.equal(clear.status, 409);
      assert.equal(clear.body.NeutronError?.type, "RouterExternalGatewayInUseByFloatingIp");
      const detach = await api.call(
        ALICE,
        "PUT",
        `/v2.0/routers/${router.id}/remove_router_interface`,
        { subnet_id: internalSubnet.id },
      );
      assert.equal(detach.status, 409);
      assert.equal(detach.body.NeutronError?.type, "RouterInterfaceInUseByFloatingIP");
      await api.call(ALICE, "DELETE", `/v2.0/floatingips/${fip.id}`);
    });

    it("rejects what Neutron rejects", async () => {
      const target = await port();
      const internalNet = await floatingIp({ floating_network_id: internal.id });
      assert.equal(internalNet.status, 400);
      assert.equal(
        internalNet.body.NeutronError?.message,
        `Bad floatingip request: Network ${internal.id} is not a valid external network.`,
      );
      const missing = await floatingIp({ floating_network_id: target.id });
      assert.equal(missing.status, 404);
      const noPort = await floatingIp({ fixed_ip_address: "10.50.0.5" });
      assert.equal(noPort.status, 400);
      assert.equal(
        noPort.body.NeutronError?.message,
        "Bad floatingip request: fixed_ip_address cannot be specified without a port_id.",
      );
      const wrongAddress = await floatingIp({
        port_id: target.id,
        fixed_ip_address: "10.50.0.250",
      });
      assert.equal(wrongAddress.status, 400);
      assert.equal(
        wrongAddress.body.NeutronError?.message,
        `Bad floatingip request: Port ${target.id} does not have fixed ip 10.50.0.250.`,
      );
      const address = await floatingIp({ floating_ip_address: "172.24.8.77" });
      assert.equal(address.status, 403, "choosing the address is for admins");
      const chosen = await floatingIp({ floating_ip_address: "172.24.8.77" }, ADMIN);
      assert.equal(chosen.status, 201);
      assert.equal((chosen.body.floatingip as Item).floating_ip_address, "172.24.8.77");
      const taken = await api.call(ADMIN, "POST", "/v2.0/ports", {
        port: { network_id: external.id, fixed_ips: [{ ip_address: "172.24.8.77" }] },
      });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.NeutronError?.type, "IpAddressAlreadyAllocated");

      const lonely = (await api.call(BOB, "POST", "/v2.0/networks", { network: {} })).body
        .network as Item;
      await api.call(BOB, "POST", "/v2.0/subnets", {
        subnet: { network_id: lonely.id, cidr: "10.51.0.0/24", ip_version: 4 },
      });
      const bobPort = (
        await api.call(BOB, "POST", "/v2.0/ports", { port: { network_id: lonely.id } })
      ).body.port as Port;
      const unreachable = await floatingIp({ port_id: bobPort.id }, BOB);
      assert.equal(unreachable.status, 404);
      assert.equal(unreachable.body.NeutronError?.type, "ExternalGatewayForFloatingIPNotFound");
      const bobs = await api.call(BOB, "GET", "/v2.0/floatingips");
      assert.deepEqual(bobs.body.floatingips, [], "a failed create leaves nothing behind");

      const fip = (await floatingIp({ port_id: target.id })).body.floatingip as Item;
      const again = await floatingIp({ port_id: target.id });
      assert.equal(again.status, 409);
      assert.equal(again.body.NeutronError?.type, "FloatingIPPortAlreadyAssociated");
      await api.call(ALICE, "DELETE", `/v2.0/floatingips/${fip.id}`);
    });

    it("goes with its external network when unassociated", async () => {
      const network = (
        await api.call(ADMIN, "POST", "/v2.0/networks", {
          network: { "router:external": true },
        })
      ).body.network as Item;
      await api.call(ADMIN, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "172.25.0.0/24", ip_version: 4 },
      });
      const created = await api.call(ADMIN, "POST", "/v2.0/floatingips", {
        floatingip: { floating_network_id: network.id },
      });
      const fip = created.body.floatingip as Item;
      assert.equal((await api.call(ADMIN, "DELETE", `/v2.0/networks/${network.id}`)).status, 204);
      assert.equal((await api.call(ADMIN, "GET", `/v2.0/floatingips/${fip.id}`)).status, 404);
    });

    it("counts against the floatingip quota", async () => {
      const project = { project: "fip-quota", roles: "member" };
      await api.call(ADMIN, "PUT", `/v2.0/quotas/${project.project}`, { quota: { floatingip: 0 } });
      const rejected = await floatingIp({}, project);
      assert.equal(rejected.status, 409);
      assert.equal(rejected.body.NeutronError?.type, "OverQuota");
    });
  });
}
