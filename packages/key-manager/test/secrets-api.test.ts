import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

const PASSPHRASE = "Be77erPa$$phrazE";

for (const dialect of testDialects()) {
  describe(`secrets API on ${dialect}`, () => {
    let km: TestKeyManager;

    before(async () => {
      km = await startKeyManager(dialect);
    });
    after(async () => {
      await km.close();
    });

    test("version document at / without microversion", async () => {
      const response = await km.call({ method: "GET", url: "/", project: null });
      assert.equal(response.status, 300);
      assert.equal(response.headers["openstack-api-version"], "key-manager 1.0");
      assert.equal(response.headers.vary, "openstack-api-version");
      const values = (response.json().versions as { values: Record<string, unknown>[] }).values;
      assert.equal(values[0]?.id, "v1");
      assert.equal(values[0]?.status, "stable");
      assert.deepEqual(values[0]?.links, [
        { rel: "self", href: "http://km.test:9311/v1/" },
        { rel: "describedby", type: "text/html", href: "https://docs.openstack.org/" },
      ]);
    });

    test("version document with microversion latest", async () => {
      const response = await km.call({
        method: "GET",
        url: "/v1",
        headers: { "openstack-api-version": "key-manager latest" },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers["openstack-api-version"], "key-manager 1.2");
      const version = response.json().version as Record<string, unknown>;
      assert.equal(version.status, "CURRENT");
      assert.equal(version.min_version, "1.0");
      assert.equal(version.max_version, "1.2");
    });

    test("unsupported microversion gets 406", async () => {
      const response = await km.call({
        method: "GET",
        url: "/v1",
        headers: { "openstack-api-version": "key-manager 1.5" },
      });
      assert.equal(response.status, 406);
      assert.match(String(response.json().description), /Unacceptable version header: 1.5/);
    });

    test("missing X-Project-Id gets 400", async () => {
      const response = await km.call({ method: "GET", url: "/v1/secrets", project: null });
      assert.equal(response.status, 400);
      assert.deepEqual(response.json(), {
        code: 400,
        title: "Bad Request",
        description: "Missing X-Project-Id",
      });
    });

    test("passphrase stored and read back", async () => {
      const id = await createSecret(km, {
        name: "passphrase",
        secret_type: "passphrase",
        payload: PASSPHRASE,
        payload_content_type: "text/plain",
      });
      const text = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(text.status, 200);
      assert.equal(text.headers["content-type"], "text/plain; charset=UTF-8");
      assert.equal(text.body, PASSPHRASE);
      const octets = await km.call({ method: "GET", url: `/v1/secrets/${id}/payload` });
      assert.equal(octets.headers["content-type"], "application/octet-stream");
      assert.equal(octets.body, PASSPHRASE);
    });

    test("created secret has Location and upstream fields", async () => {
      const response = await km.call({
        method: "POST",
        url: "/v1/secrets/",
        user: "user-1",
        body: {
          name: "  key  ",
          payload: "c2VjcmV0LWJ5dGVz",
          payload_content_type: "application/octet-stream",
          payload_content_encoding: "base64",
          algorithm: "aes",
          bit_length: 256,
          mode: "cbc",
        },
      });
      assert.equal(response.status, 201);
      const ref = String(response.json().secret_ref);
      assert.match(ref, /^http:\/\/km\.test:9311\/v1\/secrets\/[0-9a-f-]{36}$/);
      assert.equal(response.headers.location, ref);

      const secret = await km.call({ method: "GET", url: `/v1/secrets/${idOf(ref)}` });
      assert.equal(secret.status, 200);
      const body = secret.json();
      assert.deepEqual(Object.keys(body), [
        "created",
        "updated",
        "status",
        "name",
        "secret_type",
        "expiration",
        "algorithm",
        "bit_length",
        "mode",
        "creator_id",
        "content_types",
        "secret_ref",
      ]);

      assert.equal(body.name, "key");
      assert.equal(body.secret_type, "opaque");
      assert.equal(body.status, "ACTIVE");
      assert.equal(body.creator_id, "user-1");
      assert.equal(body.bit_length, 256);
      assert.deepEqual(body.content_types, { default: "application/octet-stream" });
      assert.match(String(body.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    });

    test("microversion 1.1 adds consumers", async () => {
      const id = await createSecret(km, { name: "with-consumers" });
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}`,
        headers: { "openstack-api-version": "key-manager 1.1" },
      });
      assert.deepEqual(response.json().consumers, []);
      const plain = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.equal("consumers" in plain.json(), false);
    });

    test("binary payload round trip byte-exact", async () => {
      const bytes = randomBytes(512);
      bytes[0] = 0xff;
      const id = await createSecret(km, {
        payload: bytes.toString("base64"),
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "base64",
      });
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "application/octet-stream" },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(response.raw, bytes);
      const asText = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(asText.status, 406);
    });

    test("payload Accept rules", async () => {
      const id = await createSecret(km, {
        payload: "dGV4dA==",
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "base64",
      });
      const any = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "*/*" },
      });
      assert.equal(any.status, 200);
      assert.equal(any.headers["content-type"], "*/*");
      assert.equal(any.body, "text");
      for (const accept of ["application/json", "text/plain, application/json", "image/png"]) {
        const refused = await km.call({
          method: "GET",
          url: `/v1/secrets/${id}/payload`,
          headers: { accept },
        });
        assert.equal(refused.status, 406, accept);
        assert.equal(
          refused.json().description,
          "Secret payload retrieval issue seen - Wrong payload content-type.",
        );
      }
      const deprecated = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}`,
        headers: { accept: "application/octet-stream" },
      });
      assert.equal(deprecated.status, 200);
      assert.equal(deprecated.body, "text");
    });

    test("payload route rejects other methods", async () => {
      const id = await createSecret(km, { name: "m" });
      const response = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}/payload`,
        headers: { "content-type": "text/plain" },
        body: "x",
      });
      assert.equal(response.status, 405);
      assert.deepEqual(response.json(), {
        code: 405,
        title: "Method Not Allowed",
        description: "",
      });
    });

    test("two-step upload", async () => {
      const id = await createSecret(km, { name: "two-step", expiration: "2099-01-01T00:00:00Z" });
      const metadata = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.equal(metadata.json().expiration, "2099-01-01T00:00:00");
      assert.equal("content_types" in metadata.json(), false);
      const missing = await km.call({ method: "GET", url: `/v1/secrets/${id}/payload` });
      assert.equal(missing.status, 404);
      assert.equal(missing.json().description, "Not Found. Sorry but your secret has no payload.");

      const wrongType = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/json" },
        body: '"x"',
      });
      assert.equal(wrongType.status, 415);
      const empty = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "text/plain" },
        body: "",
      });
      assert.equal(empty.status, 400);
      assert.equal(
        empty.json().description,
        "Secret update issue seen - No data supplied to process..",
      );

      const gzip = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/octet-stream", "content-encoding": "gzip" },
        body: "x",
      });
      assert.equal(gzip.status, 400);
      assert.equal(
        gzip.json().description,
        "Secret update issue seen - Text-based binary secret payloads must specify a content-encoding of 'base64'.",
      );

      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "text/plain" },
        body: "two-step-payload",
      });
      assert.equal(put.status, 204);
      const again = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "text/plain" },
        body: "again",
      });
      assert.equal(again.status, 409);
      assert.equal(again.json().description, "Secret already has data, cannot modify it.");
      const read = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(read.body, "two-step-payload");
      const shown = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.deepEqual(shown.json().content_types, { default: "text/plain" });
    });

    test("two-step binary upload with base64 encoding", async () => {
      const bytes = randomBytes(64);
      const id = await createSecret(km, { name: "two-step-binary" });
      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/octet-stream", "content-encoding": "base64" },
        body: bytes.toString("base64"),
      });
      assert.equal(put.status, 204);
      const read = await km.call({ method: "GET", url: `/v1/secrets/${id}/payload` });
      assert.deepEqual(read.raw, bytes);
    });

    test("two-step raw binary upload", async () => {
      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80]);
      const id = await createSecret(km, { name: "two-step-raw" });
      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/octet-stream" },
        body: bytes,
      });
      assert.equal(put.status, 204);
      const read = await km.call({ method: "GET", url: `/v1/secrets/${id}/payload` });
      assert.deepEqual(read.raw, bytes);
    });

    test("payload size limits", async () => {
      const tooBig = await km.call({
        method: "POST",
        url: "/v1/secrets",
        body: { payload: "a".repeat(20001), payload_content_type: "text/plain" },
      });
      assert.equal(tooBig.status, 413);
      assert.equal(tooBig.json().description, "Provided information too large to process");
      const id = await createSecret(km, { name: "limit" });
      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(20001, 1),
      });
      assert.equal(put.status, 413);
      const huge = await km.call({
        method: "POST",
        url: "/v1/secrets",
        body: { payload: "a".repeat(30000), payload_content_type: "text/plain" },
      });
      assert.equal(huge.status, 400);
      assert.equal(huge.json().description, "Malformed JSON");
    });

    test("expiration in the past is rejected", async () => {
      const response = await km.call({
        method: "POST",
        url: "/v1/secrets",
        body: { name: "old", expiration: "2001-01-01T00:00:00Z" },
      });
      assert.equal(response.status, 400);
      assert.equal(
        response.json().description,
        "Provided object does not match schema 'Secret': 'expiration' is before current time. Invalid property: 'expiration'",
      );
    });

    test("expired secret hidden everywhere", async () => {
      const project = "project-expiry";
      const soon = new Date(Date.now() + 1500).toISOString();
      const id = await createSecret(km, { name: "short-lived", expiration: soon }, { project });
      const listed = await km.call({ method: "GET", url: "/v1/secrets", project });
      assert.equal(listed.json().total, 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const shown = await km.call({ method: "GET", url: `/v1/secrets/${id}`, project });
      assert.equal(shown.status, 404);
      const payload = await km.call({ method: "GET", url: `/v1/secrets/${id}/payload`, project });
      assert.equal(payload.status, 404);
      const relisted = await km.call({ method: "GET", url: "/v1/secrets", project });
      assert.deepEqual(relisted.json(), { secrets: [], total: 0 });
      const deleted = await km.call({ method: "DELETE", url: `/v1/secrets/${id}`, project });
      assert.equal(deleted.status, 404);
    });

    test("delete then get gets 404", async () => {
      const id = await createSecret(km, { payload: "x", payload_content_type: "text/plain" });
      const first = await km.call({ method: "DELETE", url: `/v1/secrets/${id}` });
      assert.equal(first.status, 204);
      const second = await km.call({ method: "DELETE", url: `/v1/secrets/${id}` });
      assert.equal(second.status, 404);
      assert.equal(second.json().description, "Secret not found.");
      const shown = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.equal(shown.status, 404);
    });

    test("malformed and unknown ids get 404", async () => {
      for (const id of [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "ABCDEF00-0000-4000-8000-000000000000",
      ]) {
        const response = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
        assert.equal(response.status, 404, id);
        assert.equal(response.json().description, "Not Found. Provided secret id is invalid.");
      }
      const unknown = await km.call({
        method: "GET",
        url: "/v1/secrets/6f0c2a3e-1b2c-4d5e-8f90-123456789abc",
      });
      assert.equal(unknown.json().description, "Secret not found.");
      const route = await km.call({ method: "GET", url: "/v1/nonexistent" });
      assert.deepEqual(route.json(), { code: 404, title: "Not Found", description: "" });
    });

    test("another project's secret gets 403", async () => {
      const id = await createSecret(km, { name: "mine" }, { project: "owner-project" });
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}`,
        project: "intruder",
      });
      assert.equal(response.status, 403);
      assert.equal(
        response.json().description,
        "Secret retrieval attempt not allowed - please review your user/project privileges",
      );
      const removal = await km.call({
        method: "DELETE",
        url: `/v1/secrets/${id}`,
        project: "intruder",
      });
      assert.equal(removal.status, 403);
      const still = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}`,
        project: "owner-project",
      });
      assert.equal(still.status, 200);
    });

    test("query string cannot grant access", async () => {
      const id = await createSecret(km, { name: "cve" }, { project: "cve-owner" });
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${id}?target.secret.read=read&target.secret.project_id=cve-other`,
        project: "cve-other",
        roles: "creator",
      });
      assert.equal(response.status, 403);
    });
  });
}
