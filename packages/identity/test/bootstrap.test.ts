import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { BOOTSTRAP_ROLES, identityModule } from "../src/index.js";

for (const dialect of testDialects()) {
  describe(`bootstrap on ${dialect}`, () => {
    let database: TestDatabase;
    let folder: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      folder = mkdtempSync(join(tmpdir(), "osts-bootstrap-"));
    });

    after(async () => {
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    async function start(overrides: Record<string, unknown> = {}) {
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

    async function tokenStatus(
      service: Awaited<ReturnType<typeof start>>,
      username: string,
      password: string,
      project: string,
    ) {
      const reply = await service.app.inject({
        method: "POST",
        url: "/v3/auth/tokens",
        payload: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { name: username, domain: { id: "default" }, password } },
            },
            scope: { project: { name: project, domain: { name: "Default" } } },
          },
        },
      });
      return { status: reply.statusCode, body: reply.json() };
    }

    it("generates passwords once and keeps them", async () => {
      const first = await start();
      const admin = first.adminCredentials();
      const service = first.serviceCredentials();
      await first.close();

      const file = join(folder, "passwords.json");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const stored = JSON.parse(readFileSync(file, "utf8"));
      assert.equal(stored.admin_password, admin.password);
      assert.equal(stored.service_password, service.password);
      assert.ok(admin.password.length >= 20);
      assert.notEqual(admin.password, service.password);

      const second = await start();
      try {
        assert.equal(second.adminCredentials().password, admin.password);
        const adminToken = await tokenStatus(second, "admin", admin.password, "admin");
        assert.equal(adminToken.status, 201);
        const serviceToken = await tokenStatus(second, "service", service.password, "service");
        assert.equal(serviceToken.status, 201);
        assert.deepEqual(
          serviceToken.body.token.roles.map((role: { name: string }) => role.name),
          ["service"],
        );
      } finally {
        await second.close();
      }
    });

    it("creates each bootstrap resource once", async () => {
      const service = await start();
      try {
        const admin = service.adminCredentials();
        const issued = await tokenStatus(service, "admin", admin.password, "admin");
        const token = issued.body.token;
        // The second start in the test above ran bootstrap again over the same database.
        const login = await service.app.inject({
          method: "POST",
          url: "/v3/auth/tokens",
          payload: {
            auth: {
              identity: {
                methods: ["password"],
                password: {
                  user: { name: "admin", domain: { id: "default" }, password: admin.password },
                },
              },
            },
          },
        });
        const headers = { "x-auth-token": String(login.headers["x-subject-token"]) };
        const get = async (url: string) =>
          (await service.app.inject({ method: "GET", url, headers })).json();

        const roles = await get("/v3/roles");
        const names = roles.roles.map((role: { name: string }) => role.name).sort();
        assert.deepEqual(names, [...BOOTSTRAP_ROLES].sort());
        const domains = await get("/v3/domains");
        assert.equal(domains.domains.length, 1);
        const users = await get("/v3/users");
        assert.deepEqual(users.users.map((user: { name: string }) => user.name).sort(), [
          "admin",
          "service",
        ]);
        const projects = await get("/v3/projects");
        assert.deepEqual(
          projects.projects.map((project: { name: string }) => project.name).sort(),
          ["admin", "service"],
        );
        assert.deepEqual(token.roles.map((role: { name: string }) => role.name).sort(), [
          "admin",
          "member",
          "reader",
        ]);
        const system = await get(`/v3/role_assignments?scope.system=all&user.id=${token.user.id}`);
        assert.equal(system.role_assignments.length, 1);
      } finally {
        await service.close();
      }
    });

    it("resets the admin password to the configured one", async () => {
      const configured = await start({ "bootstrap.admin_password": "configured-secret" });
      try {
        assert.equal(configured.adminCredentials().password, "configured-secret");
        const reply = await tokenStatus(configured, "admin", "configured-secret", "admin");
        assert.equal(reply.status, 201);
      } finally {
        await configured.close();
      }
    });

    it("rejects a corrupt password file", async () => {
      const file = join(folder, "broken.json");
      writeFileSync(file, "{not json", { mode: 0o600 });
      await assert.rejects(start({ "bootstrap.password_file": file }), /not valid JSON/);
    });
  });
}
