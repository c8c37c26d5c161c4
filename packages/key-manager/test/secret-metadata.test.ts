import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

for (const dialect of testDialects()) {
  describe(`secret metadata on ${dialect}`, () => {
    let km: TestKeyManager;
    let id: string;

    before(async () => {
      km = await startKeyManager(dialect);
      id = await createSecret(km, { name: "with-metadata" });
    });
    after(async () => {
      await km.close();
    });

    test("replace and read all metadata", async () => {
      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}/metadata`,
        body: { metadata: { Color: "red", size: "xl" } },
      });
      assert.equal(put.status, 201);
      assert.deepEqual(put.json(), {
        metadata_ref: `http://km.test:9311/v1/secrets/${id}/metadata`,
      });
      const get = await km.call({ method: "GET", url: `/v1/secrets/${id}/metadata` });
      assert.deepEqual(get.json(), { metadata: { color: "red", size: "xl" } });
    });

    test("add, read, update and remove one pair", async () => {
      const post = await km.call({
        method: "POST",
        url: `/v1/secrets/${id}/metadata`,
        body: { key: "shape", value: "round" },
      });
      assert.equal(post.status, 201);
      assert.equal(post.headers.location, `http://km.test:9311/v1/secrets/${id}/metadata/shape`);
      assert.deepEqual(post.json(), { key: "shape", value: "round" });

      const duplicate = await km.call({
        method: "POST",
        url: `/v1/secrets/${id}/metadata`,
        body: { key: "shape", value: "square" },
      });
      assert.equal(duplicate.status, 409);

      const put = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}/metadata/shape`,
        body: { key: "shape", value: "square" },
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.json(), { key: "shape", value: "square" });

      const mismatch = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}/metadata/shape`,
        body: { key: "other", value: "x" },
      });
      assert.equal(mismatch.status, 409);

      const get = await km.call({ method: "GET", url: `/v1/secrets/${id}/metadata/shape` });
      assert.deepEqual(get.json(), { key: "shape", value: "square" });

      const removed = await km.call({ method: "DELETE", url: `/v1/secrets/${id}/metadata/shape` });
      assert.equal(removed.status, 204);
      const gone = await km.call({ method: "GET", url: `/v1/secrets/${id}/metadata/shape` });
      assert.equal(gone.status, 404);
      assert.equal(gone.json().description, "Secret metadata not found.");
      const again = await km.call({ method: "DELETE", url: `/v1/secrets/${id}/metadata/shape` });
      assert.equal(again.status, 204);
    });

    test("update of a missing key gets 404", async () => {
      const response = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}/metadata/missing`,
        body: { key: "missing", value: "x" },
      });
      assert.equal(response.status, 404);
    });

    test("invalid metadata bodies get 400", async () => {
      const cases: [unknown, string][] = [
        [
          {},
          "Provided object does not match schema 'SecretMetadata': 'metadata' is a required property. Invalid property: 'metadata'",
        ],
        [{ metadata: { a: 1 } }, "Invalid Metadata. Keys and Values must be Strings."],
        [{ metadata: { "a b": "x" } }, "Invalid Key. Key must be URL safe."],
        [
          { metadata: "x" },
          "Provided object does not match schema 'SecretMetadata': 'x' is not of type 'object'. Invalid property: 'metadata'",
        ],
      ];
      for (const [body, description] of cases) {
        const response = await km.call({ method: "PUT", url: `/v1/secrets/${id}/metadata`, body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.json().description, description);
      }
    });

    test("invalid metadatum bodies get 400", async () => {
      const cases: [unknown, string][] = [
        [
          { key: "a", value: "b", x: 1 },
          "Provided object does not match schema 'SecretMetadatum': Additional properties are not allowed ('x' was unexpected). Invalid property: 'None'",
        ],
        [
          { value: "b" },
          "Provided object does not match schema 'SecretMetadatum': 'key' is a required property. Invalid property: 'key'",
        ],
        [
          { key: "a", value: 5 },
          "Provided object does not match schema 'SecretMetadatum': 5 is not of type 'string'. Invalid property: 'value'",
        ],
        [{ key: "a/b", value: "c" }, "Invalid Key. Key must be URL safe."],
      ];
      for (const [body, description] of cases) {
        const response = await km.call({ method: "POST", url: `/v1/secrets/${id}/metadata`, body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.json().description, description);
      }
    });

    test("metadata of a deleted secret is gone", async () => {
      const other = await createSecret(km, { name: "short" });
      await km.call({
        method: "PUT",
        url: `/v1/secrets/${other}/metadata`,
        body: { metadata: { a: "b" } },
      });
      await km.call({ method: "DELETE", url: `/v1/secrets/${other}` });
      const response = await km.call({ method: "GET", url: `/v1/secrets/${other}/metadata` });
      assert.equal(response.status, 404);
    });
  });
}
