import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

const SURROGATE_MESSAGE =
  "Invalid request: the request body contains an unpaired UTF-16 surrogate escape, which is not valid Unicode text";

for (const dialect of testDialects()) {
  describe(`hostile input on ${dialect}`, () => {
    let km: TestKeyManager;
    let secret: string;

    before(async () => {
      km = await startKeyManager(dialect);
      secret = await createSecret(km, { name: "target" });
    });
    after(async () => {
      await km.close();
    });

    /** Sends a JSON text as is, so that it can carry escapes JSON.stringify never writes. */
    function sendJson(method: "POST" | "PUT" | "PATCH", url: string, json: string) {
      return km.call({
        method,
        url,
        headers: { "content-type": "application/json" },
        body: json,
      });
    }

    test("unpaired surrogates rejected everywhere", async () => {
      const cases: Array<["POST" | "PUT" | "PATCH", string, string]> = [
        ["POST", "/v1/secrets", '{"name": "\\ud800"}'],
        ["POST", "/v1/secrets", '{"name": "tail \\udfff"}'],
        ["POST", "/v1/secrets", '{"name": "\\ude00\\ud83d"}'],
        ["POST", "/v1/secrets", '{"payload": "\\ud800", "payload_content_type": "text/plain"}'],
        ["PUT", `/v1/secrets/${secret}/metadata`, '{"metadata": {"key": "\\udbff"}}'],
        ["POST", `/v1/secrets/${secret}/metadata`, '{"key": "k", "value": "\\udc00"}'],
        ["PUT", `/v1/secrets/${secret}/acl`, '{"read": {"users": ["\\ud800"]}}'],
        ["POST", "/v1/containers", '{"type": "generic", "name": "\\ud800"}'],
        [
          "POST",
          `/v1/secrets/${secret}/consumers`,
          '{"service": "s", "resource_type": "r", "resource_id": "\\ud800"}',
        ],
        ["POST", "/v1/orders", '{"type": "key", "meta": {"algorithm": "aes", "name": "\\ud800"}}'],
      ];
      for (const [method, url, json] of cases) {
        const response = await sendJson(method, url, json);
        assert.equal(response.status, 400, `${method} ${url} ${json}: ${response.body}`);
        assert.equal(response.json().code, 400);
        assert.equal(response.json().title, "Bad Request");
        assert.equal(response.json().description, SURROGATE_MESSAGE);
      }
      const listed = await km.call({ method: "GET", url: "/v1/secrets?limit=100" });
      assert.equal(listed.json().total, 1, "no rejected secret was stored");
    });

    test("surrogate pairs kept exactly", async () => {
      const created = await sendJson(
        "POST",
        "/v1/secrets",
        '{"name": "\\ud83d\\ude00 key", "payload": "\\ud83d\\udd11", "payload_content_type": "text/plain"}',
      );
      assert.equal(created.status, 201, created.body);
      const id = String(created.json().secret_ref).split("/").pop();
      const metadata = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.equal(metadata.json().name, "😀 key");
      const payload = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(payload.body, "🔑");
      const escaped = await sendJson("POST", "/v1/secrets", '{"name": "a \\\\ud800 b"}');
      assert.equal(escaped.status, 201, "an escaped backslash is no surrogate");
    });

    test("metadata keys named like Object members", async () => {
      const owner = await createSecret(km, { name: "prototype-keys" });
      const url = `/v1/secrets/${owner}/metadata`;
      for (const key of ["constructor", "__proto__", "hasownproperty", "tostring"]) {
        const missing = await km.call({ method: "GET", url: `${url}/${key}` });
        assert.equal(missing.status, 404, `${key} before it is set: ${missing.body}`);
        const added = await km.call({
          method: "POST",
          url,
          body: { key, value: `value of ${key}` },
        });
        assert.equal(added.status, 201, `${key}: ${added.body}`);
        const shown = await km.call({ method: "GET", url: `${url}/${key}` });
        assert.deepEqual(JSON.parse(shown.body), { key, value: `value of ${key}` });
        const again = await km.call({ method: "POST", url, body: { key, value: "x" } });
        assert.equal(again.status, 409, `${key} twice`);
      }
      const replaced = await sendJson(
        "PUT",
        url,
        '{"metadata": {"__proto__": "p", "constructor": "c"}}',
      );
      assert.equal(replaced.status, 201, replaced.body);
      const listed = await km.call({ method: "GET", url });
      // JSON.parse, unlike an object literal, makes `__proto__` an own key.
      const expected = JSON.parse('{"metadata": {"__proto__": "p", "constructor": "c"}}');
      assert.deepEqual(JSON.parse(listed.body), expected);
      const updated = await km.call({
        method: "PUT",
        url: `${url}/constructor`,
        body: { key: "constructor", value: "changed" },
      });
      assert.equal(updated.status, 200, updated.body);
      const absent = await km.call({
        method: "PUT",
        url: `${url}/tostring`,
        body: { key: "tostring", value: "x" },
      });
      assert.equal(absent.status, 404, "tostring was replaced away");
    });

    test("microversion header variants", async () => {
      const cases: Array<[string, string]> = [
        ["key-manager 1.1, key-manager 1.0", "key-manager 1.0"],
        ["key-manager 1.0,key-manager 1.1", "key-manager 1.1"],
        ["key-manager latest, compute 2.1", "key-manager 1.2"],
        ["compute 2.1", "key-manager 1.0"],
        ["key-manager", "key-manager 1.0"],
        ["KEY-MANAGER 01.1", "key-manager 1.1"],
        ["key-manager 1.1, key-manager", "key-manager 1.1"],
      ];
      for (const [header, chosen] of cases) {
        const response = await km.call({
          method: "GET",
          url: `/v1/secrets/${secret}`,
          headers: { "openstack-api-version": header },
        });
        assert.equal(response.status, 200, `${header}: ${response.body}`);
        assert.equal(response.headers["openstack-api-version"], chosen, header);
      }
      for (const header of ["key-manager 1.1 extra", "key-manager 1.3", "key-manager 1.-1"]) {
        const response = await km.call({
          method: "GET",
          url: `/v1/secrets/${secret}`,
          headers: { "openstack-api-version": header },
        });
        assert.equal(response.status, 406, `${header}: ${response.body}`);
        assert.equal(response.json().title, "Not Acceptable");
      }
    });

    test("zone offsets of 24 hours rejected", async () => {
      for (const offset of ["+24:00", "-24:00", "+25:00", "+2400", "-99:00"]) {
        const response = await km.call({
          method: "POST",
          url: "/v1/secrets",
          body: { name: "dated", expiration: `2999-01-01T00:00:00${offset}` },
        });
        assert.equal(response.status, 400, `${offset}: ${response.body}`);
        assert.match(String(response.json().description), /Invalid date for 'expiration'/);
        const listed = await km.call({
          method: "GET",
          url: `/v1/secrets?created=gt:2020-01-01T00:00:00${encodeURIComponent(offset)}`,
        });
        assert.equal(listed.status, 400, `filter ${offset}: ${listed.body}`);
      }
      const largest = await km.call({
        method: "POST",
        url: "/v1/secrets",
        body: { name: "dated", expiration: "2999-01-01T00:00:00+23:59" },
      });
      assert.equal(largest.status, 201, largest.body);
      const id = String(largest.json().secret_ref).split("/").pop();
      const shown = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.equal(shown.json().expiration, "2998-12-31T00:01:00");
    });
  });
}
