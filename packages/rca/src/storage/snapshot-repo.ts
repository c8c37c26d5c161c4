import type { Kysely } from "kysely";
import { type RcaDatabase, readJson } from "./storage-types.js";

const SNAPSHOT_ID = "entity-graph";

/** Keeps the latest saved copy of the entity graph, used to rebuild it after a restart. */
export class GraphSnapshotRepo {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  /** Replaces the saved copy. */
  async save(snapshot: unknown, at: string): Promise<void> {
    const text = JSON.stringify(snapshot);
    await this.#db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom("rca_graph_snapshots").where("id", "=", SNAPSHOT_ID).execute();
      await transaction
        .insertInto("rca_graph_snapshots")
        .values({ id: SNAPSHOT_ID, snapshot: text, created_at: at })
        .execute();
    });
  }

  /** Returns the saved copy and when it was taken, if there is one. */
  async load(): Promise<{ snapshot: unknown; createdAt: string } | undefined> {
    const row = await this.#db
      .selectFrom("rca_graph_snapshots")
      .selectAll()
      .where("id", "=", SNAPSHOT_ID)
      .executeTakeFirst();
    if (row === undefined) {
      return undefined;
    }
    return { snapshot: readJson<unknown>(row.snapshot), createdAt: row.created_at };
  }
}
