import { randomUUID } from "node:crypto";
import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely } from "kysely";
import type { KeyManagerDatabase } from "../db/schema.js";

/** A configured secret store as the API lists it. */
export interface SecretStoreRecord {
  id: string;
  name: string;
  storePlugin: string;
  cryptoPlugin: string | null;
  globalDefault: boolean;
  status: string;
  createdAt: string;
  updatedAt: string;
}

/** A store from the configuration, to sync into the table. */
export interface ConfiguredStore {
  name: string;
  storePlugin: string;
  cryptoPlugin: string | null;
  globalDefault: boolean;
}

/** SQL access to `km_secret_stores` and `km_project_secret_stores`. */
export function createSecretStoresRepo(db: Kysely<KeyManagerDatabase>) {
  return {
    /**
     * Makes the table match the configuration: inserts new stores, updates changed ones and
     * deletes stores no longer configured (with the project preferences that named them).
     * Returns the names deleted.
     */
    async sync(stores: ConfiguredStore[], now: string): Promise<string[]> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom("km_secret_stores").selectAll().execute();
        const configured = new Set(stores.map((store) => store.name));
        const removed = existing.filter((row) => !configured.has(row.name));
        for (const row of removed) {
          await trx
            .deleteFrom("km_project_secret_stores")
            .where("secret_store_id", "=", row.id)
            .execute();
          await trx.deleteFrom("km_secret_stores").where("id", "=", row.id).execute();
        }
        for (const store of stores) {
          const values = {
            store_plugin: store.storePlugin,
            crypto_plugin: store.cryptoPlugin,
            global_default: store.globalDefault,
          };
          const row = existing.find((item) => item.name === store.name);
          if (row === undefined) {
            await trx
              .insertInto("km_secret_stores")
              .values({
                id: randomUUID(),
                name: store.name,
                ...values,
                status: "ACTIVE",
                created_at: now,
                updated_at: now,
              })
              .execute();
          } else {
            await trx
              .updateTable("km_secret_stores")
              .set({ ...values, updated_at: now })
              .where("id", "=", row.id)
              .execute();
          }
        }
        return removed.map((row) => row.name);
      });
    },

    async list(): Promise<SecretStoreRecord[]> {
      const rows = await db
        .selectFrom("km_secret_stores")
        .selectAll()
        .orderBy("created_at")
        .orderBy("name")
        .execute();
      return rows.map(fromRow);
    },

    async find(id: string): Promise<SecretStoreRecord | undefined> {
      const row = await db
        .selectFrom("km_secret_stores")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Returns the project's preferred store, or undefined. */
    async preferred(projectId: string): Promise<SecretStoreRecord | undefined> {
      const row = await db
        .selectFrom("km_project_secret_stores")
        .innerJoin(
          "km_secret_stores",
          "km_secret_stores.id",
          "km_project_secret_stores.secret_store_id",
        )
        .selectAll("km_secret_stores")
        .where("km_project_secret_stores.project_id", "=", projectId)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async setPreferred(projectId: string, storeId: string, now: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom("km_project_secret_stores")
          .where("project_id", "=", projectId)
          .execute();
        await trx
          .insertInto("km_project_secret_stores")
          .values({
            project_id: projectId,
            secret_store_id: storeId,
            created_at: now,
            updated_at: now,
          })
          .execute();
      });
    },

    /** Removes the project's preference for this store; returns false when it had none. */
    async unsetPreferred(projectId: string, storeId: string): Promise<boolean> {
      const result = await db
        .deleteFrom("km_project_secret_stores")
        .where("project_id", "=", projectId)
        .where("secret_store_id", "=", storeId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type SecretStoresRepo = ReturnType<typeof createSecretStoresRepo>;

function fromRow(row: {
  id: string;
  name: string;
  store_plugin: string;
  crypto_plugin: string | null;
  global_default: boolean | number;
  status: string;
  created_at: string;
  updated_at: string;
}): SecretStoreRecord {
  return {
    id: row.id,
    name: row.name,
    storePlugin: row.store_plugin,
    cryptoPlugin: row.crypto_plugin,
    globalDefault: toBoolean(row.global_default),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
