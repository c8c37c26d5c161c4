import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Rule = Record<string, unknown> & { id: string };
type Group = Record<string, unknown> & { id: string; security_group_rules: Rule[] };

for (const dialect of testDialects()) {
  describe(`security groups (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function group(name: string, caller = ALICE): Promise<Group> {
      const response = await api.call(caller, "POST", "/v2.0/security-groups", {
        security_group: { name },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.security_group as Group;
    }

    async function createRule(body: Record<string, unknown>, caller = ALICE) {
      return api.call(caller, "POST", "/v2.0/security-group-rules", { security_group_rule: body });
    }

    it("creates a default group with the usual rules on first use", async () => {
      const list = await api.call(ALICE, "GET", "/v2.0/security-groups");
      const groups = list.body.security_groups as Group[];
      const defaults = groups.filter((item) => item.name === "default");
      assert.equal(defaults.length, 1);
      const rules = (defaults[0] as Group).security_group_rules.map((rule) => ({
        direction: rule.direction,
        ethertype: rule.ethertype,
        remote_group_id: rule.remote_group_id,
      }));
      const id = (defaults[0] as Group).id;
      const sorted = (items: typeof rules) =>
        [...items].sort((a, b) =>
          `${a.direction}${a.ethertype}`.localeCompare(`${b.direction}${b.ethertype}`),
        );
      assert.deepEqual(sorted(rules), [
        { direction: "egress", ethertype: "IPv4", remote_group_id: null },
        { direction: "egress", ethertype: "IPv6", remote_group_id: null },
        { direction: "ingress", ethertype: "IPv4", remote_group_id: id },
        { direction: "ingress", ethertype: "IPv6", remote_group_id: id },
      ]);
      const again = await api.call(ALICE, "GET", "/v2.0/security-groups?name=default");
      assert.equal((again.body.security_groups as Group[]).length, 1);
    });

    it("creates one default group under concurrent first use", async () => {
      const caller = { project: "race-project", roles: "member" };
      await Promise.all(
        Array.from({ length: 8 }, () => api.call(caller, "GET", "/v2.0/security-groups")),
      );
      const list = await api.call(caller, "GET", "/v2.0/security-groups?name=default");
      assert.equal((list.body.security_groups as Group[]).length, 1);
    });

    it("protects the default group", async () => {
      const list = await api.call(ALICE, "GET", "/v2.0/security-groups?name=default");
      const id = (list.body.security_groups as Group[])[0]?.id as string;
      const remove = await api.call(ALICE, "DELETE", `/v2.0/security-groups/${id}`);
      assert.equal(remove.status, 409);
      assert.equal(remove.body.NeutronError?.type, "SecurityGroupCannotRemoveDefault");
      const rename = await api.call(ALICE, "PUT", `/v2.0/security-groups/${id}`, {
        security_group: { name: "renamed" },
      });
      assert.equal(rename.status, 409);
      assert.equal(rename.body.NeutronError?.type, "SecurityGroupCannotUpdateDefault");
      const another = await api.call(ALICE, "POST", "/v2.0/security-groups", {
        security_group: { name: "Default" },
      });
      assert.equal(another.status, 409);
      assert.equal(another.body.NeutronError?.type, "SecurityGroupDefaultAlreadyExists");
    });

    it("creates, updates and deletes a group with its rules", async () => {
      const created = await group("web");
      assert.equal(created.security_group_rules.length, 2, "egress IPv4 and IPv6");
      assert.equal(created.stateful, true);
      const updated = await api.call(ALICE, "PUT", `/v2.0/security-groups/${created.id}`, {
        security_group: { name: "web2", description: "front" },
      });
      assert.equal((updated.body.security_group as Group).name, "web2");
      const rule = await createRule({
        security_group_id: created.id,
        direction: "ingress",
        protocol: "tcp",
        port_range_min: 80,
        port_range_max: 80,
      });
      assert.equal(rule.status, 201);
      assert.equal(
        (await api.call(ALICE, "DELETE", `/v2.0/security-groups/${created.id}`)).status,
        204,
      );
      const ruleGone = await api.call(
        ALICE,
        "GET",
        `/v2.0/security-group-rules/${(rule.body.security_group_rule as Rule).id}`,
      );
      assert.equal(ruleGone.status, 404);
      assert.equal(ruleGone.body.NeutronError?.type, "SecurityGroupRuleNotFound");
    });

    it("creates rules and normalizes their values", async () => {
      const created = await group("rules");
      const tcp = await createRule({
        security_group_id: created.id,
        direction: "ingress",
        protocol: "TCP",
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: "10.0.0.5/24",
        ethertype: "ipv4",
      });
      assert.equal(tcp.status, 201, JSON.stringify(tcp.body));
      const rule = tcp.body.security_group_rule as Rule;
      assert.equal(rule.protocol, "tcp");
      assert.equal(rule.ethertype, "IPv4");
      assert.equal(rule.remote_ip_prefix, "10.0.0.5/24");
      assert.equal(rule.normalized_cidr, "10.0.0.0/24");

      const numeric = await createRule({
        security_group_id: created.id,
        direction: "ingress",
        protocol: 17,
      });
      assert.equal((numeric.body.security_group_rule as Rule).protocol, "17");

      const icmp6 = await createRule({
        security_group_id: created.id,
        direction: "ingress",
        protocol: "icmp",
        ethertype: "IPv6",
        port_range_min: 8,
        port_range_max: 0,
      });
      assert.equal((icmp6.body.security_group_rule as Rule).protocol, "ipv6-icmp");

      const full = await createRule({
        security_group_id: created.id,
        direction: "egress",
        protocol: "udp",
        port_range_min: 1,
        port_range_max: 65535,
      });
      assert.equal((full.body.security_group_rule as Rule).port_range_min, null);

      const remote = await group("remote");
      const byGroup = await createRule({
        security_group_id: created.id,
        direction: "ingress",
        remote_group_id: remote.id,
      });
      assert.equal((byGroup.body.security_group_rule as Rule).remote_group_id, remote.id);
    });

    it("rejects duplicate rules", async () => {
      const created = await group("dup");
      const body = {
        security_group_id: created.id,
        direction: "ingress",
        protocol: "tcp",
        port_range_min: 66,
        port_range_max: 67,
      };
      const first = await createRule(body);
      const second = await createRule({ ...body, protocol: "6" });
      assert.equal(second.status, 409);
      assert.deepEqual(second.body.NeutronError, {
        type: "SecurityGroupRuleExists",
        message: `Security group rule already exists. Rule id is ${(first.body.security_group_rule as Rule).id}.`,
        detail: "",
      });
      const everywhere = await createRule({
        security_group_id: created.id,
        direction: "egress",
        remote_ip_prefix: "0.0.0.0/0",
      });
      assert.equal(everywhere.status, 409, "0.0.0.0/0 is the same as no prefix");
    });

    it("validates rules with Neutron's messages", async () => {
      const created = await group("bad");
      const base = { security_group_id: created.id, direction: "ingress" };
      const cases: [Record<string, unknown>, number, string][] = [
        [{ protocol: "bad_protocol_name" }, 400, "SecurityGroupRuleInvalidProtocol"],
        [{ protocol: 256 }, 400, "SecurityGroupRuleInvalidProtocol"],
        [{ protocol: "tcp", ethertype: "bad_ethertype" }, 400, "SecurityGroupRuleInvalidEtherType"],
        [{ protocol: "tcp", remote_ip_prefix: "192.168.1./24" }, 400, "InvalidCIDR"],
        [{ protocol: "tcp", remote_ip_prefix: "192.168.1.1/33" }, 400, "InvalidCIDR"],
        [
          { protocol: "tcp", remote_ip_prefix: "fd00::/64" },
          400,
          "SecurityGroupRuleParameterConflict",
        ],
        [
          { protocol: "tcp", port_range_min: -16, port_range_max: 80 },
          400,
          "SecurityGroupInvalidPortValue",
        ],
        [
          { protocol: "tcp", port_range_min: 80, port_range_max: 79 },
          400,
          "SecurityGroupInvalidPortRange",
        ],
        [
          { protocol: "tcp", port_range_min: null, port_range_max: 6 },
          400,
          "SecurityGroupInvalidPortRange",
        ],
        [
          { protocol: "icmp", port_range_min: 1, port_range_max: 256 },
          400,
          "SecurityGroupInvalidIcmpValue",
        ],
        [
          { protocol: "icmp", port_range_min: null, port_range_max: 6 },
          400,
          "SecurityGroupMissingIcmpType",
        ],
        [{ port_range_min: 80, port_range_max: 80 }, 400, "SecurityGroupProtocolRequiredWithPorts"],
        [
          { protocol: "gre", port_range_min: 80, port_range_max: 80 },
          400,
          "SecurityGroupInvalidProtocolForPort",
        ],
        [
          { protocol: "ipv6-icmp", ethertype: "IPv4" },
          400,
          "SecurityGroupEthertypeConflictWithProtocol",
        ],
        [{ remote_group_id: "bad_group_id" }, 404, "SecurityGroupNotFound"],
        [{ direction: "sideways" }, 400, "HTTPBadRequest"],
      ];
      for (const [extra, status, type] of cases) {
        const response = await createRule({ ...base, ...extra });
        assert.equal(
          response.status,
          status,
          `${JSON.stringify(extra)}: ${JSON.stringify(response.body)}`,
        );
        assert.equal(response.body.NeutronError?.type, type, JSON.stringify(extra));
      }
      const ports = await createRule({
        ...base,
        protocol: "tcp",
        port_range_min: -16,
        port_range_max: 80,
      });
      assert.equal(ports.body.NeutronError?.message, "Invalid value for port -16");
      const both = await createRule({
        ...base,
        protocol: "tcp",
        remote_ip_prefix: "10.0.0.0/8",
        remote_group_id: created.id,
      });
      assert.equal(both.body.NeutronError?.type, "SecurityGroupMultipleRemoteEntites");
      const missingGroup = await createRule({
        security_group_id: "5c2e0d2c-1d2f-4a55-8d52-0f1f3c5e6a7b",
        direction: "ingress",
      });
      assert.equal(missingGroup.status, 404);
    });

    it("keeps groups and rules to their project", async () => {
      const alices = await group("private");
      const show = await api.call(BOB, "GET", `/v2.0/security-groups/${alices.id}`);
      assert.equal(show.status, 404);
      const rule = await createRule({ security_group_id: alices.id, direction: "ingress" }, BOB);
      assert.equal(rule.status, 404);
      const asAdmin = await createRule(
        { security_group_id: alices.id, direction: "ingress", protocol: "udp" },
        ADMIN,
      );
      assert.equal(asAdmin.status, 201, JSON.stringify(asAdmin.body));
      const rules = await api.call(
        ALICE,
        "GET",
        `/v2.0/security-group-rules?security_group_id=${alices.id}`,
      );
      assert.ok((rules.body.security_group_rules as Rule[]).length >= 3);
    });

    it("lets an admin delete another project's default group", async () => {
      const caller = { project: "tmp-project", roles: "member" };
      const list = await api.call(caller, "GET", "/v2.0/security-groups");
      const id = (list.body.security_groups as Group[])[0]?.id as string;
      const removed = await api.call(ADMIN, "DELETE", `/v2.0/security-groups/${id}`);
      assert.equal(removed.status, 204);
      const recreated = await api.call(caller, "GET", "/v2.0/security-groups");
      const next = (recreated.body.security_groups as Group[])[0];
      assert.ok(next !== undefined);
      assert.notEqual(next.id, id);
    });
  });
}
