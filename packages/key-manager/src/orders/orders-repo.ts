import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import { insertContainer } from "../containers/containers-repo.js";
import type { ContainerRecord } from "../containers/containers-types.js";
import type { OrderTable } from "../db/domain-schema.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import type { StoredPayload } from "../secret-stores/secret-store.js";
import type { SecretRecord } from "../secrets/secrets-types.js";
import type { OrderRecord, OrderStatus, OrderType } from "./orders-types.js";

type Database = Kysely<KeyManagerDatabase>;

/** A generated secret with its protected payload, as a worker stores it. */
export interface GeneratedSecret {
  secret: SecretRecord;
  payload: StoredPayload;
}

/** The rows that fulfilling an order writes: its secrets, and a container for key pairs. */
export interface Fulfilment {
  secrets: GeneratedSecret[];
  container: ContainerRecord | null;
  /** The secret the order points at (key orders). */
  secretId: string | null;
}

/** Raised inside the fulfilment transaction to roll it back when the order is no longer PENDING. */
class OrderNoLongerPending extends Error {}

/** SQL access to orders and their retry tasks. Deleted orders are never returned. */
export function createOrdersRepo(db: Database) {
  return {
    async insert(order: OrderRecord): Promise<void> {
      await db.insertInto("km_orders").values(toRow(order)).execute();
    },

    /** Returns an order of the project, or undefined. */
    async findInProject(id: string, projectId: string): Promise<OrderRecord | undefined> {
      const row = await db
        .selectFrom("km_orders")
        .selectAll()
        .where("id", "=", id)
        .where("project_id", "=", projectId)
        .where("deleted", "=", false)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Returns an order that is not deleted, whatever its project, or undefined. */
    async find(id: string): Promise<OrderRecord | undefined> {
      const row = await db
        .selectFrom("km_orders")
        .selectAll()
        .where("id", "=", id)
        .where("deleted", "=", false)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Returns one page of a project's orders, oldest first, and their count. */
    async list(projectId: string, page: { offset: number; limit: number }) {
      const base = db
        .selectFrom("km_orders")
        .where("project_id", "=", projectId)
        .where("deleted", "=", false);
      const counted = await base
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirstOrThrow();
      const total = Number(counted.total);
      if (total === 0 || page.offset >= total) {
        return { orders: [] as OrderRecord[], total };
      }
      const rows = await base
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { orders: rows.map(fromRow), total };
    },

    /** Marks an order deleted; returns false when it was already deleted. */
    async softDelete(id: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable("km_orders")
        .set({ deleted: true, deleted_at: now, updated_at: now })
        .where("id", "=", id)
        .where("deleted", "=", false)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Stores what a worker generated and marks the order ACTIVE, in one transaction, only while
     * the order is still PENDING. Returns false, writing nothing, when another worker or a
     * deletion got there first, so a task delivered twice never yields two results.
     */
    async fulfil(orderId: string, fulfilment: Fulfilment, now: string): Promise<boolean> {
      try {
        await db.transaction().execute(async (trx) => {
          const claimed = await trx
            .updateTable("km_orders")
            .set({
              status: "ACTIVE",
              secret_id: fulfilment.secretId,
              container_id: fulfilment.container?.id ?? null,
              sub_status: "Unknown",
              sub_status_message: "Unknown",
              updated_at: now,
            })
            .where("id", "=", orderId)
            .where("status", "=", "PENDING")
            .where("deleted", "=", false)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) {
            throw new OrderNoLongerPending();
          }
          for (const generated of fulfilment.secrets) {
            await insertSecret(trx, generated);
          }
          if (fulfilment.container !== null) {
            await insertContainer(trx, fulfilment.container);
          }
          await trx.deleteFrom("km_order_retry_tasks").where("order_id", "=", orderId).execute();
        });
        return true;
      } catch (error) {
        if (error instanceof OrderNoLongerPending) {
          return false;
        }
        throw error;
      }
    },

    /** Marks a PENDING order ERROR with an HTTP-like code and a reason safe to show. */
    async markError(orderId: string, code: number, reason: string, now: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("km_orders")
          .set({
            status: "ERROR",
            error_status_code: String(code),
            error_reason: reason.slice(0, 255),
            updated_at: now,
          })
          .where("id", "=", orderId)
          .where("status", "=", "PENDING")
          .executeTakeFirst();
        await trx.deleteFrom("km_order_retry_tasks").where("order_id", "=", orderId).execute();
        return Number(result.numUpdatedRows) > 0;
      });
    },

    /**
     * Records a failed attempt and schedules the next one at `retryAt(failures)`, where
     * `failures` counts the failed attempts so far, this one included. Returns that count.
     */
    async scheduleRetry(
      orderId: string,
      retryAt: (failures: number) => string,
      now: string,
    ): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom("km_order_retry_tasks")
          .select(["id", "retry_count"])
          .where("order_id", "=", orderId)
          .executeTakeFirst();
        if (existing === undefined) {
          await trx
            .insertInto("km_order_retry_tasks")
            .values({
              id: randomUUID(),
              order_id: orderId,
              retry_at: retryAt(1),
              retry_count: 1,
              created_at: now,
            })
            .execute();
          return 1;
        }
        const count = Number(existing.retry_count) + 1;
        await trx
          .updateTable("km_order_retry_tasks")
          .set({ retry_at: retryAt(count), retry_count: count })
          .where("id", "=", existing.id)
          .execute();
        return count;
      });
    },

    /** Returns retry tasks due at `now`, at most `limit`. */
    async dueRetries(now: string, limit: number) {
      return db
        .selectFrom("km_order_retry_tasks")
        .select(["id", "order_id", "retry_at"])
        .where("retry_at", "<=", now)
        .orderBy("retry_at")
        .limit(limit)
        .execute();
    },

    /**
     * Claims a due retry task by moving its `retry_at` to `leaseUntil`. Returns false when another
     * scheduler claimed it first. A claimed task whose attempt never reports back is due again
     * when the lease ends.
     */
    async claimRetry(id: string, seenRetryAt: string, leaseUntil: string): Promise<boolean> {
      const result = await db
        .updateTable("km_order_retry_tasks")
        .set({ retry_at: leaseUntil })
        .where("id", "=", id)
        .where("retry_at", "=", seenRetryAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Returns PENDING orders untouched since `before` that have no retry task: orders whose task
     * was never queued (the publish failed) or was lost.
     */
    async stalePending(before: string, limit: number) {
      return db
        .selectFrom("km_orders")
        .select(["id", "updated_at"])
        .where("status", "=", "PENDING")
        .where("deleted", "=", false)
        .where("updated_at", "<", before)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("km_order_retry_tasks")
                .select("km_order_retry_tasks.id")
                .whereRef("km_order_retry_tasks.order_id", "=", "km_orders.id"),
            ),
          ),
        )
        .orderBy("updated_at")
        .limit(limit)
        .execute();
    },

    /** Claims a stale PENDING order by touching `updated_at`; false when another claim won. */
    async claimStale(id: string, seenUpdatedAt: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable("km_orders")
        .set({ updated_at: now })
        .where("id", "=", id)
        .where("status", "=", "PENDING")
        .where("updated_at", "=", seenUpdatedAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type OrdersRepo = ReturnType<typeof createOrdersRepo>;

async function insertSecret(trx: Transaction<KeyManagerDatabase>, generated: GeneratedSecret) {
  const { secret, payload } = generated;
  await trx
    .insertInto("km_secrets")
    .values({
      id: secret.id,
      project_id: secret.projectId,
      creator_id: secret.creatorId,
      name: secret.name,
      secret_type: secret.secretType,
      algorithm: secret.algorithm,
      bit_length: secret.bitLength,
      mode: secret.mode,
      expiration: secret.expiration,
      status: secret.status,
      content_type: secret.contentType,
      created_at: secret.createdAt,
      updated_at: secret.updatedAt,
      deleted: false,
      deleted_at: null,
    })
    .execute();
  await trx
    .insertInto("km_secret_payloads")
    .values({
      secret_id: secret.id,
      store_name: payload.storeName,
      key_id: payload.keyId,
      key_version: payload.keyVersion,
      data: payload.data,
      created_at: secret.createdAt,
    })
    .execute();
}

function toRow(order: OrderRecord) {
  return {
    id: order.id,
    project_id: order.projectId,
    creator_id: order.creatorId,
    type: order.type,
    meta: JSON.stringify(order.meta),
    status: order.status,
    error_status_code: order.errorStatusCode,
    error_reason: order.errorReason,
    sub_status: order.subStatus,
    sub_status_message: order.subStatusMessage,
    secret_id: order.secretId,
    container_id: order.containerId,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    deleted: false,
    deleted_at: null,
  };
}

function fromRow(row: Selectable<OrderTable>): OrderRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    creatorId: row.creator_id,
    type: row.type as OrderType,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    status: row.status as OrderStatus,
    errorStatusCode: row.error_status_code,
    errorReason: row.error_reason,
    subStatus: row.sub_status,
    subStatusMessage: row.sub_status_message,
    secretId: row.secret_id,
    containerId: row.container_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
