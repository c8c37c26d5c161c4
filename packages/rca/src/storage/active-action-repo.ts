import type { Kysely } from "kysely";
import type {
  ActionTypeName,
  ActiveActionChanges,
  ActiveActionRecord,
  ActiveActionStore,
} from "../evaluator/evaluator-types.js";
import type { RcaDatabase } from "./storage-types.js";

/** The evaluator's active actions in SQL (upstream's `active_actions` table). */
export class ActiveActionRepo implements ActiveActionStore {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  /** Applies one evaluation's changes in a transaction: removals first, then additions. */
  async save(changes: ActiveActionChanges): Promise<void> {
    if (changes.added.length === 0 && changes.removed.length === 0) {
      return;
    }
    await this.#db.transaction().execute(async (transaction) => {
      for (const removed of changes.removed) {
        await transaction
          .deleteFrom("rca_active_actions")
          .where("action_id", "=", removed.actionId)
          .where("trigger_id", "=", removed.trigger)
          .execute();
      }
      for (const action of changes.added) {
        await transaction
          .deleteFrom("rca_active_actions")
          .where("action_id", "=", action.actionId)
          .where("trigger_id", "=", action.trigger)
          .execute();
        await transaction
          .insertInto("rca_active_actions")
          .values({
            action_id: action.actionId,
            trigger_id: action.trigger,
            action_type: action.actionType,
            source_vertex_id: action.sourceVertexId,
            target_vertex_id: action.targetVertexId,
            score: action.score,
            extra_info: action.extraInfo,
            created_at: action.createdAt,
          })
          .execute();
      }
    });
  }

  async loadAll(): Promise<ActiveActionRecord[]> {
    const rows = await this.#db
      .selectFrom("rca_active_actions")
      .selectAll()
      .orderBy("created_at")
      .orderBy("action_id")
      .execute();
    return rows.map((row) => ({
      actionType: row.action_type as ActionTypeName,
      extraInfo: row.extra_info,
      sourceVertexId: row.source_vertex_id,
      targetVertexId: row.target_vertex_id ?? "",
      actionId: row.action_id,
      trigger: row.trigger_id,
      score: row.score,
      createdAt: row.created_at,
    }));
  }

  async clear(): Promise<void> {
    await this.#db.deleteFrom("rca_active_actions").execute();
  }
}
