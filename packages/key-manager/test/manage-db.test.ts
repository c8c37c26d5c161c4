import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import {
  cleanDatabase,
  type KeyManagerDatabase,
  migrationStatus,
  upgradeDatabase,
} from "../src/index.js";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

const DAY_MS = 86_400_000;

for (const dialect of testDialects()) {
  describe(`manage db on ${dialect}`, () => {
    let km: TestKeyManager;
    let database: ReturnType<typeof openDatabase<KeyManagerDatabase>>;

    before(async () => {
      km = await startKeyManager(dialect);
      database = openDatabase<KeyManagerDatabase>(km.database.url);
    });
    after(async () => {
      await database.close();
      await km.close();
    });

    test("upgrade and status", async () => {
      const steps = await upgradeDatabase(database.db, km.database.url);
      assert.deepEqual(steps, []);
      const status = await migrationStatus(database.db, km.database.url);
      assert.deepEqual(
        status.map((step) => step.applied),
        status.map(() => true),
      );
      assert.ok(status.some((step) => step.name === "0002_domain_tables"));
    });

    test("clean purges old deletions and expired secrets", async () => {
      const soon = new Date(Date.now() + 3000).toISOString();
      const expiring = await createSecret(
        km,
        { name: "expiring", expiration: soon, payload: "x", payload_content_type: "text/plain" },
        { project: "clean-project" },
      );
      const deleted = await createSecret(km, { name: "deleted" }, { project: "clean-project" });
      await km.call({ method: "DELETE", url: `/v1/secrets/${deleted}`, project: "clean-project" });
      const container = await km.call({
        method: "POST",
        url: "/v1/containers",
        body: { type: "generic" },
        project: "clean-project",
      });
      const containerId = idOf(container.json().container_ref);
      await km.call({
        method: "DELETE",
        url: `/v1/containers/${containerId}`,
        project: "clean-project",
      });
      const kept = await createSecret(km, { name: "kept" }, { project: "clean-project" });

      const tooRecent = await cleanDatabase(database.db, {
        minDays: 1,
        softDeleteExpiredSecrets: false,
        cleanUnassociatedProjects: false,
      });
      assert.equal(tooRecent.secretsPurged, 0);
      assert.equal(tooRecent.containersPurged, 0);

      const later = new Date(Date.now() + 2 * DAY_MS);
      const result = await cleanDatabase(database.db, {
        minDays: 1,
        softDeleteExpiredSecrets: true,
        cleanUnassociatedProjects: false,
        now: later,
      });
      assert.equal(result.expiredSecretsSoftDeleted, 1);
      assert.ok(result.secretsPurged >= 1);
      assert.ok(result.containersPurged >= 1);

      const remaining = await database.db
        .selectFrom("km_secrets")
        .select(["id", "deleted"])
        .where("project_id", "=", "clean-project")
        .execute();
      const ids = remaining.map((row) => row.id);
      assert.ok(ids.includes(kept));
      assert.ok(!ids.includes(deleted));
      assert.ok(ids.includes(expiring), "an expired secret is only soft-deleted in this run");
    });

    test("unassociated projects lose their keys", async () => {
      const secret = await createSecret(
        km,
        { payload: "x", payload_content_type: "text/plain" },
        { project: "lonely-project" },
      );
      await km.call({ method: "DELETE", url: `/v1/secrets/${secret}`, project: "lonely-project" });
      await cleanDatabase(database.db, {
        minDays: 0,
        softDeleteExpiredSecrets: false,
        cleanUnassociatedProjects: true,
      });
      const keys = await database.db
        .selectFrom("km_project_keys")
        .select("id")
        .where("project_id", "=", "lonely-project")
        .execute();
      assert.equal(keys.length, 0);
      const others = await database.db
        .selectFrom("km_project_keys")
        .select("id")
        .where("project_id", "=", "clean-project")
        .execute();
      assert.equal(others.length, 1);
    });
  });
}
