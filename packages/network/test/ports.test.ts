import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };
type Port = Item & {
  fixed_ips: { subnet_id: string; ip_address: string }[];
  security_groups: string[];
  allowed_address_pairs: { ip_address: string; mac_address: string }[];
};

for (const dialect of testDialects()) {
  describe(`ports (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function networkWithSubnet(
      cidr: string,
      caller = ALICE,
      network: Record<string, unknown> = {},
    ) {
      const net = (await api.call(caller, "POST", "/v2.0/networks", { network })).body
        .network as Item;
      const subnet = await api.call(caller, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, cidr, ip_version: cidr.includes(":") ? 6 : 4 },
      });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      return { network: net, subnet: subnet.body.subnet as Item };
    }

    async function createPort(body: Record<string, unknown>, caller = ALICE) {
      return api.call(caller, "POST", "/v2.0/ports", { port: body });
    }

    async function port(body: Record<string, unknown>, caller = ALICE): Promise<Port> {
      const response = await createPort(body, caller);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.port as Port;
    }

    it("creates a port with an address, a MAC and the default group", async () => {
      const { network, subnet } = await networkWithSubnet("10.20.0.0/24");
      const created = await port({ network_id: network.id, name: "p" });
      assert.equal(created.status, "DOWN");
      assert.equal(created.admin_state_up, true);
      assert.match(String(created.mac_address), /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(created.fixed_ips.length, 1);
      assert.equal(created.fixed_ips[0]?.subnet_id, subnet.id);
      assert.equal(created.port_security_enabled, true);
      assert.equal(created.security_groups.length, 1);
      const groups = await api.call(ALICE, "GET", "/v2.0/security-groups?name=default");
      assert.deepEqual(created.security_groups, [(groups.body.security_groups as Item[])[0]?.id]);
      assert.equal(created["binding:vnic_type"], "normal");
      assert.equal(
        created["binding:host_id"],
        undefined,
        "binding details are hidden from members",
      );
      const shown = await api.call(ALICE, "GET", `/v2.0/ports/${created.id}`);
      assert.deepEqual(shown.body.port, created);
    });

    it("takes requested addresses and rejects taken ones", async () => {
      const { network, subnet } = await networkWithSubnet("10.21.0.0/24");
      const created = await port({
        network_id: network.id,
        fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.21.0.50" }],
      });
      assert.deepEqual(created.fixed_ips, [{ subnet_id: subnet.id, ip_address: "10.21.0.50" }]);
      const byAddress = await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.21.0.51" }],
      });
      assert.equal(byAddress.fixed_ips[0]?.subnet_id, subnet.id);

      const taken = await createPort({
        network_id: network.id,
        fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.21.0.50" }],
      });
      assert.equal(taken.status, 409);
      assert.deepEqual(taken.body.NeutronError, {
        type: "IpAddressAlreadyAllocated",
        message: `IP address 10.21.0.50 already allocated in subnet ${subnet.id}`,
        detail: "",
      });

      const outside = await createPort({
        network_id: network.id,
        fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.99.0.5" }],
      });
      assert.equal(outside.status, 400);
      assert.equal(outside.body.NeutronError?.type, "InvalidIpForSubnet");
      const broadcast = await createPort({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.21.0.255" }],
      });
      assert.equal(broadcast.body.NeutronError?.type, "InvalidIpForNetwork");
      const unknownSubnet = await createPort({
        network_id: network.id,
        fixed_ips: [{ subnet_id: "9e6e8b4c-8f27-4c47-9a18-7c4f7c3cf7a1" }],
      });
      assert.equal(unknownSubnet.status, 404);
      assert.equal(unknownSubnet.body.NeutronError?.type, "SubnetNotFound");
    });

    it("releases addresses on delete and on fixed_ips updates", async () => {
      const { network, subnet } = await networkWithSubnet("10.22.0.0/24");
      const first = await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.22.0.10" }],
      });
      assert.equal((await api.call(ALICE, "DELETE", `/v2.0/ports/${first.id}`)).status, 204);
      const again = await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.22.0.10" }],
      });
      const moved = await api.call(ALICE, "PUT", `/v2.0/ports/${again.id}`, {
        port: { fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.22.0.11" }] },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.deepEqual((moved.body.port as Port).fixed_ips, [
        { subnet_id: subnet.id, ip_address: "10.22.0.11" },
      ]);
      const reuse = await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.22.0.10" }],
      });
      assert.equal(reuse.fixed_ips[0]?.ip_address, "10.22.0.10");
      const keep = await api.call(ALICE, "PUT", `/v2.0/ports/${again.id}`, {
        port: { fixed_ips: [{ subnet_id: subnet.id }] },
      });
      assert.deepEqual((keep.body.port as Port).fixed_ips, [
        { subnet_id: subnet.id, ip_address: "10.22.0.11" },
      ]);
    });

    it("gives a port addresses on two subnets and takes one back", async () => {
      const { network, subnet } = await networkWithSubnet("10.23.0.0/24");
      const second = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "10.24.0.0/24", ip_version: 4 },
      });
      const secondId = (second.body.subnet as Item).id;
      const created = await port({
        network_id: network.id,
        fixed_ips: [{ subnet_id: subnet.id }, { subnet_id: secondId }],
      });
      assert.equal(created.fixed_ips.length, 2);
      const one = await api.call(ALICE, "PUT", `/v2.0/ports/${created.id}`, {
        port: { fixed_ips: [{ subnet_id: subnet.id }] },
      });
      assert.equal((one.body.port as Port).fixed_ips.length, 1);
      const two = await api.call(ALICE, "PUT", `/v2.0/ports/${created.id}`, {
        port: { fixed_ips: [{ subnet_id: subnet.id }, { subnet_id: secondId }] },
      });
      assert.equal((two.body.port as Port).fixed_ips.length, 2);
    });

    it("uses a requested MAC and rejects a duplicate on the network", async () => {
      const { network } = await networkWithSubnet("10.25.0.0/24");
      const created = await port({ network_id: network.id, mac_address: "FA-16-3E-AA-BB-CC" });
      assert.equal(created.mac_address, "fa:16:3e:aa:bb:cc");
      const duplicate = await createPort({
        network_id: network.id,
        mac_address: "fa:16:3e:aa:bb:cc",
      });
      assert.equal(duplicate.status, 409);
      assert.deepEqual(duplicate.body.NeutronError, {
        type: "MacAddressInUse",
        message: `Unable to complete operation for network ${network.id}. The mac address fa:16:3e:aa:bb:cc is in use.`,
        detail: "",
      });
      const { network: other } = await networkWithSubnet("10.26.0.0/24");
      await port({ network_id: other.id, mac_address: "fa:16:3e:aa:bb:cc" });
      const invalid = await createPort({
        network_id: network.id,
        mac_address: "00:00:00:00:00:00",
      });
      assert.equal(invalid.status, 400);
      assert.equal(
        invalid.body.NeutronError?.message,
        "Invalid input for mac_address. Reason: '00:00:00:00:00:00' is not a valid MAC address.",
      );
    });

    it("binds ports and reports them ACTIVE", async () => {
      const { network } = await networkWithSubnet("10.27.0.0/24", ADMIN);
      const created = await port(
        { network_id: network.id, "binding:host_id": "compute-1", device_owner: "compute:kuryr" },
        ADMIN,
      );
      assert.equal(created.status, "ACTIVE");
      assert.equal(created["binding:host_id"], "compute-1");
      assert.equal(created["binding:vif_type"], "ovs");
      assert.deepEqual(created["binding:vif_details"], { port_filter: true, connectivity: "l2" });
      assert.deepEqual(created["binding:profile"], {});
      const unbound = await api.call(ADMIN, "PUT", `/v2.0/ports/${created.id}`, {
        port: { "binding:host_id": "" },
      });
      const body = unbound.body.port as Port;
      assert.equal(body.status, "DOWN");
      assert.equal(body["binding:vif_type"], "unbound");
      const down = await api.call(ADMIN, "PUT", `/v2.0/ports/${created.id}`, {
        port: { "binding:host_id": "compute-2", admin_state_up: false },
      });
      assert.equal((down.body.port as Port).status, "DOWN");
      const member = await createPort({ network_id: network.id, "binding:host_id": "x" }, ALICE);
      assert.equal(member.status, 404, "members cannot even see another project's network");
    });

    it("forbids binding to members", async () => {
      const { network } = await networkWithSubnet("10.28.0.0/24");
      const rejected = await createPort({ network_id: network.id, "binding:host_id": "h" });
      assert.equal(rejected.status, 403);
      assert.equal(
        rejected.body.NeutronError?.message,
        "(rule:create_port and rule:create_port:binding:host_id) is disallowed by policy",
      );
    });

    it("applies security groups and port security rules", async () => {
      const { network } = await networkWithSubnet("10.29.0.0/24");
      const group = await api.call(ALICE, "POST", "/v2.0/security-groups", {
        security_group: { name: "web" },
      });
      const groupId = (group.body.security_group as Item).id;
      const withGroup = await port({ network_id: network.id, security_groups: [groupId] });
      assert.deepEqual(withGroup.security_groups, [groupId]);

      const none = await port({ network_id: network.id, security_groups: [] });
      assert.deepEqual(none.security_groups, []);
      const insecure = await port({ network_id: network.id, port_security_enabled: false });
      assert.deepEqual(insecure.security_groups, []);
      assert.equal(insecure.port_security_enabled, false);

      const conflict = await createPort({
        network_id: network.id,
        port_security_enabled: false,
        security_groups: [groupId],
      });
      assert.equal(conflict.status, 400);
      assert.equal(conflict.body.NeutronError?.type, "PortSecurityAndIPRequiredForSecurityGroups");

      const disable = await api.call(ALICE, "PUT", `/v2.0/ports/${withGroup.id}`, {
        port: { port_security_enabled: false },
      });
      assert.equal(disable.status, 409);
      assert.equal(disable.body.NeutronError?.type, "PortSecurityPortHasSecurityGroup");

      const bobsGroup = await api.call(BOB, "POST", "/v2.0/security-groups", {
        security_group: { name: "bobs" },
      });
      const foreign = await createPort({
        network_id: network.id,
        security_groups: [(bobsGroup.body.security_group as Item).id],
      });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.NeutronError?.type, "SecurityGroupNotFound");

      const inUse = await api.call(ALICE, "DELETE", `/v2.0/security-groups/${groupId}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError?.type, "SecurityGroupInUse");
    });

    it("stores allowed address pairs", async () => {
      const { network } = await networkWithSubnet("10.30.0.0/24");
      const created = await port({
        network_id: network.id,
        allowed_address_pairs: [
          { ip_address: "10.30.0.200" },
          { ip_address: "10.31.0.0/24", mac_address: "fa:16:3e:00:00:01" },
        ],
      });
      assert.deepEqual(
        created.allowed_address_pairs.sort((a, b) => a.ip_address.localeCompare(b.ip_address)),
        [
          { ip_address: "10.30.0.200", mac_address: created.mac_address },
          { ip_address: "10.31.0.0/24", mac_address: "fa:16:3e:00:00:01" },
        ],
      );
      const updated = await api.call(ALICE, "PUT", `/v2.0/ports/${created.id}`, {
        port: { allowed_address_pairs: [] },
      });
      assert.deepEqual((updated.body.port as Port).allowed_address_pairs, []);
      const insecure = await createPort({
        network_id: network.id,
        port_security_enabled: false,
        allowed_address_pairs: [{ ip_address: "10.30.0.9" }],
      });
      assert.equal(insecure.status, 409);
      assert.equal(insecure.body.NeutronError?.type, "AddressPairAndPortSecurityRequired");
      const missing = await createPort({
        network_id: network.id,
        allowed_address_pairs: [{ mac_address: "fa:16:3e:00:00:02" }],
      });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.NeutronError?.type, "AllowedAddressPairsMissingIP");
    });

    it("merges extra DHCP options", async () => {
      const { network } = await networkWithSubnet("10.32.0.0/24");
      const created = await port({
        network_id: network.id,
        extra_dhcp_opts: [
          { opt_name: "bootfile-name", opt_value: "pxelinux.0" },
          { opt_name: "tftp-server", opt_value: "10.0.0.1" },
        ],
      });
      assert.equal((created.extra_dhcp_opts as unknown[]).length, 2);
      const updated = await api.call(ALICE, "PUT", `/v2.0/ports/${created.id}`, {
        port: { extra_dhcp_opts: [{ opt_name: "tftp-server", opt_value: null }] },
      });
      assert.deepEqual((updated.body.port as Port).extra_dhcp_opts, [
        { opt_name: "bootfile-name", opt_value: "pxelinux.0", ip_version: 4 },
      ]);
    });

    it("filters ports by address, subnet, device and tags", async () => {
      const { network, subnet } = await networkWithSubnet("10.33.0.0/24");
      const a = await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.33.0.5" }],
        device_id: "dev-a",
        tags: ["t1"],
      });
      await port({
        network_id: network.id,
        fixed_ips: [{ ip_address: "10.33.0.6" }],
        device_id: "dev-b",
      });

      const byIp = await api.call(ALICE, "GET", "/v2.0/ports?fixed_ips=ip_address%3D10.33.0.5");
      assert.deepEqual(
        (byIp.body.ports as Item[]).map((item) => item.id),
        [a.id],
      );
      const bySubnetAndIp = await api.call(
        ALICE,
        "GET",
        `/v2.0/ports?fixed_ips=subnet_id%3D${subnet.id}&fixed_ips=ip_address%3D10.33.0.6`,
      );
      assert.equal((bySubnetAndIp.body.ports as Item[]).length, 1);
      const bySubstring = await api.call(
        ALICE,
        "GET",
        "/v2.0/ports?fixed_ips=ip_address_substr%3D10.33.0.",
      );
      assert.equal((bySubstring.body.ports as Item[]).length, 2);

      const byDevice = await api.call(ALICE, "GET", "/v2.0/ports?device_id=dev-b");
      assert.equal((byDevice.body.ports as Item[]).length, 1);
      const byTag = await api.call(ALICE, "GET", "/v2.0/ports?tags=t1");
      assert.deepEqual(
        (byTag.body.ports as Item[]).map((item) => item.id),
        [a.id],
      );
      const byMac = await api.call(
        ALICE,
        "GET",
        `/v2.0/ports?mac_address=${String(a.mac_address).toUpperCase()}`,
      );
      assert.equal((byMac.body.ports as Item[]).length, 1);
    });

    it("lets projects use shared networks but not their addresses", async () => {
      const { network, subnet } = await networkWithSubnet("10.34.0.0/24", ADMIN, { shared: true });
      const created = await port({ network_id: network.id }, BOB);
      assert.equal(created.project_id, BOB.project);
      const bySubnet = await createPort(
        { network_id: network.id, fixed_ips: [{ subnet_id: subnet.id }] },
        BOB,
      );
      assert.equal(bySubnet.status, 201);
      const byAddress = await createPort(
        { network_id: network.id, fixed_ips: [{ subnet_id: subnet.id, ip_address: "10.34.0.9" }] },
        BOB,
      );
      assert.equal(byAddress.status, 403);
      const { network: alices } = await networkWithSubnet("10.35.0.0/24");
      const foreign = await createPort({ network_id: alices.id }, BOB);
      assert.equal(foreign.status, 404);
      const ownerSees = await api.call(ADMIN, "GET", `/v2.0/ports?network_id=${network.id}`);
      assert.equal((ownerSees.body.ports as Item[]).length, 2);
    });

    it("creates ports in bulk, all or nothing", async () => {
      const { network } = await networkWithSubnet("10.36.0.0/24");
      const bulk = await api.call(ALICE, "POST", "/v2.0/ports", {
        ports: [
          { network_id: network.id, name: "b1" },
          { network_id: network.id, name: "b2", admin_state_up: false },
        ],
      });
      assert.equal(bulk.status, 201);
      assert.equal((bulk.body.ports as Port[]).length, 2);
      const failing = await api.call(ALICE, "POST", "/v2.0/ports", {
        ports: [
          { network_id: network.id, name: "ok", fixed_ips: [{ ip_address: "10.36.0.77" }] },
          { network_id: network.id, name: "bad", fixed_ips: [{ ip_address: "10.36.0.77" }] },
        ],
      });
      assert.equal(failing.status, 409);
      const list = await api.call(ALICE, "GET", "/v2.0/ports?name=ok");
      assert.deepEqual(list.body.ports, []);
    });
  });
}
