import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { createLogger, MemoryBus, openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import {
  createKeyManagerService,
  createSoftwareSecretStore,
  type KeyManagerDatabase,
  loadKeyManagerConfig,
  loadMasterKeyring,
  type MasterKeyring,
} from "../src/index.js";
import { createProjectKeysRepo } from "../src/secret-stores/project-keys-repo.js";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

const MARKER = "pl41ntext-M4RKER-do-not-store";

for (const dialect of testDialects()) {
  describe(`encryption at rest on ${dialect}`, () => {
    let km: TestKeyManager;

    before(async () => {
      km = await startKeyManager(dialect, { "crypto.master_key_version": 3 });
    });
    after(async () => {
      await km.close();
    });

    test("no plaintext payload in the database", async () => {
      const binary = Buffer.concat([Buffer.from(MARKER), randomBytes(16)]);
      await createSecret(km, { payload: MARKER, payload_content_type: "text/plain" });
      await createSecret(km, {
        payload: binary.toString("base64"),
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "base64",
      });
      const database = openDatabase<KeyManagerDatabase>(km.database.url);
      try {
        const payloads = await database.db.selectFrom("km_secret_payloads").selectAll().execute();
        const keys = await database.db.selectFrom("km_project_keys").selectAll().execute();
        const secrets = await database.db.selectFrom("km_secrets").selectAll().execute();
        assert.ok(payloads.length >= 2);
        const everything = Buffer.concat([
          ...payloads.map((row) => Buffer.from(row.data)),
          ...keys.map((row) => Buffer.from(row.wrapped_key)),
          Buffer.from(JSON.stringify(secrets)),
        ]);
        assert.equal(everything.includes(Buffer.from(MARKER)), false);
        assert.equal(everything.includes(Buffer.from(MARKER).toString("base64")), false);
        assert.equal(everything.includes(Buffer.from(km.masterKey, "base64")), false);
      } finally {
        await database.close();
      }
    });

    test("records carry key versions", async () => {
      await createSecret(
        km,
        { payload: "v", payload_content_type: "text/plain" },
        { project: "versions" },
      );
      const database = openDatabase<KeyManagerDatabase>(km.database.url);
      try {
        const key = await database.db
          .selectFrom("km_project_keys")
          .selectAll()
          .where("project_id", "=", "versions")
          .executeTakeFirstOrThrow();
        assert.equal(key.master_key_version, 3);
        assert.equal(key.version, 1);
        assert.equal(key.algorithm, "aes-256-gcm");
        assert.equal(Buffer.from(key.wrapped_key).length, 12 + 16 + 32);
        const payload = await database.db
          .selectFrom("km_secret_payloads")
          .selectAll()
          .where("key_id", "=", key.id)
          .executeTakeFirstOrThrow();
        assert.equal(payload.key_version, 1);
        assert.equal(payload.store_name, "software");
      } finally {
        await database.close();
      }
    });
  });
}

describe("software store", () => {
  let url: string;
  let drop: () => Promise<void>;

  before(async () => {
    const database = await createTestDatabase("sqlite");
    url = database.url;
    drop = () => database.drop();
    const { migrateToLatest } = await import("@openstack-ts/kernel");
    const { keyManagerMigrations } = await import("../src/index.js");
    const opened = openDatabase<KeyManagerDatabase>(url);
    await migrateToLatest(opened.db as never, "key-manager", keyManagerMigrations("sqlite"));
    await opened.close();
  });
  after(async () => {
    await drop();
  });

  function keyringOf(active: number, keys: Record<number, Buffer>): MasterKeyring {
    return {
      activeVersion: active,
      key(version: number) {
        const key = keys[version];
        if (key === undefined) {
          throw new Error(`no master key ${version}`);
        }
        return key;
      },
    };
  }

  test("ciphertext is bound to its secret id", async () => {
    const database = openDatabase<KeyManagerDatabase>(url);
    try {
      const store = createSoftwareSecretStore({
        keyring: keyringOf(1, { 1: randomBytes(32) }),
        projectKeys: createProjectKeysRepo(database.db),
      });
      const context = { secretId: "secret-a", projectId: "binding" };
      const stored = await store.storePayload(context, Buffer.from("bound"));
      assert.deepEqual(await store.retrievePayload(context, stored), Buffer.from("bound"));
      await assert.rejects(store.retrievePayload({ ...context, secretId: "secret-b" }, stored));
      await assert.rejects(store.retrievePayload({ ...context, projectId: "other" }, stored));
    } finally {
      await database.close();
    }
  });

  test("old master key still unwraps after rotation", async () => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    const database = openDatabase<KeyManagerDatabase>(url);
    try {
      const repo = createProjectKeysRepo(database.db);
      const before = createSoftwareSecretStore({
        keyring: keyringOf(1, { 1: first }),
        projectKeys: repo,
      });
      const context = { secretId: "rotated", projectId: "rotation" };
      const stored = await before.storePayload(context, Buffer.from("old"));

      const rotated = createSoftwareSecretStore({
        keyring: keyringOf(2, { 1: first, 2: second }),
        projectKeys: repo,
      });
      assert.deepEqual(await rotated.retrievePayload(context, stored), Buffer.from("old"));
      await rotated.storePayload({ secretId: "new", projectId: "new-project" }, Buffer.from("new"));
      const newKey = await repo.findActive("new-project");
      assert.equal(newKey?.master_key_version, 2);

      const withoutOld = createSoftwareSecretStore({
        keyring: keyringOf(2, { 2: second }),
        projectKeys: repo,
      });
      await assert.rejects(withoutOld.retrievePayload(context, stored));
    } finally {
      await database.close();
    }
  });
});

describe("master key file", () => {
  test("generated with mode 0600 and reused", () => {
    const file = join(mkdtempSync(join(tmpdir(), "osts-km-keys-")), "keys", "master.json");
    const created = loadMasterKeyring({ masterKey: "", masterKeyVersion: 1, file });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(created.activeVersion, 1);
    const reloaded = loadMasterKeyring({ masterKey: "", masterKeyVersion: 1, file });
    assert.deepEqual(reloaded.key(1), created.key(1));
    const content = JSON.parse(readFileSync(file, "utf8")) as { keys: Record<string, string> };
    assert.equal(Buffer.from(content.keys["1"] ?? "", "base64").length, 32);
  });

  test("invalid key rejected at start", () => {
    const file = join(mkdtempSync(join(tmpdir(), "osts-km-keys-")), "master.json");
    writeFileSync(file, JSON.stringify({ active: 1, keys: { "1": "c2hvcnQ=" } }));
    assert.throws(
      () => loadMasterKeyring({ masterKey: "", masterKeyVersion: 1, file }),
      /must be base64 of 32 bytes/,
    );
    assert.throws(
      () => loadMasterKeyring({ masterKey: "c2hvcnQ=", masterKeyVersion: 1, file }),
      /crypto.master_key must be base64 of 32 bytes/,
    );
  });
});

describe("logs", () => {
  test("payloads never reach the log", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const database = await createTestDatabase("sqlite");
    const folder = mkdtempSync(join(tmpdir(), "osts-km-log-"));
    const config = loadKeyManagerConfig({
      env: {},
      overrides: {
        "database.url": database.url,
        "auth.mode": "noauth",
        "crypto.master_key_file": join(folder, "keys.json"),
      },
    });
    const service = await createKeyManagerService(config, {
      logger: createLogger({ level: "trace", destination }),
      bus: new MemoryBus(),
    });
    try {
      const created = await service.app.inject({
        method: "POST",
        url: "/v1/secrets",
        headers: { "x-project-id": "logs", "content-type": "application/json" },
        payload: JSON.stringify({ payload: MARKER, payload_content_type: "text/plain" }),
      });
      const ref = String(JSON.parse(created.body).secret_ref);
      const read = await service.app.inject({
        method: "GET",
        url: `${new URL(ref).pathname}/payload`,
        headers: { "x-project-id": "logs", accept: "text/plain" },
      });
      assert.equal(read.body, MARKER);
      const log = lines.join("");
      assert.ok(log.includes("secret created"));
      assert.equal(log.includes(MARKER), false);
    } finally {
      await service.close();
      await database.drop();
    }
  });
});

for (const dialect of testDialects()) {
  describe(`project key race on ${dialect}`, () => {
    test("two processes share the first key", async () => {
      const { migrateToLatest } = await import("@openstack-ts/kernel");
      const { keyManagerMigrations } = await import("../src/index.js");
      const database = await createTestDatabase(dialect);
      const first = openDatabase<KeyManagerDatabase>(database.url);
      const second = openDatabase<KeyManagerDatabase>(database.url);
      try {
        await migrateToLatest(first.db as never, "key-manager", keyManagerMigrations(dialect));
        const masterKey = randomBytes(32);
        const keyring: MasterKeyring = { activeVersion: 1, key: () => masterKey };
        const raceMessages: string[] = [];
        const logger = {
          info(_fields: object, message: string) {
            raceMessages.push(message);
          },
        };
        const storeA = createSoftwareSecretStore({
          keyring,
          projectKeys: createProjectKeysRepo(first.db),
          logger,
        });
        // Store B's first lookup misses the key, as when it reads just before A inserts.
        const repoB = createProjectKeysRepo(second.db);
        let staleReads = 1;
        const storeB = createSoftwareSecretStore({
          keyring,
          projectKeys: {
            ...repoB,
            async findActive(projectId: string) {
              if (staleReads > 0) {
                staleReads -= 1;
                return undefined;
              }
              return repoB.findActive(projectId);
            },
          },
          logger,
        });
        const contextA = { secretId: "race-a", projectId: "race-project" };
        const contextB = { secretId: "race-b", projectId: "race-project" };
        const recordA = await storeA.storePayload(contextA, Buffer.from("payload-a"));
        const recordB = await storeB.storePayload(contextB, Buffer.from("payload-b"));
        assert.equal(recordA.keyId, recordB.keyId);
        assert.deepEqual(raceMessages, [
          "another process created the project key first; using that key",
        ]);
        for (const store of [storeA, storeB]) {
          assert.equal((await store.retrievePayload(contextA, recordA)).toString(), "payload-a");
          assert.equal((await store.retrievePayload(contextB, recordB)).toString(), "payload-b");
        }
        const keys = await first.db.selectFrom("km_project_keys").selectAll().execute();
        assert.equal(keys.length, 1);
      } finally {
        await first.close();
        await second.close();
        await database.drop();
      }
    });
  });
}
