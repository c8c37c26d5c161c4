import { setTimeout as sleep } from "node:timers/promises";
import type { SqlDialect } from "@openstack-ts/kernel";
import { type Kysely, sql } from "kysely";
import type { NetworkDatabase } from "./schema.js";

/** A database handle inside a transaction (or the database itself for reads). */
export type Executor = Kysely<NetworkDatabase>;

/**
 * Thrown inside a transaction to run it again from the start, for a conflict that a fresh read
 * resolves: an automatically chosen address or MAC that another request took first.
 */
export class RetryTransaction extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RetryTransaction";
  }
}

/** Options of `writeTransaction`. */
export interface TransactionOptions {
  /** Attempts before a retryable conflict is returned to the caller. */
  attempts?: number;
}

/**
 * Database access shared by the repositories: the handle, its dialect, and write transactions that
 * run again on deadlocks, serialization failures, busy SQLite files and `RetryTransaction`.
 */
export class NetworkStore {
  readonly db: Kysely<NetworkDatabase>;
  readonly dialect: SqlDialect;

  constructor(db: Kysely<NetworkDatabase>, dialect: SqlDialect) {
    this.db = db;
    this.dialect = dialect;
  }

  /**
   * Runs `work` in one write transaction. SQLite transactions start with `BEGIN IMMEDIATE`, so
   * writers of several processes queue on the file lock instead of failing when they upgrade a
   * read lock. Retryable failures run the whole function again after a short random pause.
   */
  async writeTransaction<T>(
    work: (trx: Executor) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const attempts = options.attempts ?? 60;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#runOnce(work);
      } catch (error) {
        if (attempt >= attempts || !isRetryable(error)) {
          throw error;
        }
        await sleep(Math.min(200, 2 ** Math.min(attempt, 7)) * Math.random());
      }
    }
  }

  /** Locks a row for the rest of the transaction where the dialect supports `FOR UPDATE`. */
  async lockRow(
    trx: Executor,
    table: "net_networks" | "net_subnetpools" | "net_routers",
    id: string,
  ): Promise<boolean> {
    let query = trx.selectFrom(table).select("id").where("id", "=", id);
    if (this.dialect !== "sqlite") {
      query = query.forUpdate();
    }
    return (await query.executeTakeFirst()) !== undefined;
  }

  async #runOnce<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    if (this.dialect !== "sqlite") {
      return this.db.transaction().execute(work);
    }
    return this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }
}

/** True for failures that succeed when the transaction runs again. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryTransaction) {
    return true;
  }
  const code = (error as { code?: unknown }).code;
  const errno = (error as { errno?: unknown }).errno;
  if (code === "40001" || code === "40P01") {
    return true;
  }
  if (errno === 1213 || errno === 1205) {
    return true;
  }
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** True when a statement failed on a primary key or unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const errno = (error as { errno?: unknown }).errno;
  return (
    code === "23505" ||
    errno === 1062 ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "SQLITE_CONSTRAINT_UNIQUE"
  );
}

/** True when a statement failed on a foreign key. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const errno = (error as { errno?: unknown }).errno;
  return (
    code === "23503" || errno === 1451 || errno === 1452 || code === "SQLITE_CONSTRAINT_FOREIGNKEY"
  );
}
