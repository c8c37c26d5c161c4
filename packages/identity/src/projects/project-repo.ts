import { nowTimestamp, toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonArray, parseJsonObject } from "../common/json-column.js";
import { deleteProjectDependents } from "../db/cascade.js";
import { type Reference, serializable, writeWithReferences } from "../db/references.js";
import type { IdentitySchema, ProjectRow } from "../db/schema.js";
import type { Project, ProjectChanges, ProjectFilter } from "./project-types.js";

/** SQL access to projects. */
export function createProjectRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(id: string): Promise<Project | undefined> {
      const row = await db
        .selectFrom("identity_projects")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toProject(row);
    },

    async getByName(domainId: string, name: string): Promise<Project | undefined> {
      const row = await db
        .selectFrom("identity_projects")
        .selectAll()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : toProject(row);
    },

    async list(filter: ProjectFilter): Promise<Project[]> {
      if (filter.ids !== undefined && filter.ids.length === 0) {
        return [];
      }
      let query = db.selectFrom("identity_projects").selectAll().orderBy("name").orderBy("id");
      if (filter.ids !== undefined) {
        query = query.where("id", "in", filter.ids);
      }
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      if (filter.domainId !== undefined) {
        query = query.where("domain_id", "=", filter.domainId);
      }
      if (filter.enabled !== undefined) {
        query = query.where("enabled", "=", filter.enabled);
      }
      if (filter.parentId !== undefined) {
        query = query.where("parent_id", "=", filter.parentId);
      }
      // Tags are a JSON column, so the tag filters run here rather than in SQL.
      return (await query.execute())
        .map(toProject)
        .filter((project) => matchesTags(project, filter));
    },

    async hasChildren(id: string): Promise<boolean> {
      const row = await db
        .selectFrom("identity_projects")
        .select("id")
        .where("parent_id", "=", id)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Inserts a project; its domain and parent are checked in the same transaction. */
    async insert(project: Project): Promise<void> {
      const references: Reference[] = [{ kind: "domain", id: project.domainId }];
      if (project.parentId !== null) {
        references.push({ kind: "project", id: project.parentId });
      }
      await writeWithReferences(db, references, (trx) =>
        trx
          .insertInto("identity_projects")
          .values({
            id: project.id,
            name: project.name,
            domain_id: project.domainId,
            description: project.description,
            enabled: project.enabled,
            parent_id: project.parentId,
            tags: JSON.stringify(project.tags),
            extra: JSON.stringify(project.extra),
            created_at: nowTimestamp(),
          })
          .execute(),
      );
    },

    async update(id: string, changes: ProjectChanges): Promise<void> {
      const values = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
        ...(changes.tags === undefined ? {} : { tags: JSON.stringify(changes.tags) }),
        ...(changes.extra === undefined ? {} : { extra: JSON.stringify(changes.extra) }),
      };
      if (Object.keys(values).length === 0) {
        return;
      }
      await db.updateTable("identity_projects").set(values).where("id", "=", id).execute();
    },

    /** Deletes a project with its role assignments, scoped tokens and credentials. */
    /** Deletes the row and what refers to it. Returns false when it was already gone. */
    async delete(id: string): Promise<boolean> {
      return serializable(db, async (trx) => {
        await deleteProjectDependents(trx, [id]);
        const deleted = await trx
          .deleteFrom("identity_projects")
          .where("id", "=", id)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },
  };
}

export type ProjectRepo = ReturnType<typeof createProjectRepo>;

function toProject(row: Selectable<ProjectRow>): Project {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id,
    description: row.description,
    enabled: toBoolean(row.enabled),
    parentId: row.parent_id,
    tags: parseJsonArray<string>(row.tags),
    extra: parseJsonObject(row.extra),
  };
}

function matchesTags(project: Project, filter: ProjectFilter): boolean {
  const has = (tag: string) => project.tags.includes(tag);
  if (filter.tags !== undefined && !filter.tags.every(has)) {
    return false;
  }
  if (filter.tagsAny !== undefined && !filter.tagsAny.some(has)) {
    return false;
  }
  if (filter.notTags?.every(has)) {
    return false;
  }
  if (filter.notTagsAny?.some(has)) {
    return false;
  }
  return true;
}
