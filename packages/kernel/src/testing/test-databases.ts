import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import pg from "pg";
import type { SqlDialect } from "../db/open-database.js";

/**
 * Dialects the storage tests run against, from `OSTS_TEST_DATABASES` (comma-separated:
 * `sqlite,postgres,mysql`); SQLite alone by default.
 */
export function testDialects(env: NodeJS.ProcessEnv = process.env): SqlDialect[] {
  const names = (env.OSTS_TEST_DATABASES ?? "sqlite")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of names) {
    if (name !== "sqlite" && name !== "postgres" && name !== "mysql") {
      throw new Error(`OSTS_TEST_DATABASES lists "${name}"; use sqlite, postgres and mysql`);
    }
  }
  return names as SqlDialect[];
}

/** Server URLs used by the tests; the defaults match the local PostgreSQL and MariaDB services. */
export function testServerUrl(
  dialect: "postgres" | "mysql",
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (dialect === "postgres") {
    return env.OSTS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  }
  return env.OSTS_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/mysql";
}

export interface TestDatabase {
  dialect: SqlDialect;
  url: string;
  /** Drops the database (or deletes the SQLite file). */
  drop(): Promise<void>;
}

/** Creates an empty database of the dialect with a unique name, for one test suite. */
export async function createTestDatabase(dialect: SqlDialect): Promise<TestDatabase> {
  const name = `osts_test_${randomBytes(6).toString("hex")}`;
  if (dialect === "sqlite") {
    const folder = mkdtempSync(join(tmpdir(), "osts-test-"));
    return {
      dialect,
      url: `sqlite://${join(folder, `${name}.sqlite`)}`,
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    };
  }
  if (dialect === "postgres") {
    const server = testServerUrl("postgres");
    await withPostgres(server, (client) => client.query(`CREATE DATABASE ${name}`));
    return {
      dialect,
      url: replaceDatabaseName(server, name),
      drop: () =>
        withPostgres(server, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
        ),
    };
  }
  const server = testServerUrl("mysql");
  await withMysql(server, (connection) =>
    connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
  );
  return {
    dialect,
    url: replaceDatabaseName(server, name),
    drop: () =>
      withMysql(server, (connection) => connection.query(`DROP DATABASE IF EXISTS ${name}`)),
  };
}

function replaceDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function withPostgres(
  url: string,
  action: (client: pg.Client) => Promise<unknown>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await action(client);
  } finally {
    await client.end();
  }
}

async function withMysql(
  url: string,
  action: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<unknown>,
): Promise<void> {
  const connection = await createConnection({ uri: url });
  try {
    await action(connection);
  } finally {
    await connection.end();
  }
}
