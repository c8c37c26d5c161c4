import { type Expression, type SqlBool, sql } from "kysely";
import type { CustomFilter } from "../db/list-sql.js";
import { TAG_TABLES, type TaggedCollection } from "../db/schema.js";
import type { Executor } from "../db/transaction.js";

/** Reads the tags of several resources of one collection, each list sorted by tag. */
export async function loadTags(
  executor: Executor,
  collection: TaggedCollection,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const tags = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) {
    return tags;
  }
  const rows = await executor
    .selectFrom(TAG_TABLES[collection])
    .select(["resource_id", "tag"])
    .where("resource_id", "in", [...ids])
    .orderBy("tag")
    .execute();
  for (const row of rows) {
    tags.get(row.resource_id)?.push(row.tag);
  }
  return tags;
}

/** Replaces every tag of a resource. */
export async function replaceTags(
  executor: Executor,
  collection: TaggedCollection,
  resourceId: string,
  tags: readonly string[],
): Promise<void> {
  const table = TAG_TABLES[collection];
  await executor.deleteFrom(table).where("resource_id", "=", resourceId).execute();
  const unique = [...new Set(tags)];
  if (unique.length > 0) {
    await executor
      .insertInto(table)
      .values(unique.map((tag) => ({ resource_id: resourceId, tag })))
      .execute();
  }
}

/** Adds one tag; returns false when the resource already had it. */
export async function addTag(
  executor: Executor,
  collection: TaggedCollection,
  resourceId: string,
  tag: string,
): Promise<boolean> {
  const table = TAG_TABLES[collection];
  const existing = await executor
    .selectFrom(table)
    .select("tag")
    .where("resource_id", "=", resourceId)
    .where("tag", "=", tag)
    .executeTakeFirst();
  if (existing !== undefined) {
    return false;
  }
  await executor.insertInto(table).values({ resource_id: resourceId, tag }).execute();
  return true;
}

/** Removes one tag; returns false when the resource did not have it. */
export async function removeTag(
  executor: Executor,
  collection: TaggedCollection,
  resourceId: string,
  tag: string,
): Promise<boolean> {
  const result = await executor
    .deleteFrom(TAG_TABLES[collection])
    .where("resource_id", "=", resourceId)
    .where("tag", "=", tag)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Builds the four tag filters of Neutron's list requests for one collection. Values may be repeated
 * parameters or comma-separated. `tags` requires every tag and `tags-any` one of them. `not-tags`
 * excludes resources with every tag and `not-tags-any` those with any of them.
 */
export function tagFilters(
  collection: TaggedCollection,
  resourceTable: string,
): Record<string, CustomFilter> {
  const table = TAG_TABLES[collection];
  const hasTag = (tag: string): Expression<SqlBool> =>
    sql<SqlBool>`exists (select 1 from ${sql.table(table)} t where t.resource_id = ${sql.ref(`${resourceTable}.id`)} and t.tag = ${tag})`;
  const hasAnyTag = (tags: string[]): Expression<SqlBool> =>
    sql<SqlBool>`exists (select 1 from ${sql.table(table)} t where t.resource_id = ${sql.ref(`${resourceTable}.id`)} and t.tag in (${sql.join(tags)}))`;
  const all = (tags: string[]) => sql<SqlBool>`(${sql.join(tags.map(hasTag), sql` and `)})`;
  return {
    tags: (values) => all(tagList(values)),
    "tags-any": (values) => hasAnyTag(tagList(values)),
    "not-tags": (values) => sql<SqlBool>`not ${all(tagList(values))}`,
    "not-tags-any": (values) => sql<SqlBool>`not ${hasAnyTag(tagList(values))}`,
  };
}

function tagList(values: unknown[]): string[] {
  const tags = values.flatMap((value) => String(value).split(","));
  return tags.length === 0 ? [""] : tags;
}
