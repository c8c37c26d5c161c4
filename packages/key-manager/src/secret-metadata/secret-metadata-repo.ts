import type { Kysely } from "kysely";
import { retryOnConflict } from "../db/conflict-retry.js";
import type { KeyManagerDatabase } from "../db/schema.js";

/** SQL access to the user metadata of secrets (`km_secret_metadata`). */
export function createSecretMetadataRepo(db: Kysely<KeyManagerDatabase>) {
  async function replaceInTransaction(
    secretId: string,
    metadata: Record<string, string>,
    now: string,
  ): Promise<void> {
    await db.transaction().execute(async (trx) => {
      // Updating the secret's row without changing it locks the row on PostgreSQL and MySQL, so
      // replacements of one secret's metadata run one after the other.
      await trx
        .updateTable("km_secrets")
        .set((eb) => ({ id: eb.ref("id") }))
        .where("id", "=", secretId)
        .execute();
      await trx.deleteFrom("km_secret_metadata").where("secret_id", "=", secretId).execute();
      const rows = Object.entries(metadata).map(([key, value]) => ({
        secret_id: secretId,
        key,
        value,
        created_at: now,
        updated_at: now,
      }));
      if (rows.length > 0) {
        await trx.insertInto("km_secret_metadata").values(rows).execute();
      }
    });
  }

  return {
    /** Returns a secret's metadata in the order the pairs were created. */
    async list(secretId: string): Promise<Record<string, string>> {
      const rows = await db
        .selectFrom("km_secret_metadata")
        .select(["key", "value"])
        .where("secret_id", "=", secretId)
        .orderBy("created_at")
        .orderBy("key")
        .execute();
      return Object.fromEntries(rows.map((row) => [row.key, row.value]));
    },

    /**
     * Replaces all of a secret's metadata in one transaction, which locks the secret's row first.
     * A transaction that still conflicts (a MySQL deadlock) runs again.
     */
    async replaceAll(
      secretId: string,
      metadata: Record<string, string>,
      now: string,
    ): Promise<void> {
      await retryOnConflict(() => replaceInTransaction(secretId, metadata, now));
    },

    /** Inserts one pair; throws the driver's unique-constraint error when the key exists. */
    async insert(secretId: string, key: string, value: string, now: string): Promise<void> {
      await db
        .insertInto("km_secret_metadata")
        .values({ secret_id: secretId, key, value, created_at: now, updated_at: now })
        .execute();
    },

    /** Changes the value of an existing pair; returns false when the key does not exist. */
    async update(secretId: string, key: string, value: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable("km_secret_metadata")
        .set({ value, updated_at: now })
        .where("secret_id", "=", secretId)
        .where("key", "=", key)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Deletes one pair; deleting a missing key is not an error. */
    async delete(secretId: string, key: string): Promise<void> {
      await db
        .deleteFrom("km_secret_metadata")
        .where("secret_id", "=", secretId)
        .where("key", "=", key)
        .execute();
    },
  };
}

export type SecretMetadataRepo = ReturnType<typeof createSecretMetadataRepo>;
