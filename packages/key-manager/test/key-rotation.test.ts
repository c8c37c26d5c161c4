import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import {
  countByMasterVersion,
  type KeyManagerDatabase,
  loadMasterKeyring,
  rewrapProjectKeys,
  rotateMasterKeyFile,
} from "../src/index.js";
import { startKeyManager, type TestKeyManager } from "./helpers.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const PROJECTS = 40;

/** Runs `openstack-ts manage ...` from source; `killOn` kills it when stdout matches. */
function manage(
  args: string[],
  config: string,
  killOn?: RegExp,
): Promise<{ code: number | null; output: string; killed: boolean }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=source",
      "packages/cli/src/main.ts",
      "manage",
      "--config",
      config,
      ...args,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  let killed = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (killOn?.test(output) === true && !killed) {
      killed = child.kill("SIGKILL");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return new Promise((resolveRun) =>
    child.once("exit", (code) => resolveRun({ code, output, killed })),
  );
}

for (const dialect of testDialects()) {
  describe(`master key rotation on ${dialect}`, () => {
    let folder: string;
    let keyFile: string;
    let configFile: string;
    let database: TestDatabase;
    const payloads = new Map<string, { project: string; payload: string }>();

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), "osts-km-rotation-"));
      keyFile = join(folder, "master-keys.json");
      database = await createTestDatabase(dialect);
      configFile = join(folder, "key-manager.yaml");
      writeFileSync(
        configFile,
        [
          "key_manager:",
          `  database: { url: "${database.url}" }`,
          `  crypto: { master_key_file: "${keyFile}" }`,
          "",
        ].join("\n"),
      );
      const km = await startWithKeyFile();
      for (let index = 0; index < PROJECTS; index += 1) {
        const project = `rotation-${index}`;
        const payload = randomBytes(24).toString("base64");
        const created = await km.call({
          method: "POST",
          url: "/v1/secrets",
          project,
          body: { payload, payload_content_type: "text/plain" },
        });
        payloads.set(String(created.json().secret_ref).split("/").pop() ?? "", {
          project,
          payload,
        });
      }
      await km.close();
    });
    after(async () => {
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    /** Starts a key manager on the shared database, with the master keys from the key file. */
    async function startWithKeyFile(): Promise<TestKeyManager> {
      // The helper's own database stays unused (and is dropped on close); this suite's database
      // outlives each instance.
      return startKeyManager(dialect, {
        "database.url": database.url,
        "crypto.master_key": "",
        "crypto.master_key_file": keyFile,
      });
    }

    async function assertEveryPayloadReadable(): Promise<void> {
      const km = await startWithKeyFile();
      try {
        for (const [id, { project, payload }] of payloads) {
          const response = await km.call({
            method: "GET",
            url: `/v1/secrets/${id}/payload`,
            project,
            headers: { accept: "text/plain" },
          });
          assert.equal(response.status, 200, `secret ${id}`);
          assert.equal(response.body, payload, `secret ${id}`);
        }
      } finally {
        await km.close();
      }
    }

    async function withDatabase<T>(
      action: (db: ReturnType<typeof openDatabase<KeyManagerDatabase>>) => Promise<T>,
    ) {
      const opened = openDatabase<KeyManagerDatabase>(database.url);
      try {
        return await action(opened);
      } finally {
        await opened.close();
      }
    }

    const keyring = () => loadMasterKeyring({ masterKey: "", masterKeyVersion: 1, file: keyFile });

    test("interrupted rewrap resumes without loss", async () => {
      const rotation = rotateMasterKeyFile(keyFile);
      assert.deepEqual(rotation, { previous: 1, active: 2 });

      const controller = new AbortController();
      const first = await withDatabase((opened) =>
        rewrapProjectKeys(opened.db, keyring(), {
          batchSize: 5,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      assert.equal(first.rewrapped, 5);
      assert.equal(first.remaining, PROJECTS - 5);
      await assertEveryPayloadReadable();

      const dryRun = await withDatabase((opened) =>
        rewrapProjectKeys(opened.db, keyring(), { dryRun: true }),
      );
      assert.equal(dryRun.rewrapped, PROJECTS - 5);
      assert.equal(dryRun.remaining, PROJECTS - 5);

      const second = await withDatabase((opened) => rewrapProjectKeys(opened.db, keyring()));
      assert.equal(second.rewrapped, PROJECTS - 5);
      assert.equal(second.remaining, 0);
      const counts = await withDatabase((opened) => countByMasterVersion(opened.db));
      assert.deepEqual(counts, { "2": PROJECTS });

      // Without version 1 in the file, only keys wrapped by version 2 can be read.
      const file = JSON.parse(readFileSync(keyFile, "utf8")) as { keys: Record<string, string> };
      delete file.keys["1"];
      writeFileSync(keyFile, JSON.stringify(file), { mode: 0o600 });
      await assertEveryPayloadReadable();
    });

    test("CLI rewrap killed mid-run resumes", { timeout: 120_000 }, async () => {
      const rotate = await manage(["master-key", "rotate"], configFile);
      assert.equal(rotate.code, 0, rotate.output);
      assert.match(rotate.output, /master key version 3 is active \(was 2\)/);

      const dryRun = await manage(["master-key", "rewrap", "--dry-run"], configFile);
      assert.equal(dryRun.code, 0, dryRun.output);
      assert.match(dryRun.output, new RegExp(`would rewrap ${PROJECTS} project keys`));

      const killed = await manage(
        ["master-key", "rewrap", "--batch-size", "1"],
        configFile,
        /rewrapped [1-9]/,
      );
      const afterKill = await withDatabase((opened) => countByMasterVersion(opened.db));
      assert.equal(
        Object.values(afterKill).reduce((sum, count) => sum + count, 0),
        PROJECTS,
        JSON.stringify(afterKill),
      );
      await assertEveryPayloadReadable();

      const resumed = await manage(["master-key", "rewrap"], configFile);
      assert.equal(resumed.code, 0, resumed.output);
      assert.match(resumed.output, /0 still on older versions/);
      const status = await manage(["master-key", "status"], configFile);
      assert.match(status.output, new RegExp(`version 3: ${PROJECTS} project keys`));
      await assertEveryPayloadReadable();
      // The kill lands mid-run on most machines; either way the resumed run must finish the job.
      assert.ok(killed.killed || killed.code === 0, killed.output);
    });
  });
}
