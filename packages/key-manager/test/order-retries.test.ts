import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createLogger, MemoryBus, migrateToLatest, openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import type { KeyManagerDatabase } from "../src/db/schema.js";
import { keyManagerMigrations } from "../src/index.js";
import { createOrdersRepo } from "../src/orders/orders-repo.js";
import { ORDER_QUEUE, type OrderRecord } from "../src/orders/orders-types.js";
import type { SecretStore } from "../src/secret-stores/secret-store.js";
import { createOrderWorker } from "../src/workers/order-worker.js";
import { createRetryScheduler } from "../src/workers/retry-scheduler.js";

const logger = createLogger({ level: "silent" });
const HOUR_MS = 3_600_000;

/** A store whose `storePayload` fails a given number of times, then succeeds. */
function flakyStore(failures: number): SecretStore & { calls: number } {
  const store = {
    name: "flaky",
    calls: 0,
    async storePayload() {
      store.calls += 1;
      if (store.calls <= failures) {
        throw new Error("store unavailable");
      }
      return { storeName: "flaky", keyId: null, keyVersion: 1, data: Buffer.from("sealed") };
    },
    async retrievePayload() {
      return Buffer.alloc(0);
    },
    async deletePayload() {},
  };
  return store;
}

function pendingOrder(updatedAt: string): OrderRecord {
  return {
    id: randomUUID(),
    projectId: "retry-project",
    creatorId: null,
    type: "key",
    meta: { name: null, algorithm: "aes", bit_length: 256, expiration: null },
    status: "PENDING",
    errorStatusCode: null,
    errorReason: null,
    subStatus: null,
    subStatusMessage: null,
    secretId: null,
    containerId: null,
    createdAt: updatedAt,
    updatedAt,
  };
}

for (const dialect of testDialects()) {
  describe(`order retries on ${dialect}`, () => {
    let testDatabase: TestDatabase;
    let database: ReturnType<typeof openDatabase<KeyManagerDatabase>>;
    let repo: ReturnType<typeof createOrdersRepo>;

    before(async () => {
      testDatabase = await createTestDatabase(dialect);
      database = openDatabase<KeyManagerDatabase>(testDatabase.url);
      await migrateToLatest(database.db as never, "key-manager", keyManagerMigrations(dialect));
      repo = createOrdersRepo(database.db);
    });
    after(async () => {
      await database.close();
      await testDatabase.drop();
    });

    /** Makes every retry task due now. */
    async function makeRetriesDue(): Promise<void> {
      await database.db
        .updateTable("km_order_retry_tasks")
        .set({ retry_at: new Date(Date.now() - 1000).toISOString() })
        .execute();
    }

    test("failed attempt is retried by the scheduler", async () => {
      const order = pendingOrder(new Date().toISOString());
      await repo.insert(order);
      const store = flakyStore(1);
      const worker = createOrderWorker({
        repo,
        store,
        logger,
        retryDelaySeconds: 60,
        maxAttempts: 3,
      });

      await worker.process({ order_id: order.id });
      assert.equal((await repo.find(order.id))?.status, "PENDING");
      const tasks = await database.db
        .selectFrom("km_order_retry_tasks")
        .selectAll()
        .where("order_id", "=", order.id)
        .execute();
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0]?.retry_count, 1);

      const bus = new MemoryBus();
      const queued: unknown[] = [];
      await bus.consume(ORDER_QUEUE, async (body) => {
        queued.push(body);
      });
      const scheduler = createRetryScheduler({
        repo,
        bus,
        logger,
        intervalSeconds: 1,
        pendingTimeoutSeconds: 60,
      });
      assert.equal(await scheduler.scan(), 0, "the retry is not due yet");
      await makeRetriesDue();
      assert.equal(await scheduler.scan(), 1);
      assert.equal(await scheduler.scan(), 0, "a claimed retry is not queued twice");
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(queued, [{ order_id: order.id }]);
      await bus.close();

      await worker.process({ order_id: order.id });
      const finished = await repo.find(order.id);
      assert.equal(finished?.status, "ACTIVE");
      assert.notEqual(finished?.secretId, null);
      const left = await database.db
        .selectFrom("km_order_retry_tasks")
        .select("id")
        .where("order_id", "=", order.id)
        .execute();
      assert.equal(left.length, 0);
    });

    test("order becomes ERROR after max attempts", async () => {
      const order = pendingOrder(new Date().toISOString());
      await repo.insert(order);
      const worker = createOrderWorker({
        repo,
        store: flakyStore(100),
        logger,
        retryDelaySeconds: 1,
        maxAttempts: 3,
      });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await worker.process({ order_id: order.id });
      }
      const failed = await repo.find(order.id);
      assert.equal(failed?.status, "ERROR");
      assert.equal(failed?.errorStatusCode, "500");
      assert.equal(failed?.errorReason, "Order processing failed after 3 attempts");
    });

    test("stale PENDING order is queued again once", async () => {
      const stale = pendingOrder(new Date(Date.now() - HOUR_MS).toISOString());
      const fresh = pendingOrder(new Date().toISOString());
      await repo.insert(stale);
      await repo.insert(fresh);
      const enqueued: string[] = [];
      const scheduler = createRetryScheduler({
        repo,
        bus: {
          async enqueue(_queue, task) {
            enqueued.push((task as { order_id: string }).order_id);
          },
        },
        logger,
        intervalSeconds: 1,
        pendingTimeoutSeconds: 60,
      });
      await scheduler.scan();
      assert.ok(enqueued.includes(stale.id));
      assert.ok(!enqueued.includes(fresh.id));
      const count = enqueued.length;
      await scheduler.scan();
      assert.equal(enqueued.length, count, "the claim moved the stale order's clock forward");
    });

    test("second fulfilment of one order writes nothing", async () => {
      const order = pendingOrder(new Date().toISOString());
      await repo.insert(order);
      const worker = createOrderWorker({
        repo,
        store: flakyStore(0),
        logger,
        retryDelaySeconds: 1,
        maxAttempts: 3,
      });
      await Promise.all([
        worker.process({ order_id: order.id }),
        worker.process({ order_id: order.id }),
      ]);
      const secrets = await database.db
        .selectFrom("km_secrets")
        .select("id")
        .where("project_id", "=", "retry-project")
        .execute();
      const fulfilled = await database.db
        .selectFrom("km_orders")
        .select("secret_id")
        .where("status", "=", "ACTIVE")
        .where("project_id", "=", "retry-project")
        .execute();
      assert.equal(secrets.length, fulfilled.length, "one secret per fulfilled order");
    });
  });
}
