import { createHash, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { lockLiveRow } from "../db/row-locks.js";
import type { KeyManagerDatabase } from "../db/schema.js";
import type { ConsumerKind, ConsumerRecord } from "./consumers-types.js";

type Database = Kysely<KeyManagerDatabase>;

/** Table, parent column and field columns of each consumer kind. */
const KINDS = {
  container: {
    table: "km_container_consumers",
    parent: "container_id",
    fields: ["name", "url"],
  },
  secret: {
    table: "km_secret_consumers",
    parent: "secret_id",
    fields: ["service", "resource_type", "resource_id"],
  },
} as const;

/**
 * Returns the identity hash of a consumer's fields. Fields are length-prefixed, so no two
 * different field lists share an encoding.
 */
export function consumerHash(fields: string[]): string {
  const hash = createHash("sha256");
  for (const field of fields) {
    const bytes = Buffer.from(field, "utf8");
    hash.update(`${bytes.length}:`).update(bytes);
  }
  return hash.digest("hex");
}

/** SQL access to container and secret consumers. */
export function createConsumersRepo(db: Database) {
  // Kysely cannot type a table chosen at run time; every query below names only columns that
  // both consumer tables have, or the kind's own columns from KINDS.
  const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;

  /** Returns the consumer with exactly these fields on the parent, or undefined. */
  async function findByFields(
    kind: ConsumerKind,
    parentId: string,
    fields: string[],
  ): Promise<ConsumerRecord | undefined> {
    const spec = KINDS[kind];
    const row = await untyped
      .selectFrom(spec.table)
      .selectAll()
      .where(spec.parent, "=", parentId)
      .where("data_hash", "=", consumerHash(fields))
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(kind, row);
  }

  return {
    findByFields,

    /**
     * Registers a consumer, or refreshes `updated_at` when the same fields are already registered
     * on the parent, so registering twice keeps one row. The parent's row is locked first, so
     * registrations of one parent run one at a time and none lands on a deleted parent. Returns
     * false, writing nothing, when the parent is deleted.
     */
    async register(
      kind: ConsumerKind,
      parentId: string,
      projectId: string,
      fields: string[],
      now: string,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const parentTable = kind === "secret" ? "km_secrets" : "km_containers";
        if (!(await lockLiveRow(trx, parentTable, parentId))) {
          return false;
        }
        const spec = KINDS[kind];
        const dataHash = consumerHash(fields);
        const table = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
        const existing = await table
          .selectFrom(spec.table)
          .select("id")
          .where(spec.parent, "=", parentId)
          .where("data_hash", "=", dataHash)
          .executeTakeFirst();
        if (existing !== undefined) {
          await table
            .updateTable(spec.table)
            .set({ updated_at: now })
            .where("id", "=", existing.id as string)
            .execute();
          return true;
        }
        const row: Record<string, unknown> = {
          id: randomUUID(),
          [spec.parent]: parentId,
          project_id: projectId,
          data_hash: dataHash,
          status: "ACTIVE",
          created_at: now,
          updated_at: now,
        };
        spec.fields.forEach((column, index) => {
          row[column] = fields[index];
        });
        await table.insertInto(spec.table).values(row).execute();
        return true;
      });
    },

    /** Returns one consumer of the parent by id, or undefined. */
    async findById(
      kind: ConsumerKind,
      parentId: string,
      id: string,
    ): Promise<ConsumerRecord | undefined> {
      const spec = KINDS[kind];
      const row = await untyped
        .selectFrom(spec.table)
        .selectAll()
        .where(spec.parent, "=", parentId)
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(kind, row);
    },

    /** Deletes a consumer; returns false when it was already gone. */
    async delete(kind: ConsumerKind, id: string): Promise<boolean> {
      const result = await untyped
        .deleteFrom(KINDS[kind].table)
        .where("id", "=", id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Returns one page of a parent's consumers, oldest first, and their count. */
    async list(kind: ConsumerKind, parentId: string, page: { offset: number; limit: number }) {
      const spec = KINDS[kind];
      const counted = await untyped
        .selectFrom(spec.table)
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .where(spec.parent, "=", parentId)
        .executeTakeFirstOrThrow();
      const rows = await untyped
        .selectFrom(spec.table)
        .selectAll()
        .where(spec.parent, "=", parentId)
        .orderBy("created_at")
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { consumers: rows.map((row) => fromRow(kind, row)), total: Number(counted.total) };
    },

    /** Returns every consumer of a parent, oldest first. */
    async all(kind: ConsumerKind, parentId: string): Promise<ConsumerRecord[]> {
      const spec = KINDS[kind];
      const rows = await untyped
        .selectFrom(spec.table)
        .selectAll()
        .where(spec.parent, "=", parentId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map((row) => fromRow(kind, row));
    },
  };
}

export type ConsumersRepo = ReturnType<typeof createConsumersRepo>;

function fromRow(kind: ConsumerKind, row: Record<string, unknown>): ConsumerRecord {
  const fields = KINDS[kind].fields.map((column) => String(row[column]));
  return {
    id: String(row.id),
    parentId: String(row[KINDS[kind].parent]),
    projectId: String(row.project_id),
    fields,
    status: String(row.status),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
