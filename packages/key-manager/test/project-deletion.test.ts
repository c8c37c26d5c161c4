import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type IdentityServiceInstance, identityModule } from "@openstack-ts/identity";
import {
  createLogger,
  issueToken,
  MemoryBus,
  type ServiceInstance,
  type SqlDialect,
} from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { createKeyManagerService, loadKeyManagerConfig } from "../src/index.js";

const ADMIN_PASSWORD = "deletion-admin-password";

/** Identity and a key manager sharing one in-process bus, as in the stack. */
interface Pair {
  identity: IdentityServiceInstance;
  identityUrl: string;
  keyManager: ServiceInstance;
  close(): Promise<void>;
}

async function startPair(dialect: SqlDialect): Promise<Pair> {
  const bus = new MemoryBus();
  const logger = createLogger({ level: "silent" });
  const folder = mkdtempSync(join(tmpdir(), "osts-km-deletion-"));
  const identityDatabase: TestDatabase = await createTestDatabase("sqlite");
  const kmDatabase: TestDatabase = await createTestDatabase(dialect);
  const identity = await identityModule.create(
    identityModule.loadConfig({
      env: {},
      overrides: {
        "database.url": identityDatabase.url,
        "bootstrap.admin_password": ADMIN_PASSWORD,
        "bootstrap.password_file": join(folder, "passwords.json"),
        "credential.key_file": join(folder, "credential.key"),
        "password.scrypt_cost": 1024,
        "token.cleanup_interval_seconds": 0,
        "log.level": "silent",
        "listen.port": 0,
      },
    }),
    { logger, bus },
  );
  const keyManager = await createKeyManagerService(
    loadKeyManagerConfig({
      env: {},
      overrides: {
        "database.url": kmDatabase.url,
        "auth.mode": "noauth",
        "listen.port": 0,
        "crypto.master_key": randomBytes(32).toString("base64"),
      },
    }),
    { logger, bus },
  );
  await keyManager.app.ready();
  return {
    identity,
    identityUrl: await identity.listen(),
    keyManager,
    async close() {
      await keyManager.close();
      await identity.close();
      await bus.close();
      await kmDatabase.drop();
      await identityDatabase.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

for (const dialect of testDialects()) {
  describe(`project deletion through the bus on ${dialect}`, () => {
    let pair: Pair;
    let token: string;

    before(async () => {
      pair = await startPair(dialect);
      token = (
        await issueToken({
          authUrl: pair.identityUrl,
          username: "admin",
          password: ADMIN_PASSWORD,
          projectName: "admin",
          userDomainName: "Default",
          projectDomainName: "Default",
        })
      ).value;
    });
    after(async () => {
      await pair?.close();
    });

    async function km(
      method: "GET" | "POST" | "PUT",
      url: string,
      project: string,
      body?: unknown,
    ) {
      const response = await pair.keyManager.app.inject({
        method,
        url,
        headers: { "x-project-id": project, "content-type": "application/json" },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    }

    test("deleting a project removes its resources", async () => {
      const created = await fetch(`${pair.identityUrl}/v3/projects`, {
        method: "POST",
        headers: { "x-auth-token": token, "content-type": "application/json" },
        body: JSON.stringify({ project: { name: "doomed", domain_id: "default" } }),
      });
      assert.equal(created.status, 201);
      const projectId = ((await created.json()) as { project: { id: string } }).project.id;

      const secret = await km("POST", "/v1/secrets", projectId, {
        payload: "gone soon",
        payload_content_type: "text/plain",
      });
      assert.equal(secret.status, 201);
      const secretId = String(secret.body.secret_ref).split("/").pop();
      const container = await km("POST", "/v1/containers", projectId, { type: "generic" });
      assert.equal(container.status, 201);
      const quota = await km("GET", "/v1/quotas", projectId);
      assert.equal(quota.status, 200);
      const survivor = await km("POST", "/v1/secrets", "other-project", { name: "stays" });
      assert.equal(survivor.status, 201);

      const deleted = await fetch(`${pair.identityUrl}/v3/projects/${projectId}`, {
        method: "DELETE",
        headers: { "x-auth-token": token },
      });
      assert.equal(deleted.status, 204);

      let remaining = -1;
      for (let attempt = 0; attempt < 100 && remaining !== 0; attempt += 1) {
        remaining = Number((await km("GET", "/v1/secrets", projectId)).body.total);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(remaining, 0);
      const containers = await km("GET", "/v1/containers", projectId);
      assert.equal(containers.body.total, 0);
      const secretGone = await km("GET", `/v1/secrets/${secretId}`, projectId);
      assert.equal(secretGone.status, 404);
      const others = await km("GET", "/v1/secrets", "other-project");
      assert.equal(others.body.total, 1);
    });
  });
}
