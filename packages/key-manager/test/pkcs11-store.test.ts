import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { createLogger, openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import type { KeyManagerDatabase } from "../src/index.js";
import { createHsmProjectKeysRepo } from "../src/secret-stores/hsm-project-keys-repo.js";
import { HsmSession } from "../src/secret-stores/hsm-session.js";
import { createPkcs11SecretStore } from "../src/secret-stores/pkcs11-store.js";
import { createSecret, idOf, startKeyManager, type TestKeyManager } from "./helpers.js";
import {
  createTestToken,
  SOFTHSM_LIBRARY,
  softHsmSkipReason,
  type TestToken,
} from "./support/softhsm.js";

const MKEK = "test-mkek";
const ROOT = resolve(import.meta.dirname, "../../..");

/** Runs `openstack-ts manage ...` from source with this process's SoftHSM2 configuration. */
function manage(args: string[], config: string): Promise<{ code: number | null; output: string }> {
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
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: process.env },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return new Promise((resolveRun) => child.once("exit", (code) => resolveRun({ code, output })));
}
const HMAC = "test-hmac";

for (const dialect of testDialects()) {
  describe(`PKCS#11 store on SoftHSM2 on ${dialect}`, { skip: softHsmSkipReason() }, () => {
    let token: TestToken;
    let km: TestKeyManager;

    before(async () => {
      token = createTestToken();
      const session = HsmSession.open({
        libraryPath: SOFTHSM_LIBRARY,
        tokenLabel: token.label,
        slotId: 0,
        pin: token.pin,
      });
      session.generateMasterKey(MKEK, 32);
      session.generateHmacKey(HMAC, 32);
      session.close();
      km = await startKeyManager(dialect, {
        "secret_stores.stores": [{ name: "hsm", plugin: "pkcs11", global_default: true }],
        "pkcs11.library_path": SOFTHSM_LIBRARY,
        "pkcs11.token_label": token.label,
        "pkcs11.pin": token.pin,
        "pkcs11.mkek_label": MKEK,
        "pkcs11.hmac_label": HMAC,
      });
    });
    after(async () => {
      await km?.close();
      token?.remove();
    });

    test("secrets round trip through the HSM", async () => {
      const text = await createSecret(km, {
        payload: "hsm-protected",
        payload_content_type: "text/plain",
      });
      const binary = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
      const bytes = await createSecret(km, {
        payload: binary.toString("base64"),
        payload_content_type: "application/octet-stream",
        payload_content_encoding: "base64",
      });
      const readText = await km.call({
        method: "GET",
        url: `/v1/secrets/${text}/payload`,
        headers: { accept: "text/plain" },
      });
      assert.equal(readText.body, "hsm-protected");
      const readBytes = await km.call({ method: "GET", url: `/v1/secrets/${bytes}/payload` });
      assert.deepEqual(readBytes.raw, binary);
    });

    test("stored rows name the HSM and hide the payload", async () => {
      const id = await createSecret(km, {
        payload: "needle-in-hsm",
        payload_content_type: "text/plain",
      });
      const database = openDatabase<KeyManagerDatabase>(km.database.url);
      try {
        const row = await database.db
          .selectFrom("km_secret_payloads")
          .selectAll()
          .where("secret_id", "=", id)
          .executeTakeFirstOrThrow();
        assert.equal(row.store_name, "pkcs11");
        assert.ok(!Buffer.from(row.data).includes(Buffer.from("needle-in-hsm")));
        const keys = await database.db.selectFrom("km_hsm_project_keys").selectAll().execute();
        assert.equal(keys.length, 1);
        assert.equal(keys[0]?.mkek_label, MKEK);
      } finally {
        await database.close();
      }
    });

    test("altered key signature is rejected", async () => {
      const id = await createSecret(
        km,
        { payload: "tamper", payload_content_type: "text/plain" },
        { project: "project-tamper" },
      );
      const database = openDatabase<KeyManagerDatabase>(km.database.url);
      const session = HsmSession.open({
        libraryPath: SOFTHSM_LIBRARY,
        tokenLabel: token.label,
        slotId: 0,
        pin: token.pin,
      });
      try {
        const key = await database.db
          .selectFrom("km_hsm_project_keys")
          .selectAll()
          .where("project_id", "=", "project-tamper")
          .executeTakeFirstOrThrow();
        const altered = Buffer.from(key.hmac);
        altered[0] = (altered[0] ?? 0) ^ 0xff;
        await database.db
          .updateTable("km_hsm_project_keys")
          .set({ hmac: altered })
          .where("id", "=", key.id)
          .execute();
        const payload = await database.db
          .selectFrom("km_secret_payloads")
          .selectAll()
          .where("secret_id", "=", id)
          .executeTakeFirstOrThrow();
        // A fresh store has no unwrapped key cached, so it must check the signature.
        const fresh = createPkcs11SecretStore({
          session,
          projectKeys: createHsmProjectKeysRepo(database.db),
          mkekLabel: MKEK,
          hmacLabel: HMAC,
          cacheSeconds: 60,
          logger: createLogger({ level: "silent" }),
        });
        await assert.rejects(
          fresh.retrievePayload(
            { secretId: id, projectId: "project-tamper" },
            {
              storeName: payload.store_name,
              keyId: payload.key_id,
              keyVersion: payload.key_version,
              data: Buffer.from(payload.data),
            },
          ),
          /HMAC of project key/,
        );
      } finally {
        session.close();
        await database.close();
      }
    });

    test("manage commands and HSM master key rewrap", { timeout: 120_000 }, async () => {
      const configFile = join(token.configFile, "..", "key-manager.yaml");
      writeFileSync(
        configFile,
        [
          "key_manager:",
          `  database: { url: "${km.database.url}" }`,
          "  pkcs11:",
          `    library_path: ${SOFTHSM_LIBRARY}`,
          `    token_label: ${token.label}`,
          `    pin: "${token.pin}"`,
          `    mkek_label: ${MKEK}`,
          `    hmac_label: ${HMAC}`,
          "",
        ].join("\n"),
      );
      const check = await manage(["hsm", "check-mkek"], configFile);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, new RegExp(`key "${MKEK}" is present`));
      const missing = await manage(["hsm", "check-hmac", "--label", "absent"], configFile);
      assert.equal(missing.code, 1);
      const generated = await manage(["hsm", "gen-mkek", "--label", "rotated-mkek"], configFile);
      assert.match(generated.output, /created key "rotated-mkek"/);
      const again = await manage(["hsm", "gen-mkek", "--label", "rotated-mkek"], configFile);
      assert.match(again.output, /already exists/);

      const secret = await createSecret(km, {
        payload: "survives",
        payload_content_type: "text/plain",
      });
      const dryRun = await manage(
        ["hsm", "rewrap", "--to-label", "rotated-mkek", "--dry-run"],
        configFile,
      );
      assert.equal(dryRun.code, 0, dryRun.output);
      assert.match(dryRun.output, /would rewrap [1-9]\d* project keys/);
      const rewrap = await manage(["hsm", "rewrap", "--to-label", "rotated-mkek"], configFile);
      assert.equal(rewrap.code, 0, rewrap.output);
      assert.match(rewrap.output, /0 still wrapped by other keys/);

      // A key manager configured with only the new master key reads every secret.
      const rotated = await startKeyManager(dialect, {
        "database.url": km.database.url,
        "secret_stores.stores": [{ name: "hsm", plugin: "pkcs11", global_default: true }],
        "pkcs11.library_path": SOFTHSM_LIBRARY,
        "pkcs11.token_label": token.label,
        "pkcs11.pin": token.pin,
        "pkcs11.mkek_label": "rotated-mkek",
        "pkcs11.hmac_label": HMAC,
      });
      try {
        const payload = await rotated.call({
          method: "GET",
          url: `/v1/secrets/${secret}/payload`,
          headers: { accept: "text/plain" },
        });
        assert.equal(payload.body, "survives");
      } finally {
        await rotated.close();
      }
    });

    test("preferred store routing between two stores", async () => {
      const both = await startKeyManager(dialect, {
        "secret_stores.enable_multiple": true,
        "secret_stores.stores": [
          { name: "software", plugin: "software", global_default: true },
          { name: "hsm", plugin: "pkcs11" },
        ],
        "pkcs11.library_path": SOFTHSM_LIBRARY,
        "pkcs11.token_label": token.label,
        "pkcs11.pin": token.pin,
        "pkcs11.mkek_label": MKEK,
        "pkcs11.hmac_label": HMAC,
      });
      const database = openDatabase<KeyManagerDatabase>(both.database.url);
      try {
        const stores = (await both.call({ method: "GET", url: "/v1/secret-stores" })).json()
          .secret_stores as { name: string; secret_store_ref: string }[];
        assert.deepEqual(stores.map((store) => store.name).sort(), ["hsm", "software"]);
        const hsm = stores.find((store) => store.name === "hsm");
        const storeOf = async (secretId: string) =>
          (
            await database.db
              .selectFrom("km_secret_payloads")
              .select("store_name")
              .where("secret_id", "=", secretId)
              .executeTakeFirstOrThrow()
          ).store_name;

        const before = await createSecret(
          both,
          { payload: "in software", payload_content_type: "text/plain" },
          { project: "routed" },
        );
        assert.equal(await storeOf(before), "software");
        const set = await both.call({
          method: "POST",
          url: `/v1/secret-stores/${idOf(hsm?.secret_store_ref)}/preferred`,
          project: "routed",
        });
        assert.equal(set.status, 204);
        const after = await createSecret(
          both,
          { payload: "in the HSM", payload_content_type: "text/plain" },
          { project: "routed" },
        );
        assert.equal(await storeOf(after), "pkcs11");
        const other = await createSecret(
          both,
          { payload: "default", payload_content_type: "text/plain" },
          { project: "not-routed" },
        );
        assert.equal(await storeOf(other), "software");

        for (const [id, project, text] of [
          [before, "routed", "in software"],
          [after, "routed", "in the HSM"],
          [other, "not-routed", "default"],
        ] as const) {
          const payload = await both.call({
            method: "GET",
            url: `/v1/secrets/${id}/payload`,
            project,
            headers: { accept: "text/plain" },
          });
          assert.equal(payload.body, text);
        }
      } finally {
        await database.close();
        await both.close();
      }
    });

    test("orders generate keys into the HSM store", async () => {
      const created = await km.call({
        method: "POST",
        url: "/v1/orders",
        body: { type: "key", meta: { algorithm: "aes", bit_length: 256 } },
      });
      const orderId = idOf(created.json().order_ref);
      let order: Record<string, unknown> = {};
      for (let attempt = 0; attempt < 200; attempt += 1) {
        order = (await km.call({ method: "GET", url: `/v1/orders/${orderId}` })).json();
        if (order.status !== "PENDING") {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(order.status, "ACTIVE");
      const payload = await km.call({
        method: "GET",
        url: `/v1/secrets/${idOf(order.secret_ref)}/payload`,
      });
      assert.equal(payload.raw.length, 32);
    });
  });
}
