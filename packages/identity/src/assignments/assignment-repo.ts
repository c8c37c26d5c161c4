import type { Kysely, Selectable } from "kysely";
import { type Reference, writeWithReferences } from "../db/references.js";
import type { IdentitySchema, RoleAssignmentRow } from "../db/schema.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { Assignment, AssignmentFilter, AssignmentTarget } from "./assignment-types.js";

/** SQL access to role assignments of users and groups. */
export function createAssignmentRepo(db: Kysely<IdentitySchema>) {
  return {
    async list(filter: AssignmentFilter): Promise<Assignment[]> {
      const actors = filter.actors;
      if (actors !== undefined && actors.length === 0) {
        return [];
      }
      let query = db
        .selectFrom("identity_role_assignments")
        .selectAll()
        .orderBy("target_type")
        .orderBy("target_id")
        .orderBy("actor_type")
        .orderBy("actor_id")
        .orderBy("role_id");
      if (actors !== undefined) {
        query = query.where((eb) =>
          eb.or(
            actors.map((actor) =>
              eb.and([eb("actor_type", "=", actor.type), eb("actor_id", "=", actor.id)]),
            ),
          ),
        );
      }
      if (filter.roleId !== undefined) {
        query = query.where("role_id", "=", filter.roleId);
      }
      if (filter.targetType !== undefined) {
        query = query.where("target_type", "=", filter.targetType);
      }
      if (filter.targetId !== undefined) {
        query = query.where("target_id", "=", filter.targetId);
      }
      return (await query.execute()).map(toAssignment);
    },

    async exists(assignment: Assignment): Promise<boolean> {
      const row = await db
        .selectFrom("identity_role_assignments")
        .select("role_id")
        .where("actor_type", "=", assignment.actor.type)
        .where("actor_id", "=", assignment.actor.id)
        .where("target_type", "=", assignment.target.type)
        .where("target_id", "=", assignment.target.id)
        .where("role_id", "=", assignment.roleId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Adds a grant; a grant that already exists is left as it is. The actor, target and role are
     * checked in the same transaction, so a grant never outlives one of them deleted meanwhile.
     */
    async insert(assignment: Assignment): Promise<void> {
      try {
        await writeWithReferences(db, referencesOf(assignment), async (trx) => {
          const existing = await trx
            .selectFrom("identity_role_assignments")
            .select("role_id")
            .where("actor_type", "=", assignment.actor.type)
            .where("actor_id", "=", assignment.actor.id)
            .where("target_type", "=", assignment.target.type)
            .where("target_id", "=", assignment.target.id)
            .where("role_id", "=", assignment.roleId)
            .executeTakeFirst();
          if (existing !== undefined) {
            return;
          }
          await trx
            .insertInto("identity_role_assignments")
            .values({
              actor_type: assignment.actor.type,
              actor_id: assignment.actor.id,
              target_type: assignment.target.type,
              target_id: assignment.target.id,
              role_id: assignment.roleId,
            })
            .execute();
        });
      } catch (error) {
        if (!isUniqueViolation(error)) {
          throw error;
        }
      }
    },

    async delete(assignment: Assignment): Promise<number> {
      const result = await db
        .deleteFrom("identity_role_assignments")
        .where("actor_type", "=", assignment.actor.type)
        .where("actor_id", "=", assignment.actor.id)
        .where("target_type", "=", assignment.target.type)
        .where("target_id", "=", assignment.target.id)
        .where("role_id", "=", assignment.roleId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type AssignmentRepo = ReturnType<typeof createAssignmentRepo>;

/** Rows a grant refers to: its actor, its target (unless the system) and its role. */
function referencesOf(assignment: Assignment): Reference[] {
  const references: Reference[] = [{ kind: assignment.actor.type, id: assignment.actor.id }];
  if (assignment.target.type !== "system") {
    references.push({ kind: assignment.target.type, id: assignment.target.id });
  }
  references.push({ kind: "role", id: assignment.roleId });
  return references;
}

function toAssignment(row: Selectable<RoleAssignmentRow>): Assignment {
  return {
    actor: { type: row.actor_type, id: row.actor_id },
    target: { type: row.target_type, id: row.target_id } as AssignmentTarget,
    roleId: row.role_id,
  };
}
