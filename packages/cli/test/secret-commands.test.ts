import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createLogger, MemoryBus, type ServiceInstance } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { createKeyManagerService, loadKeyManagerConfig } from "@openstack-ts/key-manager";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from "../src/index.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("openstack-ts secret commands", () => {
  let service: ServiceInstance;
  let database: TestDatabase;
  let url: string;

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env,
    });
    return { code, stdout, stderr };
  }

  function noAuth(...args: string[]): string[] {
    return ["--no-auth", "--endpoint", url, "--os-project-id", "cli-project", ...args];
  }

  before(async () => {
    database = await createTestDatabase("sqlite");
    const folder = mkdtempSync(join(tmpdir(), "osts-cli-"));
    const config = loadKeyManagerConfig({
      env: {},
      overrides: {
        "database.url": database.url,
        "auth.mode": "noauth",
        "listen.port": 0,
        "crypto.master_key_file": join(folder, "keys.json"),
      },
    });
    service = await createKeyManagerService(config, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
    });
    url = await service.listen();
  });
  after(async () => {
    await service.close();
    await database.drop();
  });

  test("store and read a passphrase", async () => {
    const stored = await cli(
      noAuth(
        "secret",
        "store",
        "--secret-type",
        "passphrase",
        "--name",
        "passphrase",
        "--payload",
        "Be77erPa$$phrazE",
        "-c",
        "secret_ref",
        "-f",
        "value",
      ),
    );
    assert.equal(stored.code, EXIT_OK, stored.stderr);
    const ref = stored.stdout.trim();
    assert.match(ref, /\/v1\/secrets\/[0-9a-f-]{36}$/);
    const payload = await cli(
      noAuth("secret", "get", "--payload", ref, "-c", "payload", "-f", "value"),
    );
    assert.equal(payload.stdout, "Be77erPa$$phrazE\n");
    const byLabel = await cli(
      noAuth("secret", "get", "--payload", ref, "-c", "Payload", "-f", "value"),
    );
    assert.equal(byLabel.stdout, "Be77erPa$$phrazE\n");
  });

  test("get shows metadata with upstream labels", async () => {
    const stored = await cli(
      noAuth(
        "secret",
        "store",
        "--name",
        "shown",
        "--payload",
        "x",
        "-f",
        "value",
        "-c",
        "Secret href",
      ),
    );
    const metadata = await cli(noAuth("secret", "get", stored.stdout.trim(), "-f", "json"));
    const body = JSON.parse(metadata.stdout) as Record<string, unknown>;
    assert.equal(body.Name, "shown");
    assert.equal(body.Status, "ACTIVE");
    assert.equal(body["Bit length"], 256);
    assert.deepEqual(body["Content types"], { default: "application/octet-stream" });
    assert.match(String(body.Created), /\+00:00$/);
  });

  test("store from a file and read into a file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "osts-cli-file-"));
    const input = join(folder, "in.txt");
    const output = join(folder, "out.txt");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(input, "from a file");
    const stored = await cli(
      noAuth("secret", "store", "--file", input, "-c", "secret_ref", "-f", "value"),
    );
    assert.equal(stored.code, EXIT_OK, stored.stderr);
    const read = await cli(noAuth("secret", "get", stored.stdout.trim(), "--file", output));
    assert.equal(read.code, EXIT_OK, read.stderr);
    assert.equal(readFileSync(output, "utf8"), "from a file");
  });

  test("list with filters and columns", async () => {
    await cli(
      noAuth("secret", "store", "--name", "listed-a", "--algorithm", "rsa", "--bit-length", "2048"),
    );
    const listed = await cli(
      noAuth(
        "secret",
        "list",
        "--algorithm",
        "rsa",
        "-c",
        "Name",
        "-c",
        "bit_length",
        "-f",
        "value",
      ),
    );
    assert.equal(listed.code, EXIT_OK, listed.stderr);
    assert.equal(listed.stdout, "listed-a 2048\n");
  });

  test("two-step update", async () => {
    const stored = await cli(
      noAuth("secret", "store", "--name", "later", "-c", "secret_ref", "-f", "value"),
    );
    const ref = stored.stdout.trim();
    const updated = await cli(noAuth("secret", "update", ref, "added later"));
    assert.equal(updated.code, EXIT_OK, updated.stderr);
    const read = await cli(noAuth("secret", "get", "--payload", ref, "-f", "value"));
    assert.equal(read.stdout, "added later\n");
  });

  test("delete then get fails with exit 1", async () => {
    const stored = await cli(
      noAuth("secret", "store", "--name", "doomed", "-c", "secret_ref", "-f", "value"),
    );
    const ref = stored.stdout.trim();
    assert.equal((await cli(noAuth("secret", "delete", ref))).code, EXIT_OK);
    const missing = await cli(noAuth("secret", "get", ref));
    assert.equal(missing.code, EXIT_FAILURE);
    assert.equal(missing.stderr, "4xx Client error: Not Found: Secret not found.\n");
  });

  test("usage errors exit with 2", async () => {
    assert.equal((await cli(noAuth("secret", "frobnicate"))).code, EXIT_USAGE);
    assert.equal((await cli(noAuth("secret", "get"))).code, EXIT_USAGE);
    assert.equal((await cli(noAuth("secret", "list", "-f", "xml"))).code, EXIT_USAGE);
    assert.equal((await cli(["--help"])).code, EXIT_OK);
  });

  test("bad references and columns exit with 1", async () => {
    const reference = await cli(noAuth("secret", "get", "not-a-ref"));
    assert.equal(reference.code, EXIT_FAILURE);
    assert.equal(reference.stderr, "Secret incorrectly specified.\n");
    const column = await cli(noAuth("secret", "list", "-c", "colour"));
    assert.equal(column.code, EXIT_FAILURE);
    assert.match(column.stderr, /No recognized column names in \['colour'\]/);
  });

  test("environment variables fill the options", async () => {
    const run = await cli(
      ["--no-auth", "secret", "list", "-f", "value", "-c", "Name", "--name", "listed-a"],
      {
        OS_ENDPOINT: url,
        OS_PROJECT_ID: "cli-project",
      },
    );
    assert.equal(run.code, EXIT_OK, run.stderr);
    assert.equal(run.stdout, "listed-a\n");
  });

  test("password auth without auth URL fails clearly", async () => {
    const run = await cli(["secret", "list"], { OS_USERNAME: "admin", OS_PASSWORD: "x" });
    assert.equal(run.code, EXIT_FAILURE);
    assert.match(run.stderr, /auth-url/);
  });

  test("unreachable identity fails with exit 1", async () => {
    const run = await cli(["secret", "list"], {
      OS_AUTH_URL: "http://127.0.0.1:9/v3",
      OS_USERNAME: "admin",
      OS_PASSWORD: "x",
      OS_PROJECT_NAME: "admin",
    });
    assert.equal(run.code, EXIT_FAILURE);
  });
});
