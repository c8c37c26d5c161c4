import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

const BASE = "http://km.test:9311";

for (const dialect of testDialects()) {
  describe(`containers, consumers and ACLs on ${dialect}`, () => {
    let km: TestKeyManager;
    let secretA: string;
    let secretB: string;

    before(async () => {
      km = await startKeyManager(dialect);
      secretA = await createSecret(km, {
        name: "a",
        payload: "x",
        payload_content_type: "text/plain",
      });
      secretB = await createSecret(km, {
        name: "b",
        payload: "y",
        payload_content_type: "text/plain",
      });
    });
    after(async () => {
      await km.close();
    });

    async function createContainer(body: Record<string, unknown>, project = "project-a") {
      return km.call({ method: "POST", url: "/v1/containers", body, project });
    }

    test("generic container round trip", async () => {
      const created = await createContainer({
        type: "generic",
        name: "c1",
        secret_refs: [
          { name: "a", secret_ref: `${BASE}/v1/secrets/${secretA}` },
          { name: "b", secret_ref: `${BASE}/v1/secrets/${secretB}` },
        ],
      });
      assert.equal(created.status, 201, created.body);
      const ref = String(created.json().container_ref);
      assert.equal(created.headers.location, ref);
      const shown = await km.call({ method: "GET", url: `/v1/containers/${idOf(ref)}` });
      assert.equal(shown.status, 200);
      const body = shown.json();
      assert.equal(body.name, "c1");
      assert.equal(body.type, "generic");
      assert.equal(body.status, "ACTIVE");
      assert.deepEqual(body.consumers, []);
      const refs = body.secret_refs as { name: string; secret_ref: string }[];
      assert.deepEqual(refs.map((item) => item.name).sort(), ["a", "b"]);
      assert.equal(body.container_ref, ref);

      const listed = await km.call({ method: "GET", url: "/v1/containers?name=c1" });
      assert.equal(listed.json().total, 1);
    });

    test("container validation errors", async () => {
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ name: "no type" }, 400, /'type' is a required property/],
        [{ type: "bogus" }, 400, /is not one of/],
        [
          {
            type: "generic",
            secret_refs: [
              { name: "x", secret_ref: `${BASE}/v1/secrets/${secretA}` },
              { name: "x", secret_ref: `${BASE}/v1/secrets/${secretB}` },
            ],
          },
          400,
          /Duplicate reference names/,
        ],
        [
          {
            type: "generic",
            secret_refs: [
              { name: "x", secret_ref: `${BASE}/v1/secrets/${secretA}` },
              { name: "y", secret_ref: `${BASE}/v1/secrets/${secretA}` },
            ],
          },
          400,
          /Duplicate secret ids/,
        ],
        [
          {
            type: "generic",
            secret_refs: [{ name: "x", secret_ref: `http://evil/v1/secrets/${secretA}` }],
          },
          400,
          /Provided field value is not supported/,
        ],
        [
          {
            type: "rsa",
            secret_refs: [{ name: "a", secret_ref: `${BASE}/v1/secrets/${secretA}` }],
          },
          400,
          /only 'private_key', 'public_key' and 'private_key_passphrase'/,
        ],
        [
          {
            type: "rsa",
            secret_refs: [{ name: "public_key", secret_ref: `${BASE}/v1/secrets/${secretA}` }],
          },
          400,
          /minimum required reference names/,
        ],
        [
          {
            type: "certificate",
            secret_refs: [{ name: "private_key", secret_ref: `${BASE}/v1/secrets/${secretA}` }],
          },
          400,
          /minimum required reference name is 'certificate'/,
        ],
        [
          {
            type: "generic",
            secret_refs: [
              { name: "x", secret_ref: `${BASE}/v1/secrets/0b6e3ad8-1e8c-4a62-8f5e-cc4f3c0bf3a0` },
            ],
          },
          404,
          /Secret provided for 'x' doesn't exist/,
        ],
      ];
      for (const [body, status, message] of cases) {
        const response = await createContainer(body);
        assert.equal(response.status, status, JSON.stringify(body));
        assert.match(String(response.json().description), message);
      }
    });

    test("secret of another project cannot be referenced", async () => {
      const response = await createContainer(
        {
          type: "generic",
          secret_refs: [{ name: "x", secret_ref: `${BASE}/v1/secrets/${secretA}` }],
        },
        "project-b",
      );
      assert.equal(response.status, 404);
    });

    test("rsa and certificate containers accept their names", async () => {
      const rsa = await createContainer({
        type: "rsa",
        secret_refs: [
          { name: "public_key", secret_ref: `${BASE}/v1/secrets/${secretA}` },
          { name: "private_key", secret_ref: `${BASE}/v1/secrets/${secretB}` },
        ],
      });
      assert.equal(rsa.status, 201, rsa.body);
      const certificate = await createContainer({
        type: "certificate",
        secret_refs: [{ name: "certificate", secret_ref: `${BASE}/v1/secrets/${secretA}` }],
      });
      assert.equal(certificate.status, 201, certificate.body);
      const added = await km.call({
        method: "POST",
        url: `/v1/containers/${idOf(rsa.json().container_ref)}/secrets`,
        body: { name: "extra", secret_ref: `${BASE}/v1/secrets/${secretA}` },
      });
      assert.equal(added.status, 400);
      assert.equal(added.json().description, "Only 'generic' containers can be modified.");
    });

    test("add and remove secrets of a generic container", async () => {
      const created = await createContainer({ type: "generic", name: "empty" });
      const id = idOf(created.json().container_ref);
      const url = `/v1/containers/${id}/secrets`;
      const ref = { name: "n", secret_ref: `${BASE}/v1/secrets/${secretA}` };
      const added = await km.call({ method: "POST", url, body: ref });
      assert.equal(added.status, 201, added.body);
      const again = await km.call({ method: "POST", url, body: ref });
      assert.equal(again.status, 409);
      const shown = await km.call({ method: "GET", url: `/v1/containers/${id}` });
      assert.equal((shown.json().secret_refs as unknown[]).length, 1);
      const removed = await km.call({ method: "DELETE", url, body: ref });
      assert.equal(removed.status, 204);
      const removedAgain = await km.call({ method: "DELETE", url, body: ref });
      assert.equal(removedAgain.status, 404);
      assert.equal(removedAgain.json().description, "Secret provided is not in the container");
      const unknown = await km.call({
        method: "POST",
        url,
        body: { name: "n", secret_ref: `${BASE}/v1/secrets/0b6e3ad8-1e8c-4a62-8f5e-cc4f3c0bf3a0` },
      });
      assert.equal(unknown.status, 404);
    });

    test("container ids and deletion", async () => {
      const invalid = await km.call({ method: "GET", url: "/v1/containers/not-a-uuid" });
      assert.equal(invalid.status, 404);
      assert.equal(invalid.json().description, "Not Found. Provided container id is invalid.");
      const missing = await km.call({
        method: "GET",
        url: "/v1/containers/0b6e3ad8-1e8c-4a62-8f5e-cc4f3c0bf3a0",
      });
      assert.equal(missing.json().description, "Secrets container not found.");
      const created = await createContainer({ type: "generic", name: "doomed" });
      const id = idOf(created.json().container_ref);
      const other = await km.call({
        method: "DELETE",
        url: `/v1/containers/${id}`,
        project: "project-b",
      });
      assert.equal(other.status, 403);
      const deleted = await km.call({ method: "DELETE", url: `/v1/containers/${id}` });
      assert.equal(deleted.status, 204);
      const gone = await km.call({ method: "GET", url: `/v1/containers/${id}` });
      assert.equal(gone.status, 404);
      const secretStays = await km.call({ method: "GET", url: `/v1/secrets/${secretA}` });
      assert.equal(secretStays.status, 200);
    });

    test("container consumers are idempotent", async () => {
      const created = await createContainer({ type: "generic", name: "consumed" });
      const id = idOf(created.json().container_ref);
      const url = `/v1/containers/${id}/consumers`;
      const consumer = { name: "svc", URL: "http://consumer.example/x" };
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const registered = await km.call({ method: "POST", url, body: consumer });
        assert.equal(registered.status, 200, registered.body);
        assert.deepEqual(registered.json().consumers, [consumer]);
      }
      const listed = await km.call({ method: "GET", url });
      assert.equal(listed.json().total, 1);
      const first = (listed.json().consumers as Record<string, unknown>[])[0];
      assert.equal(first?.name, "svc");
      assert.equal(first?.status, "ACTIVE");

      const missingUrl = await km.call({ method: "POST", url, body: { name: "svc" } });
      assert.equal(missingUrl.status, 400);
      const empty = await km.call({ method: "POST", url, body: { name: "", URL: "u" } });
      assert.equal(empty.status, 400);

      const removed = await km.call({ method: "DELETE", url, body: consumer });
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.json().consumers, []);
      const removedAgain = await km.call({ method: "DELETE", url, body: consumer });
      assert.equal(removedAgain.status, 404);
      assert.equal(removedAgain.json().description, "Consumer not found.");
    });

    test("secret consumers and forced deletion", async () => {
      const secret = await createSecret(km, { name: "consumed" });
      const url = `/v1/secrets/${secret}/consumers`;
      const consumer = { service: "image", resource_type: "image", resource_id: "123" };
      const headers = { "openstack-api-version": "key-manager 1.1" };
      const registered = await km.call({ method: "POST", url, body: consumer, headers });
      assert.equal(registered.status, 200, registered.body);
      assert.deepEqual(registered.json().consumers, [consumer]);
      assert.equal(registered.json().content_types, undefined);
      const again = await km.call({ method: "POST", url, body: consumer, headers });
      assert.equal((again.json().consumers as unknown[]).length, 1);
      const listed = await km.call({ method: "GET", url });
      assert.equal(listed.json().total, 1);
      const shown = await km.call({ method: "GET", url: `/v1/secrets/${secret}`, headers });
      assert.deepEqual(shown.json().consumers, [consumer]);

      const v12 = { "openstack-api-version": "key-manager 1.2" };
      const refused = await km.call({
        method: "DELETE",
        url: `/v1/secrets/${secret}`,
        headers: v12,
      });
      assert.equal(refused.status, 400);
      const forced = await km.call({
        method: "DELETE",
        url: `/v1/secrets/${secret}?force=true`,
        headers: v12,
      });
      assert.equal(forced.status, 204);
    });

    test("consumer of another project cannot be removed by a third", async () => {
      const secret = await createSecret(km, { name: "shared" });
      const url = `/v1/secrets/${secret}/consumers`;
      await km.call({
        method: "PUT",
        url: `/v1/secrets/${secret}/acl`,
        body: { read: { users: ["stranger"], "project-access": true } },
      });

      const consumer = { service: "s", resource_type: "t", resource_id: "r" };
      const byStranger = await km.call({
        method: "POST",
        url,
        body: consumer,
        project: "project-c",
        user: "stranger",
        roles: "creator",
      });
      assert.equal(byStranger.status, 200, byStranger.body);

      await km.call({
        method: "PUT",
        url: `/v1/secrets/${secret}/acl`,
        body: { read: { users: ["stranger", "third"], "project-access": true } },
      });
      const byThird = await km.call({
        method: "DELETE",
        url,
        body: consumer,
        project: "project-d",
        user: "third",
        roles: "creator",
      });
      assert.equal(byThird.status, 403);
      assert.match(String(byThird.json().description), /only the creator of a consumer/);

      const byOwner = await km.call({ method: "DELETE", url, body: consumer });
      assert.equal(byOwner.status, 200);
    });

    test("secret ACL replace, merge and delete", async () => {
      const secret = await createSecret(km, { name: "acl" }, { user: "owner", roles: "creator" });
      const url = `/v1/secrets/${secret}/acl`;
      const initial = await km.call({ method: "GET", url });
      assert.deepEqual(initial.json(), { read: { "project-access": true } });

      const put = await km.call({
        method: "PUT",
        url,
        body: { read: { users: ["user-a", "user-b"], "project-access": false } },
      });
      assert.equal(put.status, 200);
      assert.equal(put.json().acl_ref, `${BASE}/v1/secrets/${secret}/acl`);
      const read = (await km.call({ method: "GET", url })).json().read as Record<string, unknown>;
      assert.equal(read["project-access"], false);
      assert.deepEqual((read.users as string[]).sort(), ["user-a", "user-b"]);
      assert.ok(typeof read.created === "string");

      await km.call({ method: "PATCH", url, body: { read: { users: ["user-c"] } } });
      const merged = (await km.call({ method: "GET", url })).json().read as Record<string, unknown>;
      assert.equal(merged["project-access"], false);
      assert.deepEqual(merged.users, ["user-c"]);

      const privateRead = await km.call({
        method: "GET",
        url: `/v1/secrets/${secret}`,
        user: "someone-else",
        roles: "observer",
      });
      assert.equal(privateRead.status, 403);
      const aclRead = await km.call({
        method: "GET",
        url: `/v1/secrets/${secret}`,
        project: "project-z",
        user: "user-c",
        roles: "observer",
      });
      assert.equal(aclRead.status, 200);
      const shared = await km.call({
        method: "GET",
        url: "/v1/secrets?acl_only=true",
        project: "project-z",
        user: "user-c",
        roles: "observer",
      });
      assert.equal(shared.json().total, 1);

      const removed = await km.call({ method: "DELETE", url });
      assert.equal(removed.status, 200);
      assert.equal(removed.body, "null");
      assert.deepEqual((await km.call({ method: "GET", url })).json(), {
        read: { "project-access": true },
      });
    });

    test("ACL body validation", async () => {
      const secret = await createSecret(km, { name: "acl-bad" });
      const url = `/v1/secrets/${secret}/acl`;
      for (const body of [
        { write: { users: [] } },
        { read: { users: "x" } },
        { read: { "project-access": "yes" } },
        { read: { users: [1] } },
        { read: { extra: true } },
        [],
      ]) {
        const response = await km.call({ method: "PUT", url, body });
        assert.equal(response.status, 400, JSON.stringify(body));
      }
      const wrongType = await km.call({
        method: "PUT",
        url,
        body: "{}",
        headers: { "content-type": "text/plain" },
      });
      assert.equal(wrongType.status, 415);
    });

    test("container ACL makes it private", async () => {
      const created = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic", name: "private" },
        user: "owner",
        roles: "creator",
      });
      const id = idOf(created.json().container_ref);
      const put = await km.call({
        method: "PUT",
        url: `/v1/containers/${id}/acl`,
        body: { read: { "project-access": false } },
        user: "owner",
        roles: "creator",
      });
      assert.equal(put.status, 200);
      const other = await km.call({
        method: "GET",
        url: `/v1/containers/${id}`,
        user: "colleague",
        roles: "observer",
      });
      assert.equal(other.status, 403);
      const owner = await km.call({
        method: "GET",
        url: `/v1/containers/${id}`,
        user: "owner",
        roles: "creator",
      });
      assert.equal(owner.status, 200);
    });

    test("query string cannot reach the policy target", async () => {
      const secret = await createSecret(km, { name: "cve" });
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${secret}?target.secret.read=read`,
        project: "intruder",
        user: "intruder-user",
        roles: "creator",
      });
      assert.equal(response.status, 403);
    });
  });
}
