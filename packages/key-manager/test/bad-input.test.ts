import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { type CallOptions, createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

const OWNER = "bad-input-owner";

/** Requests that must all get a 4xx in the upstream error shape. */
function badRequests(secretId: string, otherId: string): [string, CallOptions][] {
  const post = (body: unknown, headers: Record<string, string> = {}): CallOptions => ({
    method: "POST",
    url: "/v1/secrets",
    project: OWNER,
    body: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  const put = (body: string | Buffer, headers: Record<string, string>): CallOptions => ({
    method: "PUT",
    url: `/v1/secrets/${secretId}`,
    project: OWNER,
    body,
    headers,
  });
  const deep = `${"[".repeat(12000)}${"]".repeat(12000)}`;
  return [
    ["text/plain create", post("{}", { "content-type": "text/plain" })],
    ["no content type", { method: "POST", url: "/v1/secrets", project: OWNER, body: "{}" }],
    ["invalid JSON", post("{name:")],
    [
      "invalid UTF-8",
      post(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
    ],
    ["JSON array", post([])],
    ["JSON string", post('"secret"')],
    ["JSON null", post("null")],
    ["deep nesting", post(deep)],
    ["name not a string", post({ name: 5 })],
    ["name too long", post({ name: "n".repeat(256) })],
    ["algorithm list", post({ algorithm: ["aes"] })],
    ["mode object", post({ mode: { a: 1 } })],
    ["bit_length string", post({ bit_length: "256" })],
    ["bit_length zero", post({ bit_length: 0 })],
    ["bit_length too big", post({ bit_length: 32768 })],
    ["bit_length fraction", post({ bit_length: 1.5 })],
    ["bit_length boolean", post({ bit_length: true })],
    ["expiration number", post({ expiration: 5 })],
    ["expiration garbage", post({ expiration: "tomorrow" })],
    ["expiration impossible", post({ expiration: "2099-02-30T00:00:00" })],
    ["expiration past", post({ expiration: "2001-01-01" })],
    ["payload number", post({ payload: 5, payload_content_type: "text/plain" })],
    ["payload null", post({ payload: null, payload_content_type: "text/plain" })],
    ["payload empty", post({ payload: "   ", payload_content_type: "text/plain" })],
    ["payload without type", post({ payload: "x" })],
    ["type without payload", post({ payload_content_type: "text/plain" })],
    ["unknown content type", post({ payload: "x", payload_content_type: "image/png" })],
    ["other charset", post({ payload: "x", payload_content_type: "text/plain; charset=latin1" })],
    [
      "text with encoding",
      post({
        payload: "x",
        payload_content_type: "text/plain",
        payload_content_encoding: "base64",
      }),
    ],
    [
      "binary without encoding",
      post({ payload: "eA==", payload_content_type: "application/octet-stream" }),
    ],
    [
      "binary encoding",
      post({
        payload: "eA==",
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "binary",
      }),
    ],
    [
      "invalid base64",
      post({
        payload: "abc",
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "base64",
      }),
    ],
    ["unknown secret type", post({ secret_type: "bogus" })],
    ["transport key flag", post({ transport_key_needed: "yes" })],
    [
      "unknown transport key",
      post({ payload: "x", payload_content_type: "text/plain", transport_key_id: "abc" }),
    ],
    ["payload too large", post({ payload: "a".repeat(20001), payload_content_type: "text/plain" })],
    ["request too large", post({ name: "a".repeat(26000) })],
    ["body over transport limit", post(`{"name":"${"a".repeat(2_000_000)}"}`)],
    ["invalid sort", { method: "GET", url: "/v1/secrets?sort=password", project: OWNER }],
    ["invalid date filter", { method: "GET", url: "/v1/secrets?created=lt:x", project: OWNER }],
    ["malformed id", { method: "GET", url: "/v1/secrets/abc", project: OWNER }],
    ["long id", { method: "GET", url: `/v1/secrets/${"a".repeat(400)}`, project: OWNER }],
    ["encoded null id", { method: "GET", url: "/v1/secrets/%00", project: OWNER }],
    ["unicode id", { method: "DELETE", url: "/v1/secrets/%E2%9C%93", project: OWNER }],
    [
      "other project read",
      { method: "GET", url: `/v1/secrets/${secretId}/payload`, project: "intruder" },
    ],
    [
      "other project delete",
      { method: "DELETE", url: `/v1/secrets/${secretId}`, project: "intruder" },
    ],
    [
      "other project put",
      {
        ...put("x", { "content-type": "text/plain" }),
        url: `/v1/secrets/${otherId}`,
        project: "intruder",
      },
    ],
    [
      "other project metadata",
      {
        method: "PUT",
        url: `/v1/secrets/${secretId}/metadata`,
        project: "intruder",
        body: { metadata: { a: "b" } },
      },
    ],
    ["put json", put('"x"', { "content-type": "application/json" })],
    ["put empty", put("", { "content-type": "text/plain" })],
    ["put too large", put(Buffer.alloc(20001, 7), { "content-type": "application/octet-stream" })],
    [
      "put gzip",
      put("x", { "content-type": "application/octet-stream", "content-encoding": "gzip" }),
    ],
    [
      "put on stored payload",
      { ...put("x", { "content-type": "text/plain" }), url: `/v1/secrets/${otherId}` },
    ],
    [
      "payload as json",
      {
        method: "GET",
        url: `/v1/secrets/${otherId}/payload`,
        project: OWNER,
        headers: { accept: "application/json" },
      },
    ],
    [
      "payload without payload",
      { method: "GET", url: `/v1/secrets/${secretId}/payload`, project: OWNER },
    ],
    [
      "wrapped key without id",
      {
        method: "GET",
        url: `/v1/secrets/${otherId}/payload?trans_wrapped_session_key=x`,
        project: OWNER,
      },
    ],
    [
      "metadata not an object",
      {
        method: "PUT",
        url: `/v1/secrets/${otherId}/metadata`,
        project: OWNER,
        body: { metadata: [1] },
      },
    ],
    [
      "metadatum extra field",
      {
        method: "POST",
        url: `/v1/secrets/${otherId}/metadata`,
        project: OWNER,
        body: { key: "k", value: "v", extra: 1 },
      },
    ],
    [
      "metadatum of missing key",
      {
        method: "PUT",
        url: `/v1/secrets/${otherId}/metadata/none`,
        project: OWNER,
        body: { key: "none", value: "v" },
      },
    ],
    [
      "garbage microversion",
      {
        method: "GET",
        url: "/v1/secrets",
        project: OWNER,
        headers: { "openstack-api-version": "key-manager one" },
      },
    ],
    [
      "force not a boolean",
      {
        method: "DELETE",
        url: `/v1/secrets/${otherId}?force=maybe`,
        project: OWNER,
        headers: { "openstack-api-version": "key-manager 1.2" },
      },
    ],
    ["patch collection", { method: "PATCH", url: "/v1/secrets", project: OWNER, body: {} }],
    ["no project", { method: "GET", url: `/v1/secrets/${secretId}`, project: null }],
    ["project id too long", { ...post({ name: "x" }), project: "p".repeat(256) }],
    ["user id too long", { ...post({ name: "x" }), user: "u".repeat(256) }],
  ];
}

for (const dialect of testDialects()) {
  describe(`bad input on ${dialect}`, () => {
    let km: TestKeyManager;
    let secretId: string;
    let otherId: string;

    /** Everything a client can read back: listings, metadata and payloads. */
    async function snapshot(): Promise<string> {
      const list = await km.call({ method: "GET", url: "/v1/secrets?limit=100", project: OWNER });
      const metadata = await km.call({
        method: "GET",
        url: `/v1/secrets/${otherId}/metadata`,
        project: OWNER,
      });
      const payload = await km.call({
        method: "GET",
        url: `/v1/secrets/${otherId}/payload`,
        project: OWNER,
      });
      return JSON.stringify([list.json(), metadata.json(), payload.raw.toString("base64")]);
    }

    before(async () => {
      km = await startKeyManager(dialect);
      secretId = await createSecret(km, { name: "metadata-only" }, { project: OWNER });
      otherId = await createSecret(
        km,
        { name: "with-payload", payload: "kept", payload_content_type: "text/plain" },
        { project: OWNER },
      );
      await km.call({
        method: "PUT",
        url: `/v1/secrets/${otherId}/metadata`,
        project: OWNER,
        body: { metadata: { keep: "me" } },
      });
    });
    after(async () => {
      await km.close();
    });

    test("every bad request gets a 4xx in upstream shape", async () => {
      const before = await snapshot();
      for (const [label, request] of badRequests(secretId, otherId)) {
        const response = await km.call(request);
        assert.ok(response.status >= 400, `${label}: ${response.status}`);
        assert.ok(response.status < 500, `${label}: ${response.status}`);
        const body = response.json();
        assert.equal(body.code, response.status, `${label}: code`);
        assert.equal(typeof body.title, "string", `${label}: title`);
        assert.equal(typeof body.description, "string", `${label}: description`);
      }
      assert.equal(await snapshot(), before);
    });

    test("huge numbers in queries are harmless", async () => {
      for (const query of [
        "bits=99999999999999999999",
        "offset=99999999999999999999",
        "limit=99999999999999999999",
      ]) {
        const response = await km.call({
          method: "GET",
          url: `/v1/secrets?${query}`,
          project: OWNER,
        });
        assert.equal(response.status, 200, query);
      }
      const bits = await km.call({
        method: "GET",
        url: "/v1/secrets?bits=4294967296",
        project: OWNER,
      });
      assert.deepEqual(bits.json(), { secrets: [], total: 0 });
    });
  });
}
