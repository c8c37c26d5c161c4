import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

const PROJECT = "listing-project";

interface ListedSecret {
  name: string | null;
  secret_ref: string;
}

for (const dialect of testDialects()) {
  describe(`secret listing on ${dialect}`, () => {
    let km: TestKeyManager;

    async function list(query: string) {
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets${query}`,
        project: PROJECT,
      });
      return { status: response.status, body: response.json() };
    }

    async function names(query: string): Promise<(string | null)[]> {
      const { body } = await list(query);
      return (body.secrets as ListedSecret[]).map((secret) => secret.name);
    }

    before(async () => {
      km = await startKeyManager(dialect);
      const specs = [
        { name: "alpha", algorithm: "aes", bit_length: 256, mode: "cbc", secret_type: "symmetric" },
        { name: "Beta", algorithm: "aes", bit_length: 128, mode: "gcm", secret_type: "symmetric" },
        { name: "gamma", algorithm: "rsa", bit_length: 2048, secret_type: "private" },
        { name: "delta", secret_type: "passphrase", expiration: "2090-06-01T12:00:00Z" },
        { name: "epsilon", expiration: "2095-01-01T00:00:00" },
      ];
      for (const spec of specs) {
        await createSecret(km, spec, { project: PROJECT });
        // Distinct creation seconds make the date filters below meaningful.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await createSecret(km, { name: "other-project" }, { project: "someone-else" });
    });
    after(async () => {
      await km.close();
    });

    test("lists only the caller's project", async () => {
      const { body } = await list("");
      assert.equal(body.total, 5);
      assert.deepEqual(await names(""), ["alpha", "Beta", "gamma", "delta", "epsilon"]);
    });

    test("paging links keep other parameters", async () => {
      const first = await list("?limit=2&secret_type=symmetric");
      assert.equal(first.body.total, 2);
      assert.equal("next" in first.body, false);
      const middle = await list("?limit=2&offset=2");
      assert.deepEqual(Object.keys(middle.body), ["secrets", "previous", "next", "total"]);
      assert.equal(middle.body.previous, "http://km.test:9311/v1/secrets?limit=2&offset=0");
      assert.equal(middle.body.next, "http://km.test:9311/v1/secrets?limit=2&offset=4");
      const filtered = await list("?alg=aes&limit=1");
      assert.equal(filtered.body.next, "http://km.test:9311/v1/secrets?limit=1&offset=1&alg=aes");
    });

    test("offset past the end gives an empty page", async () => {
      const { body } = await list("?offset=50");
      assert.deepEqual(body, { secrets: [], total: 5 });
    });

    test("limit and offset are cleaned like upstream", async () => {
      assert.equal((await names("?limit=0")).length, 1);
      assert.equal((await names("?limit=junk")).length, 5);
      assert.equal((await names("?offset=-4&limit=2"))[0], "alpha");
      assert.equal((await names("?offset=x&limit=2"))[0], "alpha");
    });

    test("name filter is a LIKE pattern", async () => {
      assert.deepEqual(await names("?name=gamma"), ["gamma"]);
      assert.deepEqual(await names("?name=beta"), ["Beta"]);
      assert.deepEqual(await names("?name=%25lta"), ["delta"]);
      assert.deepEqual(await names("?name=nothing"), []);
    });

    test("algorithm mode bits and type filters", async () => {
      assert.deepEqual(await names("?alg=aes"), ["alpha", "Beta"]);
      assert.deepEqual(await names("?mode=gcm"), ["Beta"]);
      assert.deepEqual(await names("?bits=2048"), ["gamma"]);
      assert.equal((await names("?bits=junk")).length, 5);
      assert.deepEqual(await names("?secret_type=passphrase"), ["delta"]);
    });

    test("sort by keys and directions", async () => {
      assert.deepEqual(await names("?sort=name:desc"), [
        "gamma",
        "epsilon",
        "delta",
        "alpha",
        "Beta",
      ]);
      assert.deepEqual(await names("?sort=bit_length:desc,name"), [
        "gamma",
        "alpha",
        "Beta",
        "delta",
        "epsilon",
      ]);
      assert.deepEqual((await names("?sort=expiration"))[3], "delta");
    });

    test("invalid sort gets 400", async () => {
      for (const sort of ["colour", "name:up", "name,name", "name:asc:desc"]) {
        const { status, body } = await list(`?sort=${sort}`);
        assert.equal(status, 400, sort);
        assert.equal(body.description, "URI provided invalid query string parameters.");
      }
    });

    test("expiration date filters", async () => {
      assert.deepEqual(await names("?expiration=2090-06-01T12:00:00"), ["delta"]);
      assert.deepEqual(await names("?expiration=gt:2090-06-01T12:00:00"), ["epsilon"]);
      assert.deepEqual(await names("?expiration=gte:2090-06-01T12:00:00"), ["delta", "epsilon"]);
      assert.deepEqual(await names("?expiration=lt:2095-01-01T00:00:00"), ["delta"]);
      assert.deepEqual(await names("?expiration=lte:2095-01-01T00:00:00"), ["delta", "epsilon"]);
      assert.deepEqual(await names("?expiration=gt:2090-01-01,lt:2091-01-01"), ["delta"]);
    });

    test("created date filters", async () => {
      assert.equal((await names("?created=gt:2000-01-01T00:00:00")).length, 5);
      assert.equal((await names("?created=lt:2000-01-01T00:00:00")).length, 0);
      assert.equal((await names("?updated=gte:2000-01-01")).length, 5);
    });

    test("conflicting or invalid date filters get 400", async () => {
      for (const filter of [
        "gt:2020-01-01,gte:2020-01-01",
        "lt:2020-01-01,lt:2021-01-01",
        "2020-01-01,gte:2019-01-01",
        "2020-01-01,2020-01-02",
        "yesterday",
        "gt:2020-13-40",
      ]) {
        const { status } = await list(`?created=${encodeURIComponent(filter)}`);
        assert.equal(status, 400, filter);
      }
    });
  });
}
