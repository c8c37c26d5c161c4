import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string; name: string };
type Link = { rel: string; href: string };

for (const dialect of testDialects()) {
  describe(`listing (${dialect})`, () => {
    let api: NetworkHarness;
    const caller = { project: "listing-project", roles: "member" };
    let created: Item[] = [];

    before(async () => {
      api = await startNetwork(dialect);
      const names = ["delta", "alpha", "echo", "charlie", "bravo", "alpha"];
      created = [];
      for (const [index, name] of names.entries()) {
        const response = await api.call(caller, "POST", "/v2.0/networks", {
          network: { name, admin_state_up: index % 2 === 0, mtu: 1400 + index },
        });
        created.push(response.body.network as Item);
      }
    });
    after(async () => {
      await api.close();
    });

    async function list(query: string) {
      const response = await api.call(caller, "GET", `/v2.0/networks?${query}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body as { networks: Item[]; networks_links?: Link[] };
    }

    it("sorts by several keys", async () => {
      const body = await list("sort_key=name&sort_dir=asc&sort_key=mtu&sort_dir=desc");
      assert.deepEqual(
        body.networks.map((item) => `${item.name}/${item.mtu}`),
        ["alpha/1405", "alpha/1401", "bravo/1404", "charlie/1403", "delta/1400", "echo/1402"],
      );
    });

    it("pages forward and backward with links", async () => {
      const first = await list("limit=2&sort_key=name&sort_dir=asc");
      assert.equal(first.networks.length, 2);
      const next = first.networks_links?.find((link) => link.rel === "next");
      assert.ok(next !== undefined);
      const nextUrl = new URL(next.href);
      assert.equal(nextUrl.pathname, "/v2.0/networks");
      assert.equal(nextUrl.searchParams.get("marker"), first.networks[1]?.id);

      const seen = [...first.networks];
      let query = nextUrl.search.slice(1);
      for (let page = 0; page < 5; page += 1) {
        const body = await list(query);
        seen.push(...body.networks);
        const link = body.networks_links?.find((item) => item.rel === "next");
        if (body.networks.length < 2 || link === undefined) {
          break;
        }
        query = new URL(link.href).search.slice(1);
      }
      assert.deepEqual(
        seen.map((item) => item.name),
        ["alpha", "alpha", "bravo", "charlie", "delta", "echo"],
      );

      const last = seen[seen.length - 1] as Item;
      const back = await list(
        `limit=2&sort_key=name&sort_dir=asc&marker=${last.id}&page_reverse=True`,
      );
      assert.deepEqual(
        back.networks.map((item) => item.name),
        ["charlie", "delta"],
      );
    });

    it("pages by id when no sort key is given", async () => {
      const ids = created.map((item) => item.id).sort();
      const first = await list("limit=4");
      assert.deepEqual(
        first.networks.map((item) => item.id),
        ids.slice(0, 4),
      );
      const second = await list(`limit=4&marker=${ids[3]}`);
      assert.deepEqual(
        second.networks.map((item) => item.id),
        ids.slice(4),
      );
      assert.deepEqual(
        second.networks_links?.map((link) => link.rel),
        ["previous"],
      );
    });

    it("filters with several values as OR and booleans as booleans", async () => {
      const body = await list("name=alpha&name=echo");
      assert.equal(body.networks.length, 3);
      const up = await list("admin_state_up=true");
      assert.equal(up.networks.length, 3);
      const down = await list("admin_state_up=False");
      assert.equal(down.networks.length, 3);
      const empty = await list("name=");
      assert.equal(empty.networks.length, 0);
    });

    it("rejects unknown filters, sort keys and limits", async () => {
      const filter = await api.call(caller, "GET", "/v2.0/networks?color=red");
      assert.equal(filter.status, 400);
      assert.equal(
        filter.body.NeutronError?.message,
        "['color'] is invalid attribute for filtering",
      );

      const sort = await api.call(caller, "GET", "/v2.0/networks?sort_key=subnets&sort_dir=asc");
      assert.equal(
        sort.body.NeutronError?.message,
        "['subnets'] is invalid attribute for sort_keys",
      );
      const pairs = await api.call(caller, "GET", "/v2.0/networks?sort_key=name");
      assert.equal(
        pairs.body.NeutronError?.message,
        "The number of sort_keys and sort_dirs must be same",
      );

      const direction = await api.call(caller, "GET", "/v2.0/networks?sort_key=name&sort_dir=up");
      assert.equal(direction.status, 400);
      const limit = await api.call(caller, "GET", "/v2.0/networks?limit=-1");
      assert.equal(limit.status, 400);
      assert.equal(
        limit.body.NeutronError?.message,
        "Bad limit request: Limit must be an integer 0 or greater and not '-1'.",
      );

      const marker = await api.call(caller, "GET", "/v2.0/networks?limit=1&marker=nope");
      assert.equal(marker.status, 404);
      const bool = await api.call(caller, "GET", "/v2.0/networks?shared=maybe");
      assert.equal(bool.status, 400);
      const both = await api.call(caller, "GET", `/v2.0/networks?tenant_id=a&project_id=b`);
      assert.equal(both.body.NeutronError?.type, "TenantIdProjectIdFilterConflict");
    });

    it("lists no agents", async () => {
      const agents = await api.call(caller, "GET", "/v2.0/agents?host=h1");
      assert.equal(agents.status, 200);
      assert.deepEqual(agents.body, { agents: [] });

      const filter = await api.call(caller, "GET", "/v2.0/agents?color=red");
      assert.equal(filter.status, 400);
      assert.equal(
        filter.body.NeutronError?.message,
        "['color'] is invalid attribute for filtering",
      );

      const id = "3f1e4a4c-27d5-4f4e-8a44-0f3c1f4c8c11";
      const shown = await api.call(
        { project: "admin", roles: "admin" },
        "GET",
        `/v2.0/agents/${id}`,
      );
      assert.equal(shown.status, 404);
      assert.equal(shown.body.NeutronError?.message, `Agent ${id} could not be found.`);

      const extension = await api.call(caller, "GET", "/v2.0/extensions/agent");
      assert.equal(extension.status, 200);
    });
  });
}
