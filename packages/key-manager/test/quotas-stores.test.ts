import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

const SERVICE_ADMIN = "key-manager:service-admin";

for (const dialect of testDialects()) {
  describe(`quotas on ${dialect}`, () => {
    let km: TestKeyManager;

    before(async () => {
      km = await startKeyManager(dialect, { "quotas.quota_containers": 7 });
    });
    after(async () => {
      await km.close();
    });

    async function setQuotas(project: string, quotas: Record<string, number>) {
      return km.call({
        method: "PUT",
        url: `/v1/project-quotas/${project}`,
        body: { project_quotas: quotas },
        roles: SERVICE_ADMIN,
      });
    }

    test("effective quotas use configured defaults", async () => {
      const response = await km.call({ method: "GET", url: "/v1/quotas", project: "fresh" });
      assert.deepEqual(response.json(), {
        quotas: { secrets: -1, orders: -1, containers: 7, consumers: -1, cas: -1 },
      });
    });

    test("project quotas administration", async () => {
      const forbidden = await km.call({ method: "GET", url: "/v1/project-quotas", roles: "admin" });
      assert.equal(forbidden.status, 403);
      assert.match(String(forbidden.json().description), /^Project Quotas attempt not allowed/);

      const set = await setQuotas("p-admin", { secrets: 50, orders: 10, consumers: 5, cas: 0 });
      assert.equal(set.status, 204, set.body);
      const shown = await km.call({
        method: "GET",
        url: "/v1/project-quotas/p-admin",
        roles: SERVICE_ADMIN,
      });
      assert.deepEqual(shown.json(), {
        project_quotas: { secrets: 50, orders: 10, containers: null, consumers: 5, cas: 0 },
      });
      const effective = await km.call({ method: "GET", url: "/v1/quotas", project: "p-admin" });
      assert.equal((effective.json().quotas as Record<string, number>).containers, 7);
      const listed = await km.call({
        method: "GET",
        url: "/v1/project-quotas",
        roles: SERVICE_ADMIN,
      });
      assert.ok((listed.json().total as number) >= 1);

      const deleted = await km.call({
        method: "DELETE",
        url: "/v1/project-quotas/p-admin",
        roles: SERVICE_ADMIN,
      });
      assert.equal(deleted.status, 204);
      const missing = await km.call({
        method: "GET",
        url: "/v1/project-quotas/p-admin",
        roles: SERVICE_ADMIN,
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.json().description, "Project quotas not found.");
    });

    test("project quota body validation", async () => {
      for (const body of [
        { project_quotas: { secrets: "x" } },
        { project_quotas: { bogus: 1 } },
        {},
      ]) {
        const response = await km.call({
          method: "PUT",
          url: "/v1/project-quotas/p-bad",
          body,
          roles: SERVICE_ADMIN,
        });
        assert.equal(response.status, 400, JSON.stringify(body));
      }
      const longId = await km.call({
        method: "PUT",
        url: `/v1/project-quotas/${"p".repeat(256)}`,
        body: { project_quotas: { secrets: 1 } },
        roles: SERVICE_ADMIN,
      });
      assert.equal(longId.status, 400);
      const unknownLongId = await km.call({
        method: "GET",
        url: `/v1/project-quotas/${"p".repeat(300)}`,
        roles: SERVICE_ADMIN,
      });
      assert.equal(unknownLongId.status, 404);
      const empty = await km.call({
        method: "PUT",
        url: "/v1/project-quotas/p-bad",
        body: "",
        roles: SERVICE_ADMIN,
        headers: { "content-type": "application/json" },
      });
      assert.equal(empty.status, 400);
    });

    test("enforcement by resource", async () => {
      const project = "p-enforced";
      await setQuotas(project, { secrets: 1, containers: 0, orders: 1, consumers: 1 });
      const first = await km.call({ method: "POST", url: "/v1/secrets", body: {}, project });
      assert.equal(first.status, 201);
      const second = await km.call({ method: "POST", url: "/v1/secrets", body: {}, project });
      assert.equal(second.status, 403);
      assert.equal(
        second.json().description,
        "Secret creation issue seen - Creation not allowed because a quota has been reached.",
      );
      const container = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic" },
        project,
      });
      assert.equal(container.status, 403);
      const orderBody = { type: "key", meta: { algorithm: "aes", bit_length: 128 } };
      const order = await km.call({ method: "POST", url: "/v1/orders", body: orderBody, project });
      assert.equal(order.status, 202);
      const secondOrder = await km.call({
        method: "POST",
        url: "/v1/orders",
        body: orderBody,
        project,
      });
      assert.equal(secondOrder.status, 403);

      const secretId = idOf(first.json().secret_ref);
      const consumerUrl = `/v1/secrets/${secretId}/consumers`;
      const consumer = { service: "a", resource_type: "b", resource_id: "c" };
      const registered = await km.call({
        method: "POST",
        url: consumerUrl,
        body: consumer,
        project,
      });
      assert.equal(registered.status, 200);
      const another = await km.call({
        method: "POST",
        url: consumerUrl,
        body: { ...consumer, resource_id: "d" },
        project,
      });
      assert.equal(another.status, 403);
    });
  });

  describe(`secret stores and transport keys on ${dialect}`, () => {
    let single: TestKeyManager;
    let multiple: TestKeyManager;

    before(async () => {
      single = await startKeyManager(dialect);
      multiple = await startKeyManager(dialect, {
        "secret_stores.enable_multiple": true,
        "secret_stores.stores": [{ name: "software", plugin: "software", global_default: true }],
      });
    });
    after(async () => {
      await single.close();
      await multiple.close();
    });

    test("stores API is 404 when disabled", async () => {
      for (const url of ["/v1/secret-stores", "/v1/secret-stores/global-default"]) {
        const response = await single.call({ method: "GET", url });
        assert.equal(response.status, 404);
        assert.equal(
          response.json().description,
          "Not Found. Multiple backends support is not enabled in service configuration.",
        );
      }
    });

    test("stores, global default and preference", async () => {
      const listed = await multiple.call({ method: "GET", url: "/v1/secret-stores" });
      assert.equal(listed.status, 200);
      const stores = listed.json().secret_stores as Record<string, unknown>[];
      assert.equal(stores.length, 1);
      const store = stores[0] as Record<string, unknown>;
      assert.equal(store.name, "software");
      assert.equal(store.global_default, true);
      assert.equal(store.status, "ACTIVE");
      const id = idOf(store.secret_store_ref);

      const globalDefault = await multiple.call({
        method: "GET",
        url: "/v1/secret-stores/global-default",
      });
      assert.equal(globalDefault.json().secret_store_ref, store.secret_store_ref);
      const single = await multiple.call({ method: "GET", url: `/v1/secret-stores/${id}` });
      assert.equal(single.json().name, "software");
      const noPreference = await multiple.call({
        method: "GET",
        url: "/v1/secret-stores/preferred",
      });
      assert.equal(noPreference.status, 404);

      const byMember = await multiple.call({
        method: "POST",
        url: `/v1/secret-stores/${id}/preferred`,
        roles: "creator",
      });
      assert.equal(byMember.status, 403);
      const set = await multiple.call({ method: "POST", url: `/v1/secret-stores/${id}/preferred` });
      assert.equal(set.status, 204);
      const preferred = await multiple.call({ method: "GET", url: "/v1/secret-stores/preferred" });
      assert.equal(preferred.json().name, "software");
      const secret = await createSecret(multiple, {
        name: "in-preferred",
        payload: "kept",
        payload_content_type: "text/plain",
      });
      const payload = await multiple.call({
        method: "GET",
        url: `/v1/secrets/${secret}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(payload.body, "kept");
      const unset = await multiple.call({
        method: "DELETE",
        url: `/v1/secret-stores/${id}/preferred`,
      });
      assert.equal(unset.status, 204);
      const unsetAgain = await multiple.call({
        method: "DELETE",
        url: `/v1/secret-stores/${id}/preferred`,
      });
      assert.equal(unsetAgain.status, 404);
    });

    test("transport keys lifecycle", async () => {
      const empty = await single.call({ method: "GET", url: "/v1/transport_keys" });
      assert.deepEqual(empty.json(), { transport_keys: [], total: 0 });
      const body = { plugin_name: "simple-crypto", transport_key: "-----BEGIN CERT-----" };
      const forbidden = await single.call({ method: "POST", url: "/v1/transport_keys", body });
      assert.equal(forbidden.status, 403);
      const created = await single.call({
        method: "POST",
        url: "/v1/transport_keys",
        body,
        roles: SERVICE_ADMIN,
      });
      assert.equal(created.status, 201, created.body);
      const id = idOf(created.json().transport_key_ref);
      const listed = await single.call({ method: "GET", url: "/v1/transport_keys" });
      assert.deepEqual(listed.json().transport_keys, [created.json().transport_key_ref]);
      const shown = await single.call({ method: "GET", url: `/v1/transport_keys/${id}` });
      assert.equal(shown.json().plugin_name, "simple-crypto");
      const blank = await single.call({
        method: "POST",
        url: "/v1/transport_keys",
        body: { plugin_name: " ", transport_key: "x" },
        roles: SERVICE_ADMIN,
      });
      assert.equal(blank.status, 400);
      const invalid = await single.call({ method: "GET", url: "/v1/transport_keys/nope" });
      assert.equal(invalid.status, 404);
      const deleted = await single.call({
        method: "DELETE",
        url: `/v1/transport_keys/${id}`,
        roles: SERVICE_ADMIN,
      });
      assert.equal(deleted.status, 204);
      const gone = await single.call({ method: "GET", url: `/v1/transport_keys/${id}` });
      assert.equal(gone.status, 404);
    });
  });
}
