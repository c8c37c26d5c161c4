import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

/** Bodies that are wrong in every way a client can be wrong. */
const BAD_BODIES: (string | Buffer)[] = [
  "",
  "not json",
  "{",
  "[]",
  "null",
  "42",
  '"text"',
  '{"type": 1, "meta": [], "name": {}, "secret_refs": "x"}',
  '{"read": {"users": [null, 1, {}], "project-access": "maybe"}}',
  '{"project_quotas": {"secrets": 1e300}}',
  '{"project_quotas": {"secrets": -1.5}}',
  `{"name": "${"n".repeat(5000)}", "URL": "${"u".repeat(5000)}"}`,
  '{"service": "", "resource_type": [], "resource_id": 7}',
  '{"type": "key", "meta": {"algorithm": "aes", "bit_length": 1e20}}',
  '{"type": "asymmetric", "meta": {"algorithm": "rsa", "bit_length": 8, "passphrase": 5}}',
  `{"plugin_name": "${"p".repeat(300)}", "transport_key": "k"}`,
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
  '{"type": "generic", "name": "a\\u0000b"}',
  '{"name": "svc\\u0000", "URL": "u"}',
  '{"read": {"users": ["user\\u0000"]}}',
];

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

for (const dialect of testDialects()) {
  describe(`bad input on new routes on ${dialect}`, () => {
    let km: TestKeyManager;
    const paths: string[] = [];

    before(async () => {
      km = await startKeyManager(dialect, { "secret_stores.enable_multiple": true });
      const secret = await createSecret(km, { name: "target" });
      const container = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic" },
      });
      const containerId = idOf(container.json().container_ref);
      const order = await km.call({
        method: "POST",
        url: "/v1/orders",
        body: { type: "key", meta: { algorithm: "aes", bit_length: 128 } },
      });
      const orderId = idOf(order.json().order_ref);
      paths.push(
        "/v1/containers",
        `/v1/containers/${containerId}`,
        `/v1/containers/${containerId}/secrets`,
        `/v1/containers/${containerId}/consumers`,
        `/v1/containers/${containerId}/consumers/not-a-uuid`,
        `/v1/containers/${containerId}/acl`,
        `/v1/secrets/${secret}/consumers`,
        `/v1/secrets/${secret}/acl`,
        "/v1/orders",
        `/v1/orders/${orderId}`,
        "/v1/orders/not-a-uuid",
        "/v1/quotas",
        "/v1/project-quotas",
        `/v1/project-quotas/${"x".repeat(400)}`,
        "/v1/secret-stores",
        "/v1/secret-stores/not-a-uuid/preferred",
        "/v1/transport_keys",
        "/v1/transport_keys/not-a-uuid",
        "/v1/containers?limit=abc&offset=-5&name=%00",
        "/v1/orders?limit=99999999999999999999",
      );
    });
    after(async () => {
      await km.close();
    });

    test("no 5xx for any bad body or method", async () => {
      for (const url of paths) {
        for (const method of METHODS) {
          for (const body of BAD_BODIES) {
            const response = await km.call({
              method,
              url,
              body,
              roles: "admin,key-manager:service-admin",
              headers: { "content-type": "application/json" },
            });
            assert.ok(
              response.status < 500,
              `${method} ${url.slice(0, 80)} with ${String(body).slice(0, 40)}: ${response.status} ${response.body.slice(0, 200)}`,
            );
          }
        }
      }
    });

    test("NUL characters are rejected on every database", async () => {
      const cases: [string, unknown][] = [
        ["/v1/containers", { type: "generic", name: "a\u0000b" }],
        ["/v1/secrets", { name: "n\u0000" }],
        [
          "/v1/orders",
          { type: "key", meta: { name: "\u0000", algorithm: "aes", bit_length: 128 } },
        ],
      ];
      for (const [url, body] of cases) {
        const response = await km.call({ method: "POST", url, body });
        assert.equal(response.status, 400, `${url}: ${response.body}`);
        assert.match(String(response.json().description), /NUL character/);
      }
      const query = await km.call({ method: "GET", url: "/v1/secrets?name=%00" });
      assert.equal(query.status, 400);
      const payload = await km.call({
        method: "POST",
        url: "/v1/secrets",
        body: { payload: "before\u0000after", payload_content_type: "text/plain" },
      });
      assert.equal(payload.status, 201, "a payload is encrypted, so a NUL in it is kept");
    });
  });
}
