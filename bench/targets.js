// Starts and stops the servers the benchmark compares: this project's key manager (SQLite or
// MariaDB) and upstream Barbican 15 from Debian.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createConnection } from "mysql2/promise";

const ROOT = new URL("..", import.meta.url).pathname;
const MYSQL_URL = process.env.OSTS_BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/mysql";

/** Returns a free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` with `X-Project-Id` until it responds with 200, for at most `seconds`. */
async function waitUntilReady(url, seconds) {
  for (let attempt = 0; attempt < seconds * 5; attempt += 1) {
    try {
      const response = await fetch(`${url}/v1/secrets?limit=1`, {
        headers: { "x-project-id": "bench-probe" },
      });
      if (response.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`${url} did not become ready within ${seconds} s`);
}

/**
 * Starts `openstack-ts serve key-manager` from the built CLI in its own process, without
 * authentication, on `databaseUrl`. Returns its URL and a stop function.
 */
export async function startKeyManager(label, databaseUrl, workFolder) {
  const port = await freePort();
  const folder = join(workFolder, label);
  mkdirSync(folder, { recursive: true });
  const configFile = join(folder, "config.yaml");
  writeFileSync(
    configFile,
    [
      "key_manager:",
      `  listen: { host: 127.0.0.1, port: ${port} }`,
      `  database: { url: "${databaseUrl}", pool_size: 10 }`,
      "  auth: { mode: noauth }",
      "  log: { level: warn }",
      `  crypto: { master_key_file: "${join(folder, "master-keys.json")}" }`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "packages/cli/bin/openstack-ts.js"),
      "serve",
      "key-manager",
      "--config",
      configFile,
    ],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, OSTS_DATA_DIR: folder } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, 60);
  return {
    url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Creates an empty MariaDB database for the key manager; returns its URL and a drop function. */
export async function createMysqlDatabase() {
  const name = `osts_bench_${randomBytes(4).toString("hex")}`;
  const run = async (statement) => {
    const connection = await createConnection({ uri: MYSQL_URL });
    try {
      await connection.query(statement);
    } finally {
      await connection.end();
    }
  };
  await run(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name}`) };
}

/**
 * Starts upstream Barbican with bench/upstream-barbican.sh, or uses `OSTS_BENCH_UPSTREAM_URL`
 * when set. Returns undefined, with the reason printed, when it cannot be started.
 */
export async function startUpstream(workFolder) {
  const configuredUrl = process.env.OSTS_BENCH_UPSTREAM_URL;
  if (configuredUrl !== undefined && configuredUrl !== "") {
    await waitUntilReady(configuredUrl, 10);
    const pid = Number(process.env.OSTS_BENCH_UPSTREAM_PID ?? Number.NaN);
    return { url: configuredUrl, pid, async stop() {} };
  }
  const script = join(ROOT, "bench/upstream-barbican.sh");
  const env = { ...process.env, BARBICAN_DIR: join(workFolder, "upstream-barbican") };
  const started = spawnSync("bash", [script, "start"], { env, encoding: "utf8" });
  if (started.status !== 0) {
    process.stderr.write(`upstream Barbican not started: ${started.stderr.trim()}\n`);
    return undefined;
  }
  const url = started.stdout.trim().split("\n").pop();
  const pid = Number(readFileSync(join(env.BARBICAN_DIR, "uwsgi.pid"), "utf8").trim());
  return {
    url,
    pid,
    async stop() {
      spawnSync("bash", [script, "stop"], { env, stdio: "inherit" });
    },
  };
}
