import { toTimestamp } from "@openstack-ts/kernel";
import {
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  sql,
} from "kysely";
import { ceilToSecond, floorToSecond } from "../api/iso-time.js";
import type { KeyManagerDatabase, SecretTable } from "../db/schema.js";
import type { StoredPayload } from "../secret-stores/secret-store.js";
import {
  type DateFilter,
  MAX_BIT_LENGTH,
  type SecretListFilters,
  type SecretPage,
  type SecretRecord,
  type SortKey,
} from "./secrets-types.js";

type Database = Kysely<KeyManagerDatabase>;
type SecretQuery = SelectQueryBuilder<KeyManagerDatabase, "km_secrets", object>;
type DateColumn = "created_at" | "updated_at" | "expiration";

const SORT_COLUMNS: Record<SortKey, keyof SecretTable> = {
  algorithm: "algorithm",
  bit_length: "bit_length",
  created: "created_at",
  expiration: "expiration",
  mode: "mode",
  name: "name",
  secret_type: "secret_type",
  status: "status",
  updated: "updated_at",
};

const ONE_SECOND_MS = 1000;

/** SQL access to secrets and their payloads. Expired and deleted secrets are never returned. */
export function createSecretsRepo(db: Database) {
  return {
    /** Inserts a secret and, when given, its payload, in one transaction. */
    async insert(secret: SecretRecord, payload: StoredPayload | null): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto("km_secrets").values(toRow(secret)).execute();
        if (payload !== null) {
          await trx
            .insertInto("km_secret_payloads")
            .values(toPayloadRow(secret.id, payload, secret.createdAt))
            .execute();
        }
      });
    },

    /** Returns the secret if it exists, is not deleted and has not expired at `now`. */
    async findVisible(id: string, now: Date): Promise<SecretRecord | undefined> {
      const row = await visible(db.selectFrom("km_secrets").selectAll(), now)
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /**
     * Returns a visible secret together with its stored payload record, in one query, for the
     * payload reads that need both.
     */
    async findVisibleWithPayload(
      id: string,
      now: Date,
    ): Promise<{ secret: SecretRecord; payload: StoredPayload | undefined } | undefined> {
      const row = await visible(db.selectFrom("km_secrets"), now)
        .leftJoin("km_secret_payloads", "km_secret_payloads.secret_id", "km_secrets.id")
        .selectAll("km_secrets")
        .select([
          "km_secret_payloads.store_name",
          "km_secret_payloads.key_id",
          "km_secret_payloads.key_version",
          "km_secret_payloads.data",
        ])
        .where("km_secrets.id", "=", id)
        .executeTakeFirst();
      if (row === undefined) {
        return undefined;
      }
      const payload =
        row.store_name === null || row.data === null
          ? undefined
          : {
              storeName: row.store_name,
              keyId: row.key_id,
              keyVersion: Number(row.key_version),
              data: Buffer.from(row.data),
            };
      return { secret: fromRow(row), payload };
    },

    /** Returns the stored payload record of a secret, or undefined when it has none. */
    async findPayload(secretId: string): Promise<StoredPayload | undefined> {
      const row = await db
        .selectFrom("km_secret_payloads")
        .selectAll()
        .where("secret_id", "=", secretId)
        .executeTakeFirst();
      if (row === undefined) {
        return undefined;
      }
      return {
        storeName: row.store_name,
        keyId: row.key_id,
        keyVersion: row.key_version,
        data: Buffer.from(row.data),
      };
    },

    /**
     * Adds the payload of a secret that has none, in one transaction. Returns false, changing
     * nothing, when the secret already has a payload or no longer exists.
     */
    async addPayload(
      secretId: string,
      contentType: string,
      payload: StoredPayload,
      now: string,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("km_secrets")
          .set({ content_type: contentType, updated_at: now })
          .where("id", "=", secretId)
          .where("content_type", "is", null)
          .where("deleted", "=", false)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          return false;
        }
        await trx
          .insertInto("km_secret_payloads")
          .values(toPayloadRow(secretId, payload, now))
          .execute();
        return true;
      });
    },

    /**
     * Marks a secret deleted and removes its payload, user metadata, container references and
     * ACLs, in one transaction. Returns false when the secret was already deleted.
     */
    async softDelete(secretId: string, now: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("km_secrets")
          .set({ deleted: true, deleted_at: now, updated_at: now })
          .where("id", "=", secretId)
          .where("deleted", "=", false)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          return false;
        }
        await trx.deleteFrom("km_secret_payloads").where("secret_id", "=", secretId).execute();
        await trx.deleteFrom("km_secret_metadata").where("secret_id", "=", secretId).execute();
        // Upstream Barbican deletes these with the secret too (models.Secret), but not consumers.
        await trx.deleteFrom("km_container_secrets").where("secret_id", "=", secretId).execute();
        await trx
          .deleteFrom("km_acls")
          .where("entity_kind", "=", "secret")
          .where("entity_id", "=", secretId)
          .execute();
        return true;
      });
    },

    /** Returns one page of a project's visible secrets that match the filters, and their count. */
    async list(
      filters: SecretListFilters,
      page: { offset: number; limit: number },
      now: Date,
    ): Promise<SecretPage> {
      const base = applyFilters(visible(db.selectFrom("km_secrets"), now), filters);
      const counted = await base
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirstOrThrow();
      const total = Number(counted.total);
      if (total === 0 || page.offset >= total) {
        return { secrets: [], total };
      }
      const rows = await applySort(base.selectAll(), filters)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { secrets: rows.map(fromRow), total };
    },
  };
}

export type SecretsRepo = ReturnType<typeof createSecretsRepo>;

function visible<Q extends SecretQuery>(query: Q, now: Date): Q {
  const nowText = toTimestamp(now);
  return query
    .where("km_secrets.deleted", "=", false)
    .where((eb) =>
      eb.or([eb("km_secrets.expiration", "is", null), eb("km_secrets.expiration", ">", nowText)]),
    ) as Q;
}

function applyFilters(query: SecretQuery, filters: SecretListFilters): SecretQuery {
  let filtered =
    filters.aclUserId === undefined
      ? query.where("project_id", "=", filters.projectId)
      : query.where("id", "in", (eb) =>
          // `acl_only`: the secrets whose read ACL names the user, in any project.
          eb
            .selectFrom("km_acls")
            .innerJoin("km_acl_users", "km_acl_users.acl_id", "km_acls.id")
            .select("km_acls.entity_id")
            .where("km_acls.entity_kind", "=", "secret")
            .where("km_acls.operation", "=", "read")
            .where("km_acl_users.user_id", "=", filters.aclUserId as string),
        );
  if (filters.namePattern !== undefined) {
    filtered = filtered.where(caseInsensitiveLike("name", filters.namePattern));
  }
  if (filters.algorithmPattern !== undefined) {
    filtered = filtered.where(caseInsensitiveLike("algorithm", filters.algorithmPattern));
  }
  if (filters.modePattern !== undefined) {
    filtered = filtered.where(caseInsensitiveLike("mode", filters.modePattern));
  }
  if (filters.bitLength !== undefined) {
    // No stored bit length exceeds the schema's maximum, and a larger value would overflow the
    // integer column's type on PostgreSQL.
    filtered =
      filters.bitLength > MAX_BIT_LENGTH
        ? filtered.where(sql<boolean>`1 = 0`)
        : filtered.where("bit_length", "=", filters.bitLength);
  }
  if (filters.secretType !== undefined) {
    filtered = filtered.where("secret_type", "=", filters.secretType);
  }
  filtered = applyDateFilter(filtered, "created_at", filters.created);
  filtered = applyDateFilter(filtered, "updated_at", filters.updated);
  return applyDateFilter(filtered, "expiration", filters.expiration);
}

/** LIKE that ignores case on every dialect, as upstream's LIKE does on MySQL. */
function caseInsensitiveLike(column: "name" | "algorithm" | "mode", pattern: string) {
  return (eb: ExpressionBuilder<KeyManagerDatabase, "km_secrets">) =>
    eb(eb.fn("lower", [eb.ref(column)]), "like", pattern.toLowerCase());
}

/**
 * Applies a date filter with upstream's precision: upstream compares stored times that have whole
 * seconds, so each bound becomes a whole-second boundary on the stored text. For example
 * `gt:10:00:00.5` keeps times from 10:00:01, and a bare `10:00:00` keeps that whole second.
 */
function applyDateFilter(
  query: SecretQuery,
  column: DateColumn,
  filter: DateFilter | undefined,
): SecretQuery {
  if (filter === undefined) {
    return query;
  }
  let filtered = query;
  if (filter.after !== undefined) {
    const { at, exclusive } = filter.after;
    const from = exclusive
      ? floorToSecond(at).getTime() + ONE_SECOND_MS
      : ceilToSecond(at).getTime();
    filtered = filtered.where(column, ">=", toTimestamp(new Date(from)));
  }
  if (filter.before !== undefined) {
    const { at, exclusive } = filter.before;
    const until = exclusive
      ? ceilToSecond(at).getTime()
      : floorToSecond(at).getTime() + ONE_SECOND_MS;
    filtered = filtered.where(column, "<", toTimestamp(new Date(until)));
  }
  if (filter.equals !== undefined) {
    const at = filter.equals;
    if (floorToSecond(at).getTime() !== at.getTime()) {
      return filtered.where(sql<boolean>`1 = 0`);
    }
    filtered = filtered
      .where(column, ">=", toTimestamp(at))
      .where(column, "<", toTimestamp(new Date(at.getTime() + ONE_SECOND_MS)));
  }
  return filtered;
}

/**
 * Orders by the requested keys, with NULLs first in ascending order on every dialect as MySQL
 * sorts them. Creation time and id come last, so pages are stable.
 */
function applySort<Q extends SelectQueryBuilder<KeyManagerDatabase, "km_secrets", object>>(
  query: Q,
  filters: SecretListFilters,
): Q {
  let ordered = query;
  for (const order of filters.sort) {
    const column = SORT_COLUMNS[order.key];
    const nullsFirst = sql`case when ${sql.ref(column)} is null then 0 else 1 end`;
    ordered = ordered.orderBy(nullsFirst, order.direction).orderBy(column, order.direction) as Q;
  }
  return ordered.orderBy("created_at", "asc").orderBy("id", "asc") as Q;
}

function toRow(secret: SecretRecord): SecretTable {
  return {
    id: secret.id,
    project_id: secret.projectId,
    creator_id: secret.creatorId,
    name: secret.name,
    secret_type: secret.secretType,
    algorithm: secret.algorithm,
    bit_length: secret.bitLength,
    mode: secret.mode,
    expiration: secret.expiration,
    status: secret.status,
    content_type: secret.contentType,
    created_at: secret.createdAt,
    updated_at: secret.updatedAt,
    deleted: false,
    deleted_at: null,
  };
}

function toPayloadRow(secretId: string, payload: StoredPayload, now: string) {
  return {
    secret_id: secretId,
    store_name: payload.storeName,
    key_id: payload.keyId,
    key_version: payload.keyVersion,
    data: payload.data,
    created_at: now,
  };
}

function fromRow(row: Selectable<SecretTable>): SecretRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    creatorId: row.creator_id,
    name: row.name,
    secretType: row.secret_type,
    algorithm: row.algorithm,
    bitLength: row.bit_length === null ? null : Number(row.bit_length),
    mode: row.mode,
    expiration: row.expiration,
    status: row.status,
    contentType: row.content_type,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
