import type { Kysely } from "kysely";
import type { KeyManagerDatabase } from "../db/schema.js";

/** A stored transport key. */
export interface TransportKeyRecord {
  id: string;
  pluginName: string;
  transportKey: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

/** SQL access to `km_transport_keys`; deleted keys are never returned. */
export function createTransportKeysRepo(db: Kysely<KeyManagerDatabase>) {
  return {
    async insert(key: TransportKeyRecord): Promise<void> {
      await db
        .insertInto("km_transport_keys")
        .values({
          id: key.id,
          plugin_name: key.pluginName,
          transport_key: key.transportKey,
          status: key.status,
          created_at: key.createdAt,
          updated_at: key.updatedAt,
          deleted: false,
          deleted_at: null,
        })
        .execute();
    },

    async find(id: string): Promise<TransportKeyRecord | undefined> {
      const row = await db
        .selectFrom("km_transport_keys")
        .selectAll()
        .where("id", "=", id)
        .where("deleted", "=", false)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Returns one page of keys, oldest first, optionally of one plugin, and their count. */
    async list(pluginName: string | undefined, page: { offset: number; limit: number }) {
      let query = db.selectFrom("km_transport_keys").where("deleted", "=", false);
      if (pluginName !== undefined) {
        query = query.where("plugin_name", "=", pluginName);
      }
      const counted = await query
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { keys: rows.map(fromRow), total: Number(counted.total) };
    },

    /** Marks a key deleted; returns false when it was already deleted. */
    async softDelete(id: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable("km_transport_keys")
        .set({ deleted: true, deleted_at: now, updated_at: now })
        .where("id", "=", id)
        .where("deleted", "=", false)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type TransportKeysRepo = ReturnType<typeof createTransportKeysRepo>;

function fromRow(row: {
  id: string;
  plugin_name: string;
  transport_key: string;
  status: string;
  created_at: string;
  updated_at: string;
}): TransportKeyRecord {
  return {
    id: row.id,
    pluginName: row.plugin_name,
    transportKey: row.transport_key,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
