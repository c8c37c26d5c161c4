import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  Kysely,
  type KyselyPlugin,
  MysqlDialect,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
} from "kysely";
import { LRUCache } from "lru-cache";
import { createPool as createMysqlPool, type TypeCastField, type TypeCastNext } from "mysql2";
import pg from "pg";
import { SqliteBooleanPlugin } from "./sqlite-boolean-plugin.js";

export type SqlDialect = "sqlite" | "postgres" | "mysql";

export interface Database<Schema> {
  db: Kysely<Schema>;
  dialect: SqlDialect;
  /** Connection URL with any password removed, safe to log. */
  displayUrl: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Maximum connections in the pool (PostgreSQL and MySQL). */
  poolSize?: number;
  plugins?: KyselyPlugin[];
}

/**
 * Opens a database from a URL: `sqlite:///absolute/path.db`, `sqlite:relative/path.db`,
 * `sqlite::memory:`, `postgres://user@host:5432/name` or `mysql://user@host:3306/name`
 * (`mariadb://` is accepted as an alias). Every dialect reads and writes booleans as booleans.
 */
export function openDatabase<Schema>(
  url: string,
  options: OpenDatabaseOptions = {},
): Database<Schema> {
  const dialect = dialectOf(url);
  const plugins = [...(options.plugins ?? [])];
  const displayUrl = redactUrl(url);

  if (dialect === "sqlite") {
    const file = sqliteFile(url);
    if (file !== ":memory:") {
      mkdirSync(dirname(file), { recursive: true });
    }
    const connection = new BetterSqlite3(file);
    connection.pragma("journal_mode = WAL");
    connection.pragma("busy_timeout = 5000");
    connection.pragma("foreign_keys = ON");
    connection.pragma("synchronous = NORMAL");
    const db = new Kysely<Schema>({
      dialect: new SqliteDialect({ database: withStatementCache(connection) }),
      plugins: [new SqliteBooleanPlugin(), ...plugins],
    });
    return { db, dialect, displayUrl, close: () => db.destroy() };
  }

  if (dialect === "postgres") {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: { getTypeParser: postgresTypeParser } as unknown as pg.CustomTypesConfig,
    });
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), plugins });
    return { db, dialect, displayUrl, close: () => closePostgres(db, pool) };
  }

  const mysqlUrl = url.replace(/^mariadb:/, "mysql:");
  const pool = createMysqlPool({
    uri: mysqlUrl,
    connectionLimit: options.poolSize ?? 10,
    charset: "utf8mb4",
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    typeCast: mysqlTypeCast,
  });
  const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool }), plugins });
  return { db, dialect, displayUrl, close: () => db.destroy() };
}

/**
 * Ends a PostgreSQL pool and waits until every client has closed its connection. `pool.end()`
 * resolves once it has asked the clients to close, before the server has seen them go, so a
 * `DROP DATABASE ... WITH (FORCE)` right after it could terminate a closing client, whose error
 * then had no listener and crashed the process.
 */
async function closePostgres(db: Pick<Kysely<unknown>, "destroy">, pool: pg.Pool): Promise<void> {
  const open = pool.totalCount;
  let closed = 0;
  const allClosed = new Promise<void>((resolve) => {
    if (open === 0) {
      resolve();
      return;
    }
    pool.on("remove", () => {
      closed += 1;
      if (closed >= open) {
        resolve();
      }
    });
  });
  await db.destroy();
  // A client whose connection attempt fails leaves the pool without a "remove" event, so the
  // wait is bounded rather than risk a close that never returns.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, POOL_CLOSE_WAIT_MS);
  });
  await Promise.race([allClosed, bound]);
  clearTimeout(timer);
}

/** Maximum wait, in milliseconds, for a closing pool's connections to be gone. */
const POOL_CLOSE_WAIT_MS = 5000;

/** Prepared statements kept per SQLite connection. */
const SQLITE_STATEMENT_CACHE_SIZE = 500;

/**
 * Reuses prepared statements by SQL text, because preparing is a large share of a short query's
 * cost on SQLite. Kysely runs one query, stream or transaction at a time on the connection, so a
 * cached statement is never used by two queries at once.
 */
function withStatementCache(connection: BetterSqlite3.Database): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({
    max: SQLITE_STATEMENT_CACHE_SIZE,
  });
  return {
    close: () => connection.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

export function dialectOf(url: string): SqlDialect {
  if (url.startsWith("sqlite:")) {
    return "sqlite";
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return "postgres";
  }
  if (url.startsWith("mysql://") || url.startsWith("mariadb://")) {
    return "mysql";
  }
  throw new Error(
    `unsupported database URL "${redactUrl(url)}": use sqlite:, postgres:// or mysql://`,
  );
}

function sqliteFile(url: string): string {
  const rest = url.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") {
    return ":memory:";
  }
  if (rest.startsWith("///")) {
    return rest.slice(2);
  }
  if (rest.startsWith("//")) {
    return resolve(rest.slice(2));
  }
  return resolve(rest);
}

/** Returns the URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@/]*@/, "$1:***@");
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function postgresTypeParser(oid: number, format?: string) {
  if (oid === PG_INT8) {
    return (value: string) => Number.parseInt(value, 10);
  }
  if (oid === PG_NUMERIC) {
    return (value: string) => Number(value);
  }
  return pg.types.getTypeParser(oid, format as "text");
}

/** MySQL has no boolean type: `boolean` columns are TINYINT(1), read back here as booleans. */
function mysqlTypeCast(field: TypeCastField, next: TypeCastNext): unknown {
  if (field.type === "TINY" && field.length === 1) {
    const text = field.string();
    return text === null ? null : text === "1";
  }
  return next();
}
