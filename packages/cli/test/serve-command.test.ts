import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT_USAGE, runCli } from "../src/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";

/** An `openstack-ts serve` child process, run from source, with what it printed so far. */
interface ServeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Exit code, or the signal name when the process was killed. */
  exited: Promise<number | string | null>;
}

function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", "packages/cli/src/main.ts", "serve", ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | string | null>((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit(code ?? signal)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the `listening` log line of a serve process and returns the URL in it. */
async function listeningUrl(serve: ServeProcess): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(serve.stdout())?.[1];
    if (url !== undefined) {
      return url;
    }
    await sleep(100);
  }
  assert.fail(`no listening line in the output: ${serve.stdout()} ${serve.stderr()}`);
}

/** Waits for a process to exit, killing it after 60 s so a hang fails the test instead. */
async function exitOf(serve: ServeProcess): Promise<number | string | null> {
  const timer = setTimeout(() => serve.child.kill("SIGKILL"), 60_000);
  try {
    return await serve.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Creates a scratch folder that is removed after the test, whether it passes or fails. */
function scratchFolder(context: TestContext): string {
  const folder = mkdtempSync(join(tmpdir(), "osts-serve-"));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

async function rabbitMqListens(): Promise<boolean> {
  return new Promise<boolean>((resolveReachable) => {
    const socket = connect(5672, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolveReachable(true);
    });
    socket.once("error", () => resolveReachable(false));
  });
}

describe("openstack-ts serve", () => {
  test("key-manager runs as its own process", async (context) => {
    const folder = scratchFolder(context);
    const config = join(folder, "config.yaml");
    writeFileSync(
      config,
      [
        "key_manager:",
        "  listen: { host: 127.0.0.1, port: 0 }",
        `  database: { url: "sqlite:${join(folder, "km.sqlite")}" }`,
        "  auth: { mode: noauth }",
        `  crypto: { master_key_file: "${join(folder, "keys.json")}" }`,
        "",
      ].join("\n"),
    );
    const serve = spawnServe(["key-manager", "--config", config]);
    try {
      const url = await listeningUrl(serve);
      const response = await fetch(`${url}/v1/secrets`, { headers: { "x-project-id": "p" } });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { secrets: [], total: 0 });
    } finally {
      serve.child.kill("SIGTERM");
    }
    assert.equal(await exitOf(serve), 0);
  });

  test("network runs as its own process", async (context) => {
    const folder = scratchFolder(context);
    const serve = spawnServe(["network"], {
      OSTS_DATA_DIR: folder,
      OSTS_NETWORK__LISTEN__PORT: "0",
      OSTS_NETWORK__AUTH__MODE: "noauth",
    });
    try {
      const url = await listeningUrl(serve);
      const response = await fetch(`${url}/v2.0/networks`, {
        headers: { "x-project-id": "p" },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { networks: [] });
    } finally {
      serve.child.kill("SIGTERM");
    }
    assert.equal(await exitOf(serve), 0);
  });

  test("identity runs as its own process", async (context) => {
    const folder = scratchFolder(context);
    const serve = spawnServe(["identity"], {
      OSTS_DATA_DIR: folder,
      OSTS_IDENTITY__LISTEN__PORT: "0",
      OSTS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: "serve-test-admin",
      OSTS_IDENTITY__PASSWORD__SCRYPT_COST: "1024",
    });
    try {
      const url = await listeningUrl(serve);
      const response = await fetch(`${url}/v3/auth/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ["password"],
              password: {
                user: { name: "admin", domain: { id: "default" }, password: "serve-test-admin" },
              },
            },
            scope: { project: { name: "admin", domain: { id: "default" } } },
          },
        }),
      });
      assert.equal(response.status, 201);
      assert.ok(response.headers.get("x-subject-token"));
    } finally {
      serve.child.kill("SIGTERM");
    }
    assert.equal(await exitOf(serve), 0);
  });

  test("occupied port names the variable", async (context) => {
    const folder = scratchFolder(context);
    const blocker = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(0, "127.0.0.1", resolveListen));
    const { port } = blocker.address() as { port: number };
    try {
      const serve = spawnServe(["network"], {
        OSTS_DATA_DIR: folder,
        OSTS_NETWORK__LISTEN__PORT: String(port),
        OSTS_NETWORK__AUTH__MODE: "noauth",
      });
      assert.equal(await exitOf(serve), 1);
      assert.match(
        serve.stderr(),
        new RegExp(
          `^network cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`,
        ),
      );
      assert.match(serve.stderr(), /set OSTS_NETWORK__LISTEN__PORT to another port/);
    } finally {
      blocker.close();
    }
  });

  test("failed start on RabbitMQ exits", async (context) => {
    if (!(await rabbitMqListens())) {
      context.skip("RabbitMQ is not listening on 127.0.0.1:5672");
      return;
    }
    const folder = scratchFolder(context);
    const notADatabase = join(folder, "rca.sqlite");
    writeFileSync(notADatabase, "this file is not a SQLite database, so the migration fails\n");
    const serve = spawnServe(["rca"], {
      OSTS_DATA_DIR: folder,
      OSTS_RCA__LISTEN__PORT: "0",
      OSTS_RCA__AUTH__MODE: "noauth",
      OSTS_RCA__BUS__URL: AMQP_URL,
      OSTS_RCA__DATABASE__URL: `sqlite:${notADatabase}`,
    });
    const code = await exitOf(serve);
    assert.notEqual(code, "SIGKILL", "the process kept running after the failure");
    assert.equal(code, 1);
    assert.match(serve.stderr(), /^rca failed to start: /);
  });

  test("worker without a bus URL exits", async (context) => {
    const folder = scratchFolder(context);
    const serve = spawnServe(["key-manager-worker"], {
      OSTS_DATA_DIR: folder,
      OSTS_KEY_MANAGER__WORKERS__LISTEN_PORT: "0",
    });
    const code = await exitOf(serve);
    assert.notEqual(code, "SIGKILL", "the worker kept running without a message bus");
    assert.equal(code, 1);
    assert.match(serve.stderr(), /key-manager-worker failed to start: /);
    assert.match(serve.stderr(), /OSTS_KEY_MANAGER__BUS__URL/);
  });

  test("unknown service is a usage error", async () => {
    let stderr = "";
    const code = await runCli(["serve", "no-such-service"], {
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      env: {},
    });
    assert.equal(code, EXIT_USAGE);
    assert.match(
      stderr,
      /unknown service 'no-such-service'; choose from identity, key-manager, key-manager-worker, network, kuryr, rca/,
    );
  });
});
