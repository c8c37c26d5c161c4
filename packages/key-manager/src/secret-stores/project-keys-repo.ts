import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely } from "kysely";
import type { KeyManagerDatabase, ProjectKeyTable } from "../db/schema.js";

/** A project key row, with `active` read back as a boolean. */
export type ProjectKeyRow = Omit<ProjectKeyTable, "active"> & { active: boolean };

/** SQL access to `km_project_keys`. */
export function createProjectKeysRepo(db: Kysely<KeyManagerDatabase>) {
  return {
    /** Returns the project's active key, or undefined when the project has none yet. */
    async findActive(projectId: string): Promise<ProjectKeyRow | undefined> {
      const row = await db
        .selectFrom("km_project_keys")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("active", "=", true)
        .orderBy("version", "desc")
        .executeTakeFirst();
      return row === undefined ? undefined : { ...row, active: toBoolean(row.active) };
    },

    /** Returns the key with this id, or undefined. */
    async findById(id: string): Promise<ProjectKeyRow | undefined> {
      const row = await db
        .selectFrom("km_project_keys")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : { ...row, active: toBoolean(row.active) };
    },

    /**
     * Inserts a key. Throws the driver's unique-constraint error when the project already has a
     * key of that version, which happens when two processes create a project's first key at once.
     */
    async insert(row: ProjectKeyRow): Promise<void> {
      await db.insertInto("km_project_keys").values(row).execute();
    },
  };
}

export type ProjectKeysRepo = ReturnType<typeof createProjectKeysRepo>;
