import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { testDialects } from "@openstack-ts/kernel/testing";
import type { ChangeEvent } from "../src/index.js";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };
type Port = Item & { fixed_ips: { subnet_id: string; ip_address: string }[] };
type Gateway = {
  network_id: string;
  enable_snat: boolean;
  external_fixed_ips: { subnet_id: string; ip_address: string }[];
} | null;

for (const dialect of testDialects()) {
  describe(`routers (${dialect})`, () => {
    let api: NetworkHarness;
    let external: Item;
    let externalSubnet: Item;
    const events: ChangeEvent[] = [];

    before(async () => {
      api = await startNetwork(dialect);
      // The suite keeps some of its routers, more than the default quota of ten.
      await api.call(ADMIN, "PUT", `/v2.0/quotas/${ALICE.project}`, { quota: { router: 50 } });
      await api.bus.subscribe("network.#", async (body) => {
        events.push(body as ChangeEvent);
      });
      external = (
        await api.call(ADMIN, "POST", "/v2.0/networks", {
          network: { name: "public", "router:external": true },
        })
      ).body.network as Item;
      externalSubnet = (
        await api.call(ADMIN, "POST", "/v2.0/subnets", {
          subnet: { network_id: external.id, cidr: "172.24.4.0/24", ip_version: 4 },
        })
      ).body.subnet as Item;
    });
    after(async () => {
      await api.close();
    });

    async function router(body: Record<string, unknown> = {}, caller = ALICE): Promise<Item> {
      const response = await api.call(caller, "POST", "/v2.0/routers", { router: body });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.router as Item;
    }

    async function networkWithSubnet(cidr: string, caller = ALICE, subnet = {}) {
      const net = (await api.call(caller, "POST", "/v2.0/networks", { network: {} })).body
        .network as Item;
      const created = await api.call(caller, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, cidr, ip_version: cidr.includes(":") ? 6 : 4, ...subnet },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { network: net, subnet: created.body.subnet as Item };
    }

    function action(id: string, name: string, body: unknown, caller = ALICE) {
      return api.call(caller, "PUT", `/v2.0/routers/${id}/${name}`, body);
    }

    it("creates, shows, lists, updates and deletes a router", async () => {
      const created = await router({ name: "r1", admin_state_up: false });
      assert.equal(created.name, "r1");
      assert.equal(created.admin_state_up, false);
      assert.equal(created.status, "ACTIVE");
      assert.equal(created.external_gateway_info, null);
      assert.deepEqual(created.routes, []);
      assert.equal(created.project_id, ALICE.project);
      assert.equal(created.tenant_id, ALICE.project);
      assert.equal(created.revision_number, 0);
      assert.deepEqual(created.tags, []);
      const shown = await api.call(ALICE, "GET", `/v2.0/routers/${created.id}`);
      assert.deepEqual(shown.body.router, created);
      const listed = await api.call(ALICE, "GET", "/v2.0/routers?name=r1");
      assert.deepEqual(
        (listed.body.routers as Item[]).map((item) => item.id),
        [created.id],
      );
      const updated = await api.call(ALICE, "PUT", `/v2.0/routers/${created.id}`, {
        router: { name: "r2", admin_state_up: true },
      });
      assert.equal(updated.status, 200);
      assert.equal((updated.body.router as Item).name, "r2");
      assert.equal((updated.body.router as Item).revision_number, 1);
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/routers/${created.id}`)).status, 204);
      const gone = await api.call(ALICE, "GET", `/v2.0/routers/${created.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError?.type, "RouterNotFound");
      assert.equal(gone.body.NeutronError?.message, `Router ${created.id} could not be found`);
    });

    it("keeps routers within their project", async () => {
      const own = await router({ name: "private" });
      assert.equal((await api.call(BOB, "GET", `/v2.0/routers/${own.id}`)).status, 404);
      const bobs = await api.call(BOB, "GET", "/v2.0/routers");
      assert.ok(!(bobs.body.routers as Item[]).some((item) => item.id === own.id));
      const update = await api.call(BOB, "PUT", `/v2.0/routers/${own.id}`, {
        router: { name: "x" },
      });
      assert.equal(update.status, 404);
      assert.equal((await api.call(BOB, "DELETE", `/v2.0/routers/${own.id}`)).status, 404);
      const attach = await action(own.id, "add_router_interface", { subnet_id: own.id }, BOB);
      assert.equal(attach.status, 404);
      const reader = { project: ALICE.project, roles: "reader" };
      assert.equal((await api.call(reader, "GET", `/v2.0/routers/${own.id}`)).status, 200);
      const admin = await api.call(ADMIN, "GET", `/v2.0/routers/${own.id}`);
      assert.equal(admin.status, 200);
    });

    it("rejects bad input in Neutron's words", async () => {
      const unknown = await api.call(ALICE, "POST", "/v2.0/routers", {
        router: { color: "red" },
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.NeutronError?.message, "Unrecognized attribute(s) 'color'");
      const routes = await api.call(ALICE, "POST", "/v2.0/routers", { router: { routes: [] } });
      assert.equal(routes.status, 400);
      assert.equal(routes.body.NeutronError?.message, "Attribute 'routes' not allowed in POST");
      const noNetwork = await api.call(ALICE, "POST", "/v2.0/routers", {
        router: { external_gateway_info: { enable_snat: false } },
      });
      assert.equal(noNetwork.status, 400);
      assert.match(String(noNetwork.body.NeutronError?.message), /Expected keys: \{'network_id'\}/);
      const badUuid = await api.call(ALICE, "POST", "/v2.0/routers", {
        router: { external_gateway_info: { network_id: "nope" } },
      });
      assert.equal(badUuid.status, 400);
      assert.equal(
        badUuid.body.NeutronError?.message,
        "Invalid input for external_gateway_info. Reason: 'nope' is not a valid UUID.",
      );
      const extra = await api.call(ALICE, "POST", "/v2.0/routers", {
        router: { external_gateway_info: { network_id: external.id, color: 1 } },
      });
      assert.equal(extra.status, 400);
      assert.match(String(extra.body.NeutronError?.message), /Unexpected keys supplied: color/);
      const state = await api.call(ALICE, "POST", "/v2.0/routers", {
        router: { admin_state_up: "maybe" },
      });
      assert.equal(state.status, 400);
      const status = await api.call(ALICE, "GET", "/v2.0/routers?status=ACTIVE");
      assert.equal(status.status, 400);
      const r = await router();
      for (const body of [{}, { subnet_id: "x" }, "text", [1]]) {
        const response = await action(r.id, "add_router_interface", body);
        assert.equal(response.status, 400, JSON.stringify(response.body));
      }
      const both = await action(r.id, "add_router_interface", {
        subnet_id: r.id,
        port_id: r.id,
      });
      assert.equal(
        both.body.NeutronError?.message,
        "Bad router request: Cannot specify both subnet-id and port-id.",
      );
      const missing = await action(r.id, "add_router_interface", {
        subnet_id: "00000000-0000-0000-0000-000000000000",
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError?.type, "SubnetNotFound");
      const nowhere = await action("00000000-0000-0000-0000-000000000000", "add_router_interface", {
        subnet_id: r.id,
      });
      assert.equal(nowhere.status, 404);
      assert.equal(nowhere.body.NeutronError?.type, "RouterNotFound");
      assert.equal((await api.call(ALICE, "GET", `/v2.0/routers/${r.id}`)).status, 200);
    });

    it("attaches and detaches a subnet through a port on its gateway address", async () => {
      const { network, subnet } = await networkWithSubnet("10.40.1.0/24");
      const r = await router({ name: "edge" });
      const added = await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const info = added.body as Record<string, unknown>;
      assert.equal(info.id, r.id);
      assert.equal(info.subnet_id, subnet.id);
      assert.deepEqual(info.subnet_ids, [subnet.id]);
      assert.equal(info.network_id, network.id);
      assert.equal(info.tenant_id, ALICE.project);
      const port = (await api.call(ALICE, "GET", `/v2.0/ports/${String(info.port_id)}`)).body
        .port as Port;
      assert.equal(port.device_id, r.id);
      assert.equal(port.device_owner, "network:router_interface");
      assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: "10.40.1.1" }]);
      const byRouter = await api.call(ALICE, "GET", `/v2.0/ports?device_id=${r.id}`);
      assert.deepEqual(
        (byRouter.body.ports as Item[]).map((item) => item.id),
        [port.id],
      );
      const again = await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      assert.equal(again.status, 400);
      assert.equal(
        again.body.NeutronError?.message,
        `Bad router request: Router already has a port on subnet ${subnet.id}.`,
      );
      const shown = (await api.call(ALICE, "GET", `/v2.0/routers/${r.id}`)).body.router as Item;
      assert.equal(shown.revision_number, 1);

      const deleteSubnet = await api.call(ALICE, "DELETE", `/v2.0/subnets/${subnet.id}`);
      assert.equal(deleteSubnet.status, 409);
      assert.equal(deleteSubnet.body.NeutronError?.type, "SubnetInUse");
      const deleteNetwork = await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`);
      assert.equal(deleteNetwork.status, 409);
      assert.equal(deleteNetwork.body.NeutronError?.type, "NetworkInUse");
      const deletePort = await api.call(ALICE, "DELETE", `/v2.0/ports/${port.id}`);
      assert.equal(deletePort.status, 409);
      assert.equal(
        deletePort.body.NeutronError?.message,
        `Port ${port.id} cannot be deleted directly via the port API: has device owner network:router_interface.`,
      );
      const deleteRouter = await api.call(ALICE, "DELETE", `/v2.0/routers/${r.id}`);
      assert.equal(deleteRouter.status, 409);
      assert.equal(
        deleteRouter.body.NeutronError?.message,
        `Router ${r.id} has ports still attached: ${port.id}`,
      );

      const removed = await action(r.id, "remove_router_interface", { subnet_id: subnet.id });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((removed.body as Item).port_id, port.id);
      assert.equal((await api.call(ALICE, "GET", `/v2.0/ports/${port.id}`)).status, 404);
      const twice = await action(r.id, "remove_router_interface", { subnet_id: subnet.id });
      assert.equal(twice.status, 404);
      assert.equal(twice.body.NeutronError?.type, "RouterInterfaceNotFoundForSubnet");
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/routers/${r.id}`)).status, 204);
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`)).status, 204);
    });

    it("attaches an existing port and refuses one in use", async () => {
      const { network, subnet } = await networkWithSubnet("10.40.2.0/24");
      const r = await router();
      const port = (
        await api.call(ALICE, "POST", "/v2.0/ports", { port: { network_id: network.id } })
      ).body.port as Port;
      const added = await action(r.id, "add_router_interface", { port_id: port.id });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.equal((added.body as Item).port_id, port.id);
      assert.equal((added.body as Item).subnet_id, subnet.id);
      const shown = (await api.call(ALICE, "GET", `/v2.0/ports/${port.id}`)).body.port as Port;
      assert.equal(shown.device_id, r.id);
      assert.equal(shown.device_owner, "network:router_interface");

      const other = await router();
      const inUse = await action(other.id, "add_router_interface", { port_id: port.id });
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError?.type, "PortInUse");
      const mismatch = await action(r.id, "remove_router_interface", {
        port_id: port.id,
        subnet_id: r.id,
      });
      assert.equal(mismatch.status, 400);
      assert.equal(mismatch.body.NeutronError?.type, "SubnetMismatchForPort");
      const notOurs = await action(other.id, "remove_router_interface", { port_id: port.id });
      assert.equal(notOurs.status, 404);
      assert.equal(
        notOurs.body.NeutronError?.message,
        `Router ${other.id} does not have an interface with id ${port.id}`,
      );
      const removed = await action(r.id, "remove_router_interface", { port_id: port.id });
      assert.equal(removed.status, 200);
      assert.equal((await api.call(ALICE, "GET", `/v2.0/ports/${port.id}`)).status, 404);
    });

    it("attaches subnets in parallel one at a time", async () => {
      const r = await router();
      const distinct = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((index) => networkWithSubnet(`10.41.${index}.0/24`)),
      );
      const added = await Promise.all(
        distinct.map(({ subnet }) =>
          action(r.id, "add_router_interface", { subnet_id: subnet.id }),
        ),
      );
      assert.deepEqual(
        added.map((response) => response.status),
        [200, 200, 200, 200, 200, 200],
      );
      const ports = await api.call(ALICE, "GET", `/v2.0/ports?device_id=${r.id}`);
      assert.equal((ports.body.ports as Item[]).length, 6);

      const overlapping = await Promise.all([0, 1, 2].map(() => networkWithSubnet("10.42.0.0/24")));
      const raced = await Promise.all(
        overlapping.map(({ subnet }) =>
          action(r.id, "add_router_interface", { subnet_id: subnet.id }),
        ),
      );
      const statuses = raced.map((response) => response.status).sort();
      assert.deepEqual(statuses, [200, 400, 400], "only one of three overlapping subnets attaches");
    });

    it("rejects overlapping subnets and subnets without a gateway", async () => {
      const first = await networkWithSubnet("10.40.3.0/24");
      const second = await networkWithSubnet("10.40.3.0/25");
      const noGateway = await networkWithSubnet("10.40.4.0/24", ALICE, { gateway_ip: null });
      const r = await router();
      assert.equal(
        (await action(r.id, "add_router_interface", { subnet_id: first.subnet.id })).status,
        200,
      );
      const overlap = await action(r.id, "add_router_interface", {
        subnet_id: second.subnet.id,
      });
      assert.equal(overlap.status, 400);
      assert.equal(
        overlap.body.NeutronError?.message,
        `Bad router request: Cidr 10.40.3.0/25 of subnet ${second.subnet.id} overlaps with cidr 10.40.3.0/24 of subnet ${first.subnet.id}.`,
      );
      const gateway = await action(r.id, "add_router_interface", {
        subnet_id: noGateway.subnet.id,
      });
      assert.equal(gateway.status, 400);
      assert.equal(
        gateway.body.NeutronError?.message,
        "Bad router request: Subnet for router interface must have a gateway IP.",
      );
      const bobs = await networkWithSubnet("10.40.5.0/24", BOB);
      const foreign = await action(r.id, "add_router_interface", { subnet_id: bobs.subnet.id });
      assert.equal(foreign.status, 404, "another project's subnet is invisible");
    });

    it("puts IPv6 subnets of one network on one port", async () => {
      const { network, subnet } = await networkWithSubnet("fd00:40:1::/64");
      const second = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "fd00:40:2::/64", ip_version: 6 },
      });
      const r = await router();
      const one = await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      const two = await action(r.id, "add_router_interface", {
        subnet_id: (second.body.subnet as Item).id,
      });
      assert.equal(two.status, 200, JSON.stringify(two.body));
      assert.equal((two.body as Item).port_id, (one.body as Item).port_id);
      const port = (
        await api.call(ALICE, "GET", `/v2.0/ports/${String((one.body as Item).port_id)}`)
      ).body.port as Port;
      assert.deepEqual(
        port.fixed_ips.map((ip) => ip.ip_address),
        [subnet.gateway_ip, (second.body.subnet as Item).gateway_ip],
      );
      const removed = await action(r.id, "remove_router_interface", { subnet_id: subnet.id });
      assert.equal(removed.status, 200);
      const after = (
        await api.call(ALICE, "GET", `/v2.0/ports/${String((one.body as Item).port_id)}`)
      ).body.port as Port;
      assert.equal(after.fixed_ips.length, 1);
    });

    it("sets, changes and clears the gateway on an external network", async () => {
      const r = await router({ external_gateway_info: { network_id: external.id } });
      const gateway = r.external_gateway_info as Gateway;
      assert.equal(gateway?.network_id, external.id);
      assert.equal(gateway?.enable_snat, true);
      assert.equal(gateway?.external_fixed_ips.length, 1);
      assert.equal(gateway?.external_fixed_ips[0]?.subnet_id, externalSubnet.id);
      const ports = await api.call(
        ADMIN,
        "GET",
        `/v2.0/ports?device_id=${r.id}&device_owner=network:router_gateway`,
      );
      const gatewayPort = (ports.body.ports as Port[])[0] as Port;
      assert.equal(gatewayPort.project_id, "");
      assert.equal(gatewayPort.network_id, external.id);
      const hidden = await api.call(ALICE, "GET", `/v2.0/ports?device_id=${r.id}`);
      assert.deepEqual(hidden.body.ports, [], "the gateway port belongs to no project");

      const snat = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: { network_id: external.id, enable_snat: false } },
      });
      assert.equal(snat.status, 403);
      assert.match(String(snat.body.NeutronError?.message), /enable_snat/);
      const fixed = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: {
          external_gateway_info: {
            network_id: external.id,
            external_fixed_ips: [{ ip_address: "172.24.4.50" }],
          },
        },
      });
      assert.equal(fixed.status, 403);

      const moved = await api.call(ADMIN, "PUT", `/v2.0/routers/${r.id}`, {
        router: {
          external_gateway_info: {
            network_id: external.id,
            enable_snat: false,
            external_fixed_ips: [{ subnet_id: externalSubnet.id, ip_address: "172.24.4.50" }],
          },
        },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.deepEqual((moved.body.router as Item).external_gateway_info, {
        network_id: external.id,
        enable_snat: false,
        external_fixed_ips: [{ subnet_id: externalSubnet.id, ip_address: "172.24.4.50" }],
      });
      const samePort = await api.call(ADMIN, "GET", `/v2.0/ports/${gatewayPort.id}`);
      assert.equal(samePort.status, 200, "a new address keeps the gateway port");

      const deletePort = await api.call(ADMIN, "DELETE", `/v2.0/ports/${gatewayPort.id}`);
      assert.equal(deletePort.status, 409);
      const deleteNetwork = await api.call(ADMIN, "DELETE", `/v2.0/networks/${external.id}`);
      assert.equal(deleteNetwork.status, 409);

      const cleared = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: {} },
      });
      assert.equal(cleared.status, 200);
      assert.equal((cleared.body.router as Item).external_gateway_info, null);
      assert.equal((await api.call(ADMIN, "GET", `/v2.0/ports/${gatewayPort.id}`)).status, 404);

      const used = await api.call(ADMIN, "POST", "/v2.0/routers", {
        router: {
          external_gateway_info: {
            network_id: external.id,
            external_fixed_ips: [{ subnet_id: externalSubnet.id, ip_address: "172.24.4.1" }],
          },
        },
      });
      assert.equal(used.status, 400);
      assert.equal(
        used.body.NeutronError?.message,
        "Bad router request: External IP 172.24.4.1 is the same as the gateway IP.",
      );
      const taken = await api.call(ADMIN, "POST", "/v2.0/ports", {
        port: { network_id: external.id },
      });
      const takenIp = (taken.body.port as Port).fixed_ips[0];
      const conflict = await api.call(ADMIN, "POST", "/v2.0/routers", {
        router: {
          external_gateway_info: { network_id: external.id, external_fixed_ips: [takenIp] },
        },
      });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.NeutronError?.type, "IpAddressAlreadyAllocated");
      const count = await api.call(ADMIN, "GET", "/v2.0/routers");
      assert.ok((count.body.routers as Item[]).every((item) => item.id !== undefined));
    });

    it("rejects gateways on missing and internal networks", async () => {
      const r = await router();
      const missing = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: { network_id: r.id } },
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError?.type, "NetworkNotFound");
      const { network } = await networkWithSubnet("10.40.6.0/24");
      const internal = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: { network_id: network.id } },
      });
      assert.equal(internal.status, 400);
      assert.equal(
        internal.body.NeutronError?.message,
        `Bad router request: Network ${network.id} is not an external network.`,
      );
    });

    it("deletes the gateway port with the router", async () => {
      const r = await router({ external_gateway_info: { network_id: external.id } });
      const ports = await api.call(ADMIN, "GET", `/v2.0/ports?device_id=${r.id}`);
      const [gatewayPort] = ports.body.ports as Port[];
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/routers/${r.id}`)).status, 204);
      assert.equal(
        (await api.call(ADMIN, "GET", `/v2.0/ports/${String(gatewayPort?.id)}`)).status,
        404,
      );
    });

    it("sets extra routes through connected next hops only", async () => {
      const { subnet } = await networkWithSubnet("10.40.7.0/24");
      const r = await router();
      await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      const routes = [
        { destination: "192.168.0.0/24", nexthop: "10.40.7.10" },
        { destination: "192.168.1.0/24", nexthop: "10.40.7.11" },
      ];
      const set = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, { router: { routes } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual((set.body.router as Item).routes, routes);
      const far = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { routes: [{ destination: "192.168.2.0/24", nexthop: "10.99.0.1" }] },
      });
      assert.equal(far.status, 400);
      assert.equal(
        far.body.NeutronError?.message,
        "Invalid format for routes: [{'destination': '192.168.2.0/24', 'nexthop': '10.99.0.1'}], the nexthop is not connected with router",
      );
      const own = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { routes: [{ destination: "192.168.2.0/24", nexthop: "10.40.7.1" }] },
      });
      assert.equal(own.status, 400);
      assert.match(String(own.body.NeutronError?.message), /the nexthop is used by router$/);
      const inUse = await action(r.id, "remove_router_interface", { subnet_id: subnet.id });
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError?.type, "RouterInterfaceInUseByRoute");
      const cleared = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { routes: null },
      });
      assert.deepEqual((cleared.body.router as Item).routes, []);
      assert.equal(
        (await action(r.id, "remove_router_interface", { subnet_id: subnet.id })).status,
        200,
      );
    });

    it("keeps the gateway while a route needs it", async () => {
      const r = await router({ external_gateway_info: { network_id: external.id } });
      const { subnet } = await networkWithSubnet("10.40.9.0/24");
      await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      const routes = [{ destination: "198.51.100.0/24", nexthop: "172.24.4.200" }];
      const set = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, { router: { routes } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const cleared = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: {} },
      });
      assert.equal(cleared.status, 400);
      assert.equal(cleared.body.NeutronError?.type, "InvalidRoutes");
      const shown = (await api.call(ALICE, "GET", `/v2.0/routers/${r.id}`)).body.router as Item;
      assert.equal((shown.external_gateway_info as Gateway)?.network_id, external.id);
      await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, { router: { routes: [] } });
      const removed = await api.call(ALICE, "PUT", `/v2.0/routers/${r.id}`, {
        router: { external_gateway_info: {} },
      });
      assert.equal(removed.status, 200);
    });

    it("takes tags and counts against the router quota", async () => {
      const project = { project: "router-quota", roles: "member" };
      await api.call(ADMIN, "PUT", `/v2.0/quotas/${project.project}`, { quota: { router: 1 } });
      const first = await router({}, project);
      const tagged = await api.call(project, "PUT", `/v2.0/routers/${first.id}/tags/blue`);
      assert.equal(tagged.status, 201);
      const listed = await api.call(project, "GET", "/v2.0/routers?tags=blue");
      assert.deepEqual(
        (listed.body.routers as Item[]).map((item) => item.id),
        [first.id],
      );
      const second = await api.call(project, "POST", "/v2.0/routers", { router: {} });
      assert.equal(second.status, 409);
      assert.equal(second.body.NeutronError?.type, "OverQuota");
    });

    it("announces router and port changes on the bus", async () => {
      const { subnet } = await networkWithSubnet("10.40.8.0/24");
      const r = await router({ name: "announced" });
      const added = await action(r.id, "add_router_interface", { subnet_id: subnet.id });
      await api.call(ALICE, "DELETE", `/v2.0/routers/${r.id}`);
      await action(r.id, "remove_router_interface", { subnet_id: subnet.id });
      await api.call(ALICE, "DELETE", `/v2.0/routers/${r.id}`);
      const portId = (added.body as Item).port_id;
      const wanted = [
        (event: ChangeEvent) =>
          event.event_type === "router.create.end" && event.resource_id === r.id,
        (event: ChangeEvent) =>
          event.event_type === "port.create.end" && event.resource_id === portId,
        (event: ChangeEvent) =>
          event.event_type === "router.update.end" && event.resource_id === r.id,
        (event: ChangeEvent) =>
          event.event_type === "port.delete.end" && event.resource_id === portId,
        (event: ChangeEvent) =>
          event.event_type === "router.delete.end" && event.resource_id === r.id,
      ];
      for (let waited = 0; waited < 100 && !wanted.every((match) => events.some(match)); waited++) {
        await sleep(50);
      }
      for (const match of wanted) {
        assert.ok(events.some(match), events.map((event) => event.event_type).join(", "));
      }
    });

    it("lists the router extensions", async () => {
      const listed = await api.call(ALICE, "GET", "/v2.0/extensions");
      const aliases = (listed.body.extensions as { alias: string }[]).map((item) => item.alias);
      for (const alias of ["router", "ext-gw-mode", "extraroute"]) {
        assert.ok(aliases.includes(alias), alias);
      }
    });
  });
}
