import type { Kysely } from "kysely";
import { type RcaDatabase, readJson } from "./storage-types.js";

/**
 * Keeps the latest saved copy of state that must survive a restart, by name: the entities a push
 * datasource has reported (Nova sends each instance once, so they cannot be listed again).
 */
export class SnapshotRepo {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  /** Replaces the saved copy of `id`. */
  async save(id: string, snapshot: unknown, at: string): Promise<void> {
    const text = JSON.stringify(snapshot);
    await this.#db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom("rca_graph_snapshots").where("id", "=", id).execute();
      await transaction
        .insertInto("rca_graph_snapshots")
        .values({ id, snapshot: text, created_at: at })
        .execute();
    });
  }

  /** Returns the saved copy of `id` and when it was taken, if there is one. */
  async load(id: string): Promise<{ snapshot: unknown; createdAt: string } | undefined> {
    const row = await this.#db
      .selectFrom("rca_graph_snapshots")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (row === undefined) {
      return undefined;
    }
    return { snapshot: readJson<unknown>(row.snapshot), createdAt: row.created_at };
  }
}
