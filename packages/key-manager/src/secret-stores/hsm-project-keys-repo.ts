import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import type { HsmProjectKeyTable } from "../db/domain-schema.js";
import type { KeyManagerDatabase } from "../db/schema.js";

/** A project key of the PKCS#11 store, with `active` read back as a boolean. */
export type HsmProjectKeyRow = Omit<Selectable<HsmProjectKeyTable>, "active"> & { active: boolean };

/** SQL access to `km_hsm_project_keys`. */
export function createHsmProjectKeysRepo(db: Kysely<KeyManagerDatabase>) {
  return {
    async findActive(projectId: string): Promise<HsmProjectKeyRow | undefined> {
      const row = await db
        .selectFrom("km_hsm_project_keys")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("active", "=", true)
        .orderBy("version", "desc")
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async findById(id: string): Promise<HsmProjectKeyRow | undefined> {
      const row = await db
        .selectFrom("km_hsm_project_keys")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Inserts a key; throws the driver's unique-constraint error when the version exists. */
    async insert(row: HsmProjectKeyRow): Promise<void> {
      await db.insertInto("km_hsm_project_keys").values(row).execute();
    },

    /** Returns up to `limit` keys not wrapped by `mkekLabel`, for a rewrap. */
    async wrappedByOther(mkekLabel: string, limit: number): Promise<HsmProjectKeyRow[]> {
      const rows = await db
        .selectFrom("km_hsm_project_keys")
        .selectAll()
        .where("mkek_label", "!=", mkekLabel)
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    /** Counts keys by the master key label that wraps them. */
    async countByMasterKey(): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom("km_hsm_project_keys")
        .select((eb) => ["mkek_label", eb.fn.countAll<number | string>().as("total")])
        .groupBy("mkek_label")
        .execute();
      return Object.fromEntries(rows.map((row) => [row.mkek_label, Number(row.total)]));
    },

    /**
     * Replaces a key's wrapping when it is still wrapped by `fromLabel`; returns false when another
     * rewrap changed it first.
     */
    async rewrap(
      id: string,
      fromLabel: string,
      wrapping: { mkekLabel: string; wrappedKey: Buffer; hmac: Buffer },
    ): Promise<boolean> {
      const result = await db
        .updateTable("km_hsm_project_keys")
        .set({
          mkek_label: wrapping.mkekLabel,
          wrapped_key: wrapping.wrappedKey,
          hmac: wrapping.hmac,
        })
        .where("id", "=", id)
        .where("mkek_label", "=", fromLabel)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type HsmProjectKeysRepo = ReturnType<typeof createHsmProjectKeysRepo>;

function fromRow(row: Selectable<HsmProjectKeyTable>): HsmProjectKeyRow {
  return {
    ...row,
    version: Number(row.version),
    wrapped_key: Buffer.from(row.wrapped_key),
    hmac: Buffer.from(row.hmac),
    active: toBoolean(row.active),
  };
}
