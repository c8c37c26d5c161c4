import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Kysely, sql } from "kysely";
import {
  columnTypes,
  type Database,
  migrateToLatest,
  nowTimestamp,
  openDatabase,
  type SqlDialect,
  toBoolean,
} from "../src/index.js";
import { createTestDatabase, type TestDatabase, testDialects } from "../src/testing/index.js";

interface Schema {
  items: {
    id: string;
    name: string;
    enabled: boolean | number;
    created_at: string;
    data: Buffer | null;
  };
}

function migrations(dialect: SqlDialect) {
  return {
    "0001_items": {
      async up(db: Kysely<unknown>) {
        const types = columnTypes(dialect);
        await db.schema
          .createTable("items")
          .addColumn("id", sql.raw(types.id), (column) => column.primaryKey())
          .addColumn("name", "varchar(255)", (column) => column.notNull())
          .addColumn("enabled", "boolean", (column) => column.notNull())
          .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
          .addColumn("data", sql.raw(types.binary))
          .execute();
      },
    },
  };
}

for (const dialect of testDialects()) {
  describe(`database on ${dialect}`, () => {
    let testDatabase: TestDatabase;
    let database: Database<Schema>;

    before(async () => {
      testDatabase = await createTestDatabase(dialect);
      database = openDatabase<Schema>(testDatabase.url);
      await migrateToLatest(database.db as Kysely<unknown>, "kernel-test", migrations(dialect));
    });

    after(async () => {
      await database.close();
      await testDatabase.drop();
    });

    it("round-trips booleans, text timestamps and binary data", async () => {
      const created = nowTimestamp();
      const data = Buffer.from([0, 1, 2, 254, 255]);
      await database.db
        .insertInto("items")
        .values({ id: "a", name: "first", enabled: true, created_at: created, data })
        .execute();
      const row = await database.db
        .selectFrom("items")
        .selectAll()
        .where("id", "=", "a")
        .executeTakeFirstOrThrow();
      assert.equal(toBoolean(row.enabled), true);
      assert.equal(row.created_at, created);
      assert.deepEqual(Buffer.from(row.data as Uint8Array), data);
    });

    it("filters on booleans", async () => {
      await database.db
        .insertInto("items")
        .values({ id: "b", name: "second", enabled: false, created_at: nowTimestamp(), data: null })
        .execute();
      const rows = await database.db
        .selectFrom("items")
        .select("id")
        .where("enabled", "=", false)
        .execute();
      assert.deepEqual(
        rows.map((row) => row.id),
        ["b"],
      );
    });

    it("counts as numbers", async () => {
      const row = await database.db
        .selectFrom("items")
        .select((eb) => eb.fn.countAll().as("count"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.count), 2);
      assert.equal(typeof row.count === "number" || typeof row.count === "string", true);
    });

    it("keeps migrations idempotent", async () => {
      const outcome = await migrateToLatest(
        database.db as Kysely<unknown>,
        "kernel-test",
        migrations(dialect),
      );
      assert.deepEqual(outcome.results, []);
    });
  });
}
