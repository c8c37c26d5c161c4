import type { Kysely, Transaction } from "kysely";
import type { KeyManagerDatabase } from "./schema.js";

type Executor = Kysely<KeyManagerDatabase> | Transaction<KeyManagerDatabase>;

/**
 * Locks a secret's or container's row until the transaction ends, by updating it without
 * changing it, and returns false when the row is missing or soft-deleted. A deletion updates the
 * same row before it removes what hangs off it, so it either waits for the calling transaction
 * and removes what that one added, or commits first and is seen here. SQLite needs no row lock,
 * because it runs one write transaction at a time.
 */
export async function lockLiveRow(
  trx: Executor,
  table: "km_secrets" | "km_containers",
  id: string,
): Promise<boolean> {
  await trx
    .updateTable(table)
    .set((eb) => ({ id: eb.ref("id") }))
    .where("id", "=", id)
    .execute();
  const row = await trx
    .selectFrom(table)
    .select("id")
    .where("id", "=", id)
    .where("deleted", "=", false)
    .executeTakeFirst();
  return row !== undefined;
}
