import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type IdentityServiceInstance, identityModule } from "@openstack-ts/identity";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { startKeyManager, type TestKeyManager } from "./helpers.js";

const OPENSTACK = "/usr/bin/openstack";
const ADMIN_PASSWORD = "client-admin-password";
const run = promisify(execFile);

const skipReason = existsSync(OPENSTACK)
  ? false
  : "the openstack client is missing; install python3-openstackclient and python3-barbicanclient";

describe("openstack client on orders, containers and ACLs", { skip: skipReason }, () => {
  let folder: string;
  let database: TestDatabase;
  let identity: IdentityServiceInstance;
  let km: TestKeyManager;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "osts-km-client-"));
    database = await createTestDatabase("sqlite");
    identity = await identityModule.create(
      identityModule.loadConfig({
        env: {},
        overrides: {
          "database.url": database.url,
          "bootstrap.admin_password": ADMIN_PASSWORD,
          "bootstrap.password_file": join(folder, "passwords.json"),
          "credential.key_file": join(folder, "credential.key"),
          "password.scrypt_cost": 1024,
          "token.cleanup_interval_seconds": 0,
          "log.level": "silent",
          "listen.port": 0,
        },
      }),
      { logger: createLogger({ level: "silent" }), bus: new MemoryBus() },
    );
    const identityUrl = await identity.listen();
    km = await startKeyManager(
      "sqlite",
      { "auth.mode": "keystone", host_href: "" },
      identity.tokenValidator,
    );
    identity.setCatalogEndpoint("key-manager", "barbican", await km.service.listen());
    // Debian's python runs the client; HOME keeps its caches in the test folder.
    env = {
      PATH: "/usr/bin:/bin",
      HOME: folder,
      LANG: "C.UTF-8",
      OS_AUTH_URL: `${identityUrl}/v3`,
      OS_USERNAME: "admin",
      OS_PASSWORD: ADMIN_PASSWORD,
      OS_PROJECT_NAME: "admin",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      OS_REGION_NAME: identity.region,
      OS_IDENTITY_API_VERSION: "3",
    };
  });

  after(async () => {
    await km?.close();
    await identity?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  async function openstack(...args: string[]): Promise<string> {
    const { stdout } = await run(OPENSTACK, args, { env, timeout: 120_000 });
    return stdout.trim();
  }

  async function orderStatus(ref: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const status = await openstack("secret", "order", "get", ref, "-f", "value", "-c", "Status");
      if (status !== "PENDING") {
        return status;
      }
    }
    return "PENDING";
  }

  test("key and asymmetric orders", { timeout: 300_000 }, async () => {
    const keyOrder = await openstack(
      ...["secret", "order", "create", "--name", "client-key", "--algorithm", "aes"],
      ...["--bit-length", "256", "--mode", "cbc", "key", "-f", "value", "-c", "Order href"],
    );
    assert.match(keyOrder, /\/v1\/orders\//);
    assert.equal(await orderStatus(keyOrder), "ACTIVE");
    const pairOrder = await openstack(
      ...["secret", "order", "create", "--name", "client-pair", "--algorithm", "rsa"],
      ...["--bit-length", "2048", "asymmetric", "-f", "value", "-c", "Order href"],
    );
    assert.equal(await orderStatus(pairOrder), "ACTIVE");
    const container = await openstack(
      ...["secret", "order", "get", pairOrder, "-f", "value", "-c", "Container href"],
    );
    assert.match(container, /\/v1\/containers\//);
    const listed = await openstack("secret", "order", "list", "-f", "value", "-c", "Order href");
    assert.ok(listed.includes(keyOrder));
  });

  test("containers and ACLs", { timeout: 300_000 }, async () => {
    const secret = await openstack(
      ...["secret", "store", "-n", "in-box", "-p", "hello", "-f", "value", "-c", "Secret href"],
    );
    const container = await openstack(
      ...["secret", "container", "create", "--name", "box", "--type", "generic"],
      ...["--secret", `one=${secret}`, "-f", "value", "-c", "Container href"],
    );
    const secrets = await openstack(
      ...["secret", "container", "get", container, "-f", "value", "-c", "Secrets"],
    );
    assert.equal(secrets, `one=${secret}`);
    await openstack("acl", "user", "add", "--user", "someone-else", secret);
    const users = await openstack("acl", "get", secret, "-f", "value", "-c", "Users");
    assert.equal(users, "['someone-else']");
    await openstack("secret", "container", "delete", container);
    const remaining = await openstack("secret", "container", "list", "-f", "value", "-c", "Name");
    assert.ok(!remaining.split("\n").includes("box"));
  });
});
