import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import type { IdentitySchema } from "../src/index.js";
import {
  ADMIN_PASSWORD,
  assertKeystoneError,
  createUserWithRole,
  type Harness,
  startHarness,
} from "./support/identity-harness.js";

const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

for (const dialect of testDialects()) {
  describe(`tokens on ${dialect}`, () => {
    let harness: Harness;
    let adminToken: string;
    let alice: { projectId: string; userId: string; roleId: string };

    before(async () => {
      harness = await startHarness(dialect);
      adminToken = await harness.adminToken();
      alice = await createUserWithRole(harness, adminToken, {
        name: "alice",
        password: "alice-pw",
      });
    });

    after(async () => {
      await harness.close();
    });

    const passwordAuth = (user: object, password: string, scope?: unknown) => ({
      auth: {
        identity: { methods: ["password"], password: { user: { ...user, password } } },
        ...(scope === undefined ? {} : { scope }),
      },
    });

    it("issues a project-scoped token with catalog and roles", async () => {
      const reply = await harness.request("POST", "/v3/auth/tokens", {
        body: passwordAuth({ name: "admin", domain: { name: "Default" } }, ADMIN_PASSWORD, {
          project: { name: "admin", domain: { name: "Default" } },
        }),
      });
      assert.equal(reply.status, 201);
      const subject = reply.headers["x-subject-token"];
      assert.equal(typeof subject, "string");
      assert.ok(String(subject).length >= 43);

      const token = reply.body.token;
      assert.deepEqual(token.methods, ["password"]);
      assert.equal(token.user.name, "admin");
      assert.deepEqual(token.user.domain, { id: "default", name: "Default" });
      assert.equal(token.user.password_expires_at, null);
      assert.equal(token.project.name, "admin");
      assert.deepEqual(token.project.domain, { id: "default", name: "Default" });
      assert.equal(token.is_domain, false);
      assert.equal(token.is_admin_project, true);
      assert.match(token.expires_at, KEYSTONE_TIME);
      assert.match(token.issued_at, KEYSTONE_TIME);
      assert.ok(token.expires_at > token.issued_at);
      assert.equal(token.audit_ids.length, 1);

      const roleNames = token.roles.map((role: { name: string }) => role.name).sort();
      assert.deepEqual(roleNames, ["admin", "member", "reader"]);

      const types = token.catalog.map((service: { type: string }) => service.type).sort();
      assert.deepEqual(types, ["identity", "key-manager", "network", "rca"]);
      for (const service of token.catalog) {
        assert.equal(service.endpoints.length, 3);
        for (const endpoint of service.endpoints) {
          assert.equal(endpoint.region, "RegionOne");
          assert.equal(endpoint.region_id, "RegionOne");
          assert.equal(typeof endpoint.id, "string");
          assert.equal(typeof endpoint.url, "string");
        }
      }
    });

    it("expires tokens after the configured lifetime", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw");
      const lifetime = Date.parse(issued.body.expires_at) - Date.parse(issued.body.issued_at);
      assert.ok(Math.abs(lifetime - 3600_000) < 2000, `lifetime ${lifetime} ms`);
    });

    it("accepts a user by id and a project by id", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      assert.equal(issued.body.project.id, alice.projectId);
      assert.deepEqual(issued.body.roles.map((role: { name: string }) => role.name).sort(), [
        "member",
        "reader",
      ]);
      assert.equal(issued.body.is_admin_project, false);
    });

    it("issues an unscoped token without roles or catalog", async () => {
      const issued = await harness.passwordToken(
        { name: "alice", domain: { id: "default" } },
        "alice-pw",
      );
      assert.equal(issued.body.project, undefined);
      assert.equal(issued.body.roles, undefined);
      assert.equal(issued.body.catalog, undefined);
    });

    it("scopes to the default project when none is requested", async () => {
      const user = await harness.request("POST", "/v3/users", {
        token: adminToken,
        body: { user: { name: "dora", password: "dora-pw", default_project_id: alice.projectId } },
      });
      assert.equal(user.status, 201);
      await harness.request(
        "PUT",
        `/v3/projects/${alice.projectId}/users/${user.body.user.id}/roles/${alice.roleId}`,
        { token: adminToken },
      );
      const issued = await harness.passwordToken({ id: user.body.user.id }, "dora-pw");
      assert.equal(issued.body.project.id, alice.projectId);
      const unscoped = await harness.passwordToken(
        { id: user.body.user.id },
        "dora-pw",
        "unscoped",
      );
      assert.equal(unscoped.body.project, undefined);
    });

    it("issues system- and domain-scoped tokens", async () => {
      const system = await harness.passwordToken(
        { name: "admin", domain: { id: "default" } },
        ADMIN_PASSWORD,
        { system: { all: true } },
      );
      assert.deepEqual(system.body.system, { all: true });
      assert.ok(system.body.roles.some((role: { name: string }) => role.name === "admin"));
      assert.ok(Array.isArray(system.body.catalog));

      const roles = await harness.request("GET", "/v3/roles?name=admin", { token: adminToken });
      const grant = await harness.request(
        "PUT",
        `/v3/domains/default/users/${alice.userId}/roles/${roles.body.roles[0].id}`,
        { token: adminToken },
      );
      assert.equal(grant.status, 204);
      const domain = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        domain: { name: "Default" },
      });
      assert.deepEqual(domain.body.domain, { id: "default", name: "Default" });
      await harness.request(
        "DELETE",
        `/v3/domains/default/users/${alice.userId}/roles/${roles.body.roles[0].id}`,
        { token: adminToken },
      );
    });

    it("rejects a scope the user holds no role on", async () => {
      const other = await createUserWithRole(harness, adminToken, {
        name: "bob",
        password: "bob-pw",
      });
      const attempts = [
        { project: { id: other.projectId } },
        { project: { name: "bob-project", domain: { id: "default" } } },
        { project: { id: "no-such-project" } },
        { system: { all: true } },
        { domain: { id: "default" } },
      ];
      for (const scope of attempts) {
        const reply = await harness.request("POST", "/v3/auth/tokens", {
          body: passwordAuth({ id: alice.userId }, "alice-pw", scope),
        });
        assertKeystoneError(reply, 401, "Unauthorized");
      }
    });

    it("rejects bad credentials with the same 401", async () => {
      const cases = [
        passwordAuth({ id: alice.userId }, "wrong"),
        passwordAuth({ name: "alice", domain: { id: "default" } }, "wrong"),
        passwordAuth({ name: "nobody", domain: { id: "default" } }, "alice-pw"),
        passwordAuth({ id: "no-such-user" }, "alice-pw"),
        passwordAuth({ name: "alice", domain: { id: "no-such-domain" } }, "alice-pw"),
      ];
      const messages = new Set<string>();
      for (const body of cases) {
        const reply = await harness.request("POST", "/v3/auth/tokens", { body });
        assertKeystoneError(reply, 401, "Unauthorized");
        messages.add(reply.body.error.message);
      }
      assert.equal(messages.size, 1);
    });

    it("validates, checks and revokes a token", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      const shown = await harness.request("GET", "/v3/auth/tokens", {
        token: issued.token,
        headers: { "x-subject-token": issued.token },
      });
      assert.equal(shown.status, 200);
      assert.equal(shown.headers["x-subject-token"], issued.token);
      assert.deepEqual(shown.body.token, issued.body);

      const head = await harness.request("HEAD", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assert.equal(head.status, 200);

      const noCatalog = await harness.request("GET", "/v3/auth/tokens?nocatalog", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assert.equal(noCatalog.body.token.catalog, undefined);

      const revoked = await harness.request("DELETE", "/v3/auth/tokens", {
        token: issued.token,
        headers: { "x-subject-token": issued.token, "content-type": "application/json" },
      });
      assert.equal(revoked.status, 204);

      const after = await harness.request("GET", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assertKeystoneError(after, 404, "Not Found");
      const used = await harness.request("GET", "/v3/auth/projects", { token: issued.token });
      assertKeystoneError(used, 401, "Unauthorized");
      assert.match(String(used.headers["www-authenticate"]), /^Keystone uri="/);
    });

    it("keeps another user's token private", async () => {
      const bob = await harness.passwordToken(
        { name: "bob", domain: { id: "default" } },
        "bob-pw",
        {
          project: { name: "bob-project", domain: { id: "default" } },
        },
      );
      const aliceToken = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      const reply = await harness.request("GET", "/v3/auth/tokens", {
        token: aliceToken.token,
        headers: { "x-subject-token": bob.token },
      });
      assertKeystoneError(reply, 403, "Forbidden");
    });

    it("re-scopes with the token method", async () => {
      const unscoped = await harness.passwordToken({ id: alice.userId }, "alice-pw");
      const reply = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: { methods: ["token"], token: { id: unscoped.token } },
            scope: { project: { id: alice.projectId } },
          },
        },
      });
      assert.equal(reply.status, 201);
      const token = reply.body.token;
      assert.deepEqual(token.methods, ["token", "password"]);
      assert.equal(token.project.id, alice.projectId);
      assert.equal(token.expires_at, unscoped.body.expires_at);
      assert.equal(token.audit_ids[1], unscoped.body.audit_ids[0]);

      const invalid = await harness.request("POST", "/v3/auth/tokens", {
        body: { auth: { identity: { methods: ["token"], token: { id: "not-a-token" } } } },
      });
      assertKeystoneError(invalid, 404, "Not Found");
    });

    it("invalidates tokens of disabled users and projects", async () => {
      const carol = await createUserWithRole(harness, adminToken, {
        name: "carol",
        password: "carol-pw",
      });
      const issued = await harness.passwordToken({ id: carol.userId }, "carol-pw", {
        project: { id: carol.projectId },
      });
      const disableProject = await harness.request("PATCH", `/v3/projects/${carol.projectId}`, {
        token: adminToken,
        body: { project: { enabled: false } },
      });
      assert.equal(disableProject.status, 200);
      const check = await harness.request("GET", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assertKeystoneError(check, 404, "Not Found");
      const rescope = await harness.request("POST", "/v3/auth/tokens", {
        body: passwordAuth({ id: carol.userId }, "carol-pw", { project: { id: carol.projectId } }),
      });
      assertKeystoneError(rescope, 401, "Unauthorized");

      await harness.request("PATCH", `/v3/projects/${carol.projectId}`, {
        token: adminToken,
        body: { project: { enabled: true } },
      });
      await harness.request("PATCH", `/v3/users/${carol.userId}`, {
        token: adminToken,
        body: { user: { enabled: false } },
      });
      const disabledUser = await harness.request("POST", "/v3/auth/tokens", {
        body: passwordAuth({ id: carol.userId }, "carol-pw"),
      });
      assertKeystoneError(disabledUser, 401, "Unauthorized");
    });

    it("rejects an expired token", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      const database = openDatabase<IdentitySchema>(harness.database.url);
      try {
        await database.db
          .updateTable("identity_tokens")
          .set({ expires_at: "2020-01-01T00:00:00.000Z" })
          .where("user_id", "=", alice.userId)
          .execute();
      } finally {
        await database.close();
      }
      const reply = await harness.request("GET", "/v3/auth/projects", { token: issued.token });
      assertKeystoneError(reply, 401, "Unauthorized");
      const check = await harness.request("GET", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assertKeystoneError(check, 404, "Not Found");
    });

    it("lists the caller's projects, domains, system and catalog", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      const projects = await harness.request("GET", "/v3/auth/projects", { token: issued.token });
      assert.deepEqual(
        projects.body.projects.map((project: { id: string }) => project.id),
        [alice.projectId],
      );
      const system = await harness.request("GET", "/v3/auth/system", { token: issued.token });
      assert.deepEqual(system.body.system, []);
      const adminSystem = await harness.request("GET", "/v3/auth/system", { token: adminToken });
      assert.deepEqual(adminSystem.body.system, [{ all: true }]);
      const catalog = await harness.request("GET", "/v3/auth/catalog", { token: issued.token });
      assert.equal(catalog.status, 200);
      assert.equal(catalog.body.catalog.length, 4);
    });

    it("validates in process with the token validator", async () => {
      const issued = await harness.passwordToken({ id: alice.userId }, "alice-pw", {
        project: { id: alice.projectId },
      });
      const context = await harness.service.tokenValidator.validate(issued.token);
      assert.ok(context !== null);
      assert.equal(context.userId, alice.userId);
      assert.equal(context.projectId, alice.projectId);
      assert.equal(context.projectDomainId, "default");
      assert.deepEqual([...context.roles].sort(), ["member", "reader"]);
      assert.equal(context.authenticated, true);

      await harness.request("DELETE", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": issued.token },
      });
      assert.equal(await harness.service.tokenValidator.validate(issued.token), null);
      assert.equal(await harness.service.tokenValidator.validate("garbage"), null);
    });

    it("revokes tokens when the password changes", async () => {
      const erin = await createUserWithRole(harness, adminToken, {
        name: "erin",
        password: "old-pw",
      });
      const issued = await harness.passwordToken({ id: erin.userId }, "old-pw", {
        project: { id: erin.projectId },
      });
      const wrong = await harness.request("POST", `/v3/users/${erin.userId}/password`, {
        body: { user: { original_password: "not-it", password: "new-pw" } },
      });
      assertKeystoneError(wrong, 401, "Unauthorized");
      const changed = await harness.request("POST", `/v3/users/${erin.userId}/password`, {
        body: { user: { original_password: "old-pw", password: "new-pw" } },
      });
      assert.equal(changed.status, 204);
      assert.equal(await harness.service.tokenValidator.validate(issued.token), null);
      const old = await harness.request("POST", "/v3/auth/tokens", {
        body: passwordAuth({ id: erin.userId }, "old-pw"),
      });
      assertKeystoneError(old, 401, "Unauthorized");
      await harness.passwordToken({ id: erin.userId }, "new-pw");
    });
  });
}
