import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import { sql } from "kysely";
import {
  type CallResult,
  createSecret,
  idOf,
  startKeyManager,
  type TestKeyManager,
} from "./helpers.js";

/** Concurrent requests in each race. That is more than the pool's 8 connections, so some wait. */
const CONCURRENCY = 12;

const SERVICE_ADMIN = { roles: "key-manager:service-admin" };

function inParallel(request: (index: number) => Promise<CallResult>): Promise<CallResult[]> {
  return Promise.all(Array.from({ length: CONCURRENCY }, (_, index) => request(index)));
}

function statuses(responses: CallResult[]): number[] {
  return responses.map((response) => response.status);
}

function assertNoServerError(responses: CallResult[], label: string) {
  for (const response of responses) {
    assert.ok(response.status < 500, `${label}: ${response.status} ${response.body}`);
  }
}

for (const dialect of testDialects()) {
  describe(`concurrent requests on ${dialect}`, () => {
    let km: TestKeyManager;

    before(async () => {
      km = await startKeyManager(dialect, { "database.pool_size": 8 });
    });
    after(async () => {
      await km.close();
    });

    async function setQuotas(project: string, quotas: Record<string, number>) {
      const response = await km.call({
        method: "PUT",
        url: `/v1/project-quotas/${project}`,
        body: { project_quotas: quotas },
        ...SERVICE_ADMIN,
      });
      assert.equal(response.status, 204, response.body);
    }

    async function total(url: string, project: string): Promise<number> {
      const response = await km.call({ method: "GET", url, project });
      assert.equal(response.status, 200, response.body);
      return Number(response.json().total);
    }

    test("secret quota holds under a race", async () => {
      await setQuotas("race-secrets", { secrets: 3 });
      const responses = await inParallel((index) =>
        km.call({
          method: "POST",
          url: "/v1/secrets",
          body: { name: `race-${index}` },
          project: "race-secrets",
        }),
      );
      assertNoServerError(responses, "secret creation");
      assert.equal(statuses(responses).filter((status) => status === 201).length, 3);
      assert.equal(statuses(responses).filter((status) => status === 403).length, 9);
      assert.equal(await total("/v1/secrets", "race-secrets"), 3);
    });

    test("container and order quotas hold", async () => {
      await setQuotas("race-others", { containers: 2, orders: 2 });
      const containers = await inParallel((index) =>
        km.call({
          method: "POST",
          url: "/v1/containers",
          body: { type: "generic", name: `race-${index}` },
          project: "race-others",
        }),
      );
      assertNoServerError(containers, "container creation");
      assert.equal(await total("/v1/containers", "race-others"), 2);

      const orders = await inParallel(() =>
        km.call({
          method: "POST",
          url: "/v1/orders",
          body: { type: "key", meta: { algorithm: "aes", bit_length: 128 } },
          project: "race-others",
        }),
      );
      assertNoServerError(orders, "order creation");
      assert.equal(statuses(orders).filter((status) => status === 202).length, 2);
      assert.equal(await total("/v1/orders", "race-others"), 2);
    });

    test("consumer quota holds", async () => {
      const secret = await createSecret(km, { name: "consumed" }, { project: "race-consumers" });
      await setQuotas("race-consumers", { consumers: 2 });
      const responses = await inParallel((index) =>
        km.call({
          method: "POST",
          url: `/v1/secrets/${secret}/consumers`,
          body: { service: "compute", resource_type: "server", resource_id: `vm-${index}` },
          project: "race-consumers",
        }),
      );
      assertNoServerError(responses, "consumer registration");
      assert.equal(await total(`/v1/secrets/${secret}/consumers`, "race-consumers"), 2);
    });

    test("quota of another project unaffected", async () => {
      await setQuotas("race-limited", { secrets: 1 });
      const responses = await inParallel((index) =>
        km.call({
          method: "POST",
          url: "/v1/secrets",
          body: { name: `free-${index}` },
          project: index % 2 === 0 ? "race-limited" : "race-unlimited",
        }),
      );
      assertNoServerError(responses, "secret creation");
      assert.equal(await total("/v1/secrets", "race-limited"), 1);
      assert.equal(await total("/v1/secrets", "race-unlimited"), CONCURRENCY / 2);
    });

    test("metadata replacements of one secret", async () => {
      const secret = await createSecret(km, { name: "metadata-race" });
      const responses = await inParallel((index) =>
        km.call({
          method: "PUT",
          url: `/v1/secrets/${secret}/metadata`,
          body: { metadata: { first: `${index}`, second: `${index}` } },
        }),
      );
      assertNoServerError(responses, "metadata replacement");
      assert.deepEqual(new Set(statuses(responses)), new Set([201]));
      const stored = await km.call({ method: "GET", url: `/v1/secrets/${secret}/metadata` });
      const metadata = stored.json().metadata as Record<string, string>;
      assert.deepEqual(Object.keys(metadata).sort(), ["first", "second"]);
      assert.equal(metadata.first, metadata.second, "both pairs come from one replacement");
    });

    test("ACL writes on one secret", async () => {
      const secret = await createSecret(km, { name: "acl-race" });
      const requests = [
        (index: number) =>
          km.call({
            method: "PUT",
            url: `/v1/secrets/${secret}/acl`,
            body: { read: { users: [`user-${index}`, "shared"], "project-access": false } },
          }),
        (index: number) =>
          km.call({
            method: "PATCH",
            url: `/v1/secrets/${secret}/acl`,
            body: { read: { users: [`patched-${index}`, "shared"] } },
          }),
        () => km.call({ method: "DELETE", url: `/v1/secrets/${secret}/acl` }),
      ];
      const responses = await inParallel((index) =>
        (requests[index % requests.length] as (index: number) => Promise<CallResult>)(index),
      );
      assertNoServerError(responses, "ACL write");
      const acl = await km.call({ method: "GET", url: `/v1/secrets/${secret}/acl` });
      assert.equal(acl.status, 200, acl.body);
    });

    test("same pair added to a container", async () => {
      const secret = await createSecret(km, { name: "contained" });
      const created = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic" },
      });
      const container = idOf(created.json().container_ref);
      const secretRef = `http://km.test:9311/v1/secrets/${secret}`;
      const responses = await inParallel((index) =>
        km.call({
          method: "POST",
          url: `/v1/containers/${container}/secrets`,
          body: { name: `name-${index % 2}`, secret_ref: secretRef },
        }),
      );
      assertNoServerError(responses, "container secret addition");
      assert.equal(statuses(responses).filter((status) => status === 201).length, 2);
      assert.equal(statuses(responses).filter((status) => status === 409).length, 10);
      const shown = await km.call({ method: "GET", url: `/v1/containers/${container}` });
      const names = (shown.json().secret_refs as { name: string }[]).map((ref) => ref.name);
      assert.deepEqual(names.sort(), ["name-0", "name-1"]);
    });

    test("deleted secret leaves containers", async () => {
      const kept = await createSecret(km, { name: "kept" });
      const removed = await createSecret(km, { name: "removed" });
      const created = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: {
          type: "generic",
          secret_refs: [
            { name: "kept", secret_ref: `http://km.test:9311/v1/secrets/${kept}` },
            { name: "removed", secret_ref: `http://km.test:9311/v1/secrets/${removed}` },
          ],
        },
      });
      const container = idOf(created.json().container_ref);
      const acl = await km.call({
        method: "PUT",
        url: `/v1/secrets/${removed}/acl`,
        body: { read: { users: ["reader"] } },
      });
      assert.equal(acl.status, 200);
      const deleted = await km.call({ method: "DELETE", url: `/v1/secrets/${removed}` });
      assert.equal(deleted.status, 204);
      const shown = await km.call({ method: "GET", url: `/v1/containers/${container}` });
      const names = (shown.json().secret_refs as { name: string }[]).map((ref) => ref.name);
      assert.deepEqual(names, ["kept"]);
      const listed = await km.call({
        method: "GET",
        url: "/v1/secrets?acl_only=true",
        user: "reader",
        project: "other-project",
      });
      assert.equal(listed.json().total, 0, "the deleted secret's ACL is gone");
    });

    test("container creation racing secret deletion", async () => {
      for (let round = 0; round < 4; round++) {
        const secret = await createSecret(km, { name: `doomed-${round}` });
        const secretRef = `http://km.test:9311/v1/secrets/${secret}`;
        const responses = await inParallel((index) =>
          index === 3
            ? km.call({ method: "DELETE", url: `/v1/secrets/${secret}` })
            : km.call({
                method: "POST",
                url: "/v1/containers",
                body: { type: "generic", secret_refs: [{ name: "doomed", secret_ref: secretRef }] },
              }),
        );
        assertNoServerError(responses, "container creation");
        const listed = await km.call({ method: "GET", url: "/v1/containers?limit=100" });
        const dangling = (listed.json().containers as { secret_refs: { secret_ref: string }[] }[])
          .flatMap((container) => container.secret_refs)
          .filter((ref) => ref.secret_ref === secretRef);
        assert.deepEqual(dangling, [], `round ${round}: a container refers to a deleted secret`);
      }
    });

    test("writes racing a deletion leave nothing", async () => {
      const database = openDatabase(km.database.url);
      try {
        for (let round = 0; round < 3; round++) {
          const secret = await createSecret(km, { name: `gone-${round}` });
          const created = await km.call({
            method: "POST",
            url: "/v1/containers",
            body: { type: "generic", name: `gone-${round}` },
          });
          const container = idOf(created.json().container_ref);
          const responses = await inParallel((index) => {
            if (index === 4) {
              return km.call({ method: "DELETE", url: `/v1/secrets/${secret}` });
            }
            if (index === 5) {
              return km.call({ method: "DELETE", url: `/v1/containers/${container}` });
            }
            const requests = [
              () =>
                km.call({
                  method: "PUT",
                  url: `/v1/secrets/${secret}/acl`,
                  body: { read: { users: [`user-${index}`] } },
                }),
              () =>
                km.call({
                  method: "PUT",
                  url: `/v1/containers/${container}/acl`,
                  body: { read: { users: [`user-${index}`] } },
                }),
              () =>
                km.call({
                  method: "POST",
                  url: `/v1/containers/${container}/consumers`,
                  body: { name: `consumer-${index}`, URL: "http://consumer.example" },
                }),
            ];
            return (requests[index % requests.length] as () => Promise<CallResult>)();
          });
          assertNoServerError(responses, `round ${round}`);
          for (const status of statuses(responses)) {
            assert.ok([200, 204, 404].includes(status), `round ${round}: status ${status}`);
          }
          const orphans = await sql<{ kind: string }>`
            select 'acl' as kind from km_acls a
              where (a.entity_kind = 'secret' and a.entity_id in
                (select id from km_secrets where deleted = ${true}))
              or (a.entity_kind = 'container' and a.entity_id in
                (select id from km_containers where deleted = ${true}))
            union all
            select 'consumer' as kind from km_container_consumers c
              where c.container_id in (select id from km_containers where deleted = ${true})
          `.execute(database.db);
          assert.deepEqual(
            orphans.rows,
            [],
            `round ${round}: rows of a deleted secret or container`,
          );
        }
      } finally {
        await database.close();
      }
    });

    test("project quota writes and deletes", async () => {
      const responses = await inParallel((index) =>
        index % 2 === 0
          ? km.call({
              method: "PUT",
              url: "/v1/project-quotas/race-admin",
              body: { project_quotas: { secrets: index } },
              ...SERVICE_ADMIN,
            })
          : km.call({ method: "DELETE", url: "/v1/project-quotas/race-admin", ...SERVICE_ADMIN }),
      );
      assertNoServerError(responses, "project quota write");
      for (const status of statuses(responses)) {
        assert.ok(status === 204 || status === 404, `unexpected ${status}`);
      }
    });

    test("same quotas saved twice", async () => {
      await setQuotas("race-twice", { secrets: 5 });
      await setQuotas("race-twice", { secrets: 5 });
      const stored = await km.call({
        method: "GET",
        url: "/v1/project-quotas/race-twice",
        ...SERVICE_ADMIN,
      });
      assert.equal((stored.json().project_quotas as Record<string, unknown>).secrets, 5);
    });

    test("container quota after deletes", async () => {
      await setQuotas("race-reuse", { containers: 1 });
      const first = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic" },
        project: "race-reuse",
      });
      assert.equal(first.status, 201, first.body);
      const deleted = await km.call({
        method: "DELETE",
        url: `/v1/containers/${idOf(first.json().container_ref)}`,
        project: "race-reuse",
      });
      assert.equal(deleted.status, 204);
      const responses = await inParallel(() =>
        km.call({
          method: "POST",
          url: "/v1/containers",
          body: { type: "generic" },
          project: "race-reuse",
        }),
      );
      assertNoServerError(responses, "container creation");
      assert.equal(statuses(responses).filter((status) => status === 201).length, 1);
    });
  });
}
