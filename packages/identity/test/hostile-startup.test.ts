import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { loadCredentialCipher } from "../src/credentials/credential-cipher.js";
import { identityModule } from "../src/index.js";

const START_FILES = new URL("./support/start-files.ts", import.meta.url).pathname;

/** Runs start-files.ts in a child process and returns what it printed. */
function startFilesProcess(passwordFile: string, keyFile: string, startAt: number) {
  return new Promise<{ admin: string; service: string; sealed: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=source", START_FILES, passwordFile, keyFile, `${startAt}`],
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`start-files.ts failed: ${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout));
      },
    );
  });
}

type Identity = Awaited<ReturnType<typeof identityModule.create>>;

for (const dialect of testDialects()) {
  describe(`identity start-up on ${dialect}`, () => {
    let database: TestDatabase;
    let folder: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      folder = mkdtempSync(join(tmpdir(), "osts-startup-"));
    });

    after(async () => {
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    function start(overrides: Record<string, unknown> = {}): Promise<Identity> {
      const config = identityModule.loadConfig({
        env: {},
        overrides: {
          "database.url": database.url,
          "bootstrap.password_file": join(folder, "passwords.json"),
          "credential.key_file": join(folder, "credential.key"),
          "password.scrypt_cost": 1024,
          "token.cleanup_interval_seconds": 0,
          "log.level": "silent",
          ...overrides,
        },
      });
      return identityModule.create(config, {
        logger: createLogger({ level: "silent" }),
        bus: new MemoryBus(),
      });
    }

    async function adminToken(service: Identity, password: string) {
      const reply = await service.app.inject({
        method: "POST",
        url: "/v3/auth/tokens",
        payload: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { name: "admin", domain: { id: "default" }, password } },
            },
            scope: { project: { name: "admin", domain: { id: "default" } } },
          },
        },
      });
      return { status: reply.statusCode, token: String(reply.headers["x-subject-token"]) };
    }

    it("starts twice at once on empty files", async () => {
      const started = await Promise.allSettled([start(), start(), start()]);
      const services = started.flatMap((result) =>
        result.status === "fulfilled" ? [result.value] : [],
      );
      try {
        for (const result of started) {
          assert.equal(
            result.status,
            "fulfilled",
            result.status === "rejected" ? String(result.reason) : "",
          );
        }
        const stored = JSON.parse(readFileSync(join(folder, "passwords.json"), "utf8"));
        for (const service of services) {
          assert.equal(service.adminCredentials().password, stored.admin_password);
          assert.equal((await adminToken(service, stored.admin_password)).status, 201);
        }
      } finally {
        await Promise.all(services.map((service) => service.close()));
      }
    });

    it("enables a disabled admin at start", async () => {
      const first = await start();
      const password = first.adminCredentials().password;
      const { token } = await adminToken(first, password);
      const users = await first.app.inject({
        method: "GET",
        url: "/v3/users?name=admin",
        headers: { "x-auth-token": token },
      });
      const adminId = users.json().users[0].id;
      const disabled = await first.app.inject({
        method: "PATCH",
        url: `/v3/users/${adminId}`,
        headers: { "x-auth-token": token },
        payload: { user: { enabled: false } },
      });
      assert.equal(disabled.statusCode, 200);
      assert.equal((await adminToken(first, password)).status, 401);
      await first.close();

      const second = await start();
      try {
        assert.equal((await adminToken(second, password)).status, 201);
      } finally {
        await second.close();
      }
    });

    it("names an unreadable password file", async () => {
      const directory = join(folder, "passwords-directory");
      mkdirSync(directory);
      await assert.rejects(start({ "bootstrap.password_file": directory }), (error: Error) => {
        assert.match(error.message, /passwords-directory/);
        assert.match(error.message, /cannot be read/);
        assert.doesNotMatch(error.message, /JSON/);
        return true;
      });
    });

    it("names an invalid credential key file", async () => {
      const file = join(folder, "broken.key");
      writeFileSync(file, "not a key\n", { mode: 0o600 });
      await assert.rejects(start({ "credential.key_file": file }), /broken\.key/);
    });
  });
}

describe("identity files created by processes at once", () => {
  it("agree on passwords and key", async () => {
    const folder = mkdtempSync(join(tmpdir(), "osts-startup-"));
    const passwordFile = join(folder, "passwords.json");
    const keyFile = join(folder, "credential.key");
    try {
      // The children need a few seconds to load TypeScript before the common start time.
      // NOTE: the race this guards against lasts microseconds, so the test rarely loses it even
      // with a check-then-write implementation; it checks that processes agree, not the timing.
      const startAt = Date.now() + 8000;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => startFilesProcess(passwordFile, keyFile, startAt)),
      );
      const stored = JSON.parse(readFileSync(passwordFile, "utf8"));
      const cipher = loadCredentialCipher(keyFile);
      for (const result of results) {
        assert.equal(result.admin, stored.admin_password);
        assert.equal(result.service, stored.service_password);
        assert.equal(cipher.decrypt(result.sealed), "probe");
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("identity start-up on a damaged SQLite file", () => {
  it("names the database file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "osts-startup-"));
    const file = join(folder, "identity.sqlite");
    writeFileSync(file, "this is not a database, it is text that fills the header ".repeat(20));
    try {
      const config = identityModule.loadConfig({
        env: {},
        overrides: {
          "database.url": `sqlite://${file}`,
          "bootstrap.password_file": join(folder, "passwords.json"),
          "credential.key_file": join(folder, "credential.key"),
          "log.level": "silent",
        },
      });
      await assert.rejects(
        identityModule.create(config, {
          logger: createLogger({ level: "silent" }),
          bus: new MemoryBus(),
        }),
        (error: Error) => {
          assert.match(error.message, /identity\.sqlite/);
          assert.match(error.message, /not a database/);
          return true;
        },
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
