import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ADMIN, ALICE, BOB, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };

for (const dialect of testDialects()) {
  describe(`tags (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    async function network(name: string): Promise<Item> {
      return (await api.call(ALICE, "POST", "/v2.0/networks", { network: { name } })).body
        .network as Item;
    }

    it("adds, checks, replaces and removes tags", async () => {
      const net = await network("tagged");
      const base = `/v2.0/networks/${net.id}/tags`;
      assert.equal((await api.call(ALICE, "PUT", `${base}/red`)).status, 201);
      assert.equal((await api.call(ALICE, "PUT", `${base}/red`)).status, 201);
      assert.equal((await api.call(ALICE, "GET", `${base}/red`)).status, 204);
      const missing = await api.call(ALICE, "GET", `${base}/blue`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError?.message, "Tag blue could not be found.");
      const listed = await api.call(ALICE, "GET", base);
      assert.deepEqual(listed.body, { tags: ["red"] });
      const replaced = await api.call(ALICE, "PUT", base, { tags: ["a", "b", "c"] });
      assert.equal(replaced.status, 200);
      assert.deepEqual(replaced.body, { tags: ["a", "b", "c"] });
      const shown = await api.call(ALICE, "GET", `/v2.0/networks/${net.id}`);
      assert.deepEqual((shown.body.network as Item).tags, ["a", "b", "c"]);
      assert.ok(((shown.body.network as Item).revision_number as number) >= 2);
      assert.equal((await api.call(ALICE, "DELETE", `${base}/a`)).status, 204);
      assert.equal((await api.call(ALICE, "DELETE", `${base}/a`)).status, 404);
      assert.equal((await api.call(ALICE, "DELETE", base)).status, 204);
      assert.deepEqual((await api.call(ALICE, "GET", base)).body, { tags: [] });
    });

    it("tags every taggable resource", async () => {
      const net = await network("all");
      const subnet = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: net.id, cidr: "10.40.0.0/24", ip_version: 4 },
      });
      const port = await api.call(ALICE, "POST", "/v2.0/ports", { port: { network_id: net.id } });
      const pool = await api.call(ALICE, "POST", "/v2.0/subnetpools", {
        subnetpool: { name: "tp", prefixes: ["10.41.0.0/16"] },
      });
      const group = await api.call(ALICE, "POST", "/v2.0/security-groups", {
        security_group: { name: "tg" },
      });
      const targets = [
        `/v2.0/subnets/${(subnet.body.subnet as Item).id}`,
        `/v2.0/ports/${(port.body.port as Item).id}`,
        `/v2.0/subnetpools/${(pool.body.subnetpool as Item).id}`,
        `/v2.0/security-groups/${(group.body.security_group as Item).id}`,
      ];
      for (const target of targets) {
        assert.equal((await api.call(ALICE, "PUT", `${target}/tags/x`)).status, 201, target);
        assert.deepEqual((await api.call(ALICE, "GET", `${target}/tags`)).body, { tags: ["x"] });
      }
    });

    it("filters lists with tags, tags-any, not-tags and not-tags-any", async () => {
      const one = await network("f-one");
      const two = await network("f-two");
      const three = await network("f-three");
      await api.call(ALICE, "PUT", `/v2.0/networks/${one.id}/tags`, { tags: ["kuryr", "a"] });
      await api.call(ALICE, "PUT", `/v2.0/networks/${two.id}/tags`, { tags: ["kuryr", "b"] });
      await api.call(ALICE, "PUT", `/v2.0/networks/${three.id}/tags`, { tags: ["c"] });
      const names = async (query: string) =>
        ((await api.call(ALICE, "GET", `/v2.0/networks?${query}`)).body.networks as Item[])
          .map((item) => item.name)
          .filter((name) => String(name).startsWith("f-"))
          .sort();
      assert.deepEqual(await names("tags=kuryr,a"), ["f-one"]);
      assert.deepEqual(await names("tags=kuryr&tags=b"), ["f-two"]);
      assert.deepEqual(await names("tags-any=a,c"), ["f-one", "f-three"]);
      assert.deepEqual(await names("not-tags=kuryr,a"), ["f-three", "f-two"]);
      assert.deepEqual(await names("not-tags-any=a,b"), ["f-three"]);
    });

    it("checks tag bodies and access", async () => {
      const net = await network("access");
      const badBody = await api.call(ALICE, "PUT", `/v2.0/networks/${net.id}/tags`, { labels: [] });
      assert.equal(badBody.status, 400);
      assert.equal(
        badBody.body.NeutronError?.message,
        "Invalid input for operation: Invalid tags body.",
      );
      const duplicate = await api.call(ALICE, "PUT", `/v2.0/networks/${net.id}/tags`, {
        tags: ["a", "a"],
      });
      assert.equal(duplicate.status, 400);
      const long = await api.call(ALICE, "PUT", `/v2.0/networks/${net.id}/tags/${"x".repeat(256)}`);
      assert.equal(long.status, 400);
      const foreign = await api.call(BOB, "PUT", `/v2.0/networks/${net.id}/tags/mine`);
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.NeutronError?.type, "TagResourceNotFound");
    });
  });

  describe(`quotas (${dialect})`, () => {
    let api: NetworkHarness;

    before(async () => {
      api = await startNetwork(dialect);
    });
    after(async () => {
      await api.close();
    });

    it("rejects a third network once the quota is two", async () => {
      const project = { project: "quota-project", roles: "member" };
      const set = await api.call(ADMIN, "PUT", `/v2.0/quotas/${project.project}`, {
        quota: { network: 2 },
      });
      assert.equal(set.status, 200);
      assert.equal((set.body.quota as Record<string, number>).network, 2);
      for (let index = 0; index < 2; index += 1) {
        const created = await api.call(project, "POST", "/v2.0/networks", { network: {} });
        assert.equal(created.status, 201);
      }
      const third = await api.call(project, "POST", "/v2.0/networks", { network: {} });
      assert.equal(third.status, 409);
      assert.deepEqual(third.body.NeutronError, {
        type: "OverQuota",
        message: "Quota exceeded for resources: ['network'].",
        detail: "",
      });
      const bulk = await api.call(ADMIN, "POST", "/v2.0/networks", {
        networks: [{ project_id: project.project }],
      });
      assert.equal(bulk.status, 409);
    });

    it("shows, lists, details and resets quotas", async () => {
      const project = "other-quota-project";
      await api.call(ADMIN, "PUT", `/v2.0/quotas/${project}`, { quota: { port: 0, subnet: "7" } });
      const shown = await api.call(ADMIN, "GET", `/v2.0/quotas/${project}`);
      assert.deepEqual(shown.body.quota, {
        network: 100,
        subnet: 7,
        subnetpool: -1,
        port: 0,
        security_group: 10,
        security_group_rule: 100,
        router: 10,
        floatingip: 50,
      });
      const listed = await api.call(ADMIN, "GET", "/v2.0/quotas");
      const entry = (listed.body.quotas as Record<string, unknown>[]).find(
        (item) => item.project_id === project,
      );
      assert.equal(entry?.port, 0);
      const defaults = await api.call(ADMIN, "GET", `/v2.0/quotas/${project}/default`);
      assert.equal((defaults.body.quota as Record<string, number>).port, 500);
      const details = await api.call(ADMIN, "GET", `/v2.0/quotas/${project}/details.json`);
      assert.deepEqual((details.body.quota as Record<string, unknown>).port, {
        limit: 0,
        used: 0,
        reserved: 0,
      });
      assert.equal((await api.call(ADMIN, "DELETE", `/v2.0/quotas/${project}`)).status, 204);
      assert.equal((await api.call(ADMIN, "DELETE", `/v2.0/quotas/${project}`)).status, 404);
      const reset = await api.call(ADMIN, "GET", `/v2.0/quotas/${project}`);
      assert.deepEqual(reset.body.quota, defaults.body.quota);
    });

    it("limits quota access to admins except for the own project", async () => {
      const own = await api.call(ALICE, "GET", `/v2.0/quotas/${ALICE.project}`);
      assert.equal(own.status, 200);
      const other = await api.call(ALICE, "GET", `/v2.0/quotas/${BOB.project}`);
      assert.equal(other.status, 403);
      const change = await api.call(ALICE, "PUT", `/v2.0/quotas/${ALICE.project}`, {
        quota: { network: 1000 },
      });
      assert.equal(change.status, 403);
      const list = await api.call(ALICE, "GET", "/v2.0/quotas");
      assert.equal(list.status, 403);
      const whoami = await api.call(ALICE, "GET", "/v2.0/quotas/tenant");
      assert.deepEqual(whoami.body, { tenant: { tenant_id: ALICE.project } });
    });

    it("rejects bad quota values", async () => {
      const unknown = await api.call(ADMIN, "PUT", "/v2.0/quotas/p", { quota: { routers: 5 } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.NeutronError?.message, "Unrecognized attribute(s) 'routers'");
      const low = await api.call(ADMIN, "PUT", "/v2.0/quotas/p", { quota: { network: -2 } });
      assert.equal(low.status, 400);
      assert.equal(
        low.body.NeutronError?.message,
        "Invalid input for network. Reason: '-2' is too small - must be at least '-1'.",
      );
      const text = await api.call(ADMIN, "PUT", "/v2.0/quotas/p", { quota: { network: "many" } });
      assert.equal(text.status, 400);
      assert.equal(text.body.NeutronError?.type, "InvalidInput");
    });
  });
}
