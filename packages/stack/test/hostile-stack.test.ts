import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createLogger, dataDirectory } from "@openstack-ts/kernel";
import { type RunningStack, type StackOptions, startStack } from "../src/index.js";

const run = promisify(execFile);
const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

/** Environment of a stack under test: fast password hashing, quiet logs, nothing from the host. */
const TEST_ENV: NodeJS.ProcessEnv = {
  OSTS_IDENTITY__PASSWORD__SCRYPT_COST: "1024",
  OSTS_IDENTITY__LOG__LEVEL: "silent",
  OSTS_KEY_MANAGER__LOG__LEVEL: "silent",
  OSTS_NETWORK__LOG__LEVEL: "silent",
  OSTS_RCA__LOG__LEVEL: "silent",
};

function start(dataDir: string, options: Partial<StackOptions> = {}): Promise<RunningStack> {
  return startStack({
    dataDir,
    freePorts: true,
    env: TEST_ENV,
    logger: createLogger({ level: "silent" }),
    ...options,
  });
}

/**
 * Asserts that a stack fails to start with an error `check` accepts. A stack that starts anyway is
 * stopped, so that it does not keep the test process running.
 */
async function assertStartFails(starting: Promise<RunningStack>, check: (error: Error) => void) {
  let started: RunningStack | undefined;
  try {
    started = await starting;
  } catch (error) {
    check(error as Error);
    return;
  }
  await started.stop();
  assert.fail("the stack started");
}

/** Listens on a free loopback port, so a service configured for it cannot bind. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return { server, port: address.port };
}

/** Runs `npm start`'s entry point in a child process until it exits; returns its output. */
function runMain(dataDir: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", MAIN], {
      env: { ...process.env, ...TEST_ENV, OSTS_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("stack under hostile conditions", () => {
  let folder: string;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), "osts-stack-hostile-"));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("names an occupied port", async () => {
    const { server, port } = await occupyPort();
    try {
      await assertStartFails(
        start(join(folder, "port"), {
          freePorts: false,
          overrides: Object.fromEntries(
            ["identity", "key_manager", "network", "rca"].map((section) => [
              section,
              { "listen.port": section === "identity" ? port : 0 },
            ]),
          ),
        }),
        (error) => {
          assert.match(error.message, /^identity cannot listen on 127\.0\.0\.1:\d+/);
          assert.match(error.message, new RegExp(`:${port}\\b`));
          assert.match(error.message, /already in use/);
          assert.match(error.message, /OSTS_IDENTITY__LISTEN__PORT/);
        },
      );
    } finally {
      server.close();
    }
  });

  it("reports an occupied port without a stack trace", async () => {
    const { server, port } = await occupyPort();
    try {
      const result = await runMain(join(folder, "main-port"), {
        OSTS_IDENTITY__LISTEN__PORT: String(port),
        OSTS_KEY_MANAGER__LISTEN__PORT: "0",
        OSTS_NETWORK__LISTEN__PORT: "0",
        OSTS_RCA__LISTEN__PORT: "0",
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`identity cannot listen on 127\\.0\\.0\\.1:${port}`));
      const output = `${result.stdout}\n${result.stderr}`;
      assert.doesNotMatch(output, /\s+at .+:\d+:\d+/, "a stack frame was printed");
    } finally {
      server.close();
    }
  });

  it("refuses a second stack on one folder", async () => {
    const shared = join(folder, "shared");
    const first = await start(shared);
    try {
      await assertStartFails(start(shared), (error) => {
        assert.match(error.message, /is in use by the stack with PID \d+/);
        assert.match(error.message, /OSTS_DATA_DIR/);
      });
      const openrc = readFileSync(first.openrcPath, "utf8");
      assert.match(openrc, new RegExp(first.services[0]?.url ?? "missing"));
    } finally {
      await first.stop();
    }
    const second = await start(shared);
    await second.stop();
  });

  it("refuses a folder another process holds", async () => {
    const shared = join(folder, "held");
    const first = await start(shared);
    try {
      const result = await runMain(shared, {});
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`in use by the stack with PID ${process.pid}`));
    } finally {
      await first.stop();
    }
  });

  it("takes over a lock of a dead process", async () => {
    const stale = join(folder, "stale");
    mkdirSync(stale, { recursive: true });
    // PID 2^22 + 1 is above Linux's pid_max limit, so no process can have it.
    writeFileSync(join(stale, "stack.pid"), "4194305\n");
    const stack = await start(stale);
    await stack.stop();
    assert.equal(existsSync(join(stale, "stack.pid")), false);
  });

  it("replaces a damaged openrc file", async () => {
    const damaged = join(folder, "openrc-damaged");
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, "openrc"), "\u0000\u0001garbage", { mode: 0o644 });
    const stack = await start(damaged);
    try {
      const text = readFileSync(stack.openrcPath, "utf8");
      assert.match(text, /^export OS_AUTH_URL=/);
      assert.equal(statSync(stack.openrcPath).mode & 0o777, 0o600);
    } finally {
      await stack.stop();
    }
  });

  it("names an openrc path it cannot write", async () => {
    const blocked = join(folder, "openrc-directory");
    mkdirSync(join(blocked, "openrc"), { recursive: true });
    await assertStartFails(start(blocked), (error) => {
      assert.match(error.message, /openrc/);
      assert.match(error.message, /cannot be written/);
    });
  });
});

/** Why the read-only test cannot run here, or undefined when it can. */
function readOnlySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) {
    return "needs root to bind-mount a read-only folder";
  }
  return undefined;
}

describe("stack on a read-only data folder", { skip: readOnlySkipReason() }, () => {
  it("names the folder", async () => {
    const source = mkdtempSync(join(tmpdir(), "osts-stack-ro-"));
    const mounted = `${source}-mount`;
    mkdirSync(mounted);
    await run("mount", ["--bind", source, mounted]);
    try {
      await run("mount", ["-o", "remount,bind,ro", mounted]);
      await assertStartFails(start(mounted), (error) => {
        assert.match(error.message, new RegExp(`data folder ${mounted} is not writable`));
        assert.match(error.message, /read-only/);
      });
    } finally {
      await run("umount", [mounted]);
      rmSync(mounted, { recursive: true, force: true });
      rmSync(source, { recursive: true, force: true });
    }
  });
});

describe("stack data folder from the environment", () => {
  it("treats an empty OSTS_DATA_DIR as unset", () => {
    assert.equal(dataDirectory({ OSTS_DATA_DIR: "" }), resolve("data"));
    assert.equal(dataDirectory({ OSTS_DATA_DIR: "  " }), resolve("data"));
    assert.equal(dataDirectory({ OSTS_DATA_DIR: "/srv/osts" }), "/srv/osts");
  });
});
