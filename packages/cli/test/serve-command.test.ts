import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT_USAGE, runCli } from "../src/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("openstack-ts serve", () => {
  test("key-manager runs as its own process", async () => {
    const folder = mkdtempSync(join(tmpdir(), "osts-serve-"));
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
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=source",
        "packages/cli/src/main.ts",
        "serve",
        "key-manager",
        "--config",
        config,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
    try {
      let url: string | undefined;
      for (let attempt = 0; attempt < 150 && url === undefined; attempt += 1) {
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1];
        await sleep(100);
      }
      assert.ok(url, `no listening line in the output: ${output}`);
      const response = await fetch(`${url}/v1/secrets`, { headers: { "x-project-id": "p" } });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { secrets: [], total: 0 });
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
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
    assert.match(stderr, /unknown service 'no-such-service'; choose from key-manager/);
  });
});
