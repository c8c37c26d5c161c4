import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import type { IdentitySchema } from "../src/index.js";
import {
  assertKeystoneError,
  createUserWithRole,
  type Harness,
  startHarness,
} from "./support/identity-harness.js";

for (const dialect of testDialects()) {
  describe(`credentials on ${dialect}`, () => {
    let harness: Harness;
    let admin: string;
    let user: { projectId: string; userId: string; roleId: string };
    let token: string;

    before(async () => {
      harness = await startHarness(dialect);
      admin = await harness.adminToken();
      user = await createUserWithRole(harness, admin, { name: "kim", password: "kim-pw" });
      token = (
        await harness.passwordToken({ id: user.userId }, "kim-pw", {
          project: { id: user.projectId },
        })
      ).token;
    });

    after(async () => {
      await harness.close();
    });

    it("creates, lists, shows and deletes EC2 credentials", async () => {
      const base = `/v3/users/${user.userId}/credentials/OS-EC2`;
      const created = await harness.request("POST", base, {
        token,
        body: { tenant_id: user.projectId },
      });
      assert.equal(created.status, 201);
      const credential = created.body.credential;
      assert.equal(credential.user_id, user.userId);
      assert.equal(credential.tenant_id, user.projectId);
      assert.ok(credential.access.length >= 32);
      assert.ok(credential.secret.length >= 32);
      assert.equal(credential.trust_id, null);

      const listed = await harness.request("GET", base, { token });
      assert.deepEqual(
        listed.body.credentials.map((item: { access: string }) => item.access),
        [credential.access],
      );
      const shown = await harness.request("GET", `${base}/${credential.access}`, { token });
      assert.equal(shown.body.credential.secret, credential.secret);

      const database = openDatabase<IdentitySchema>(harness.database.url);
      try {
        const row = await database.db
          .selectFrom("identity_ec2_credentials")
          .selectAll()
          .where("access", "=", credential.access)
          .executeTakeFirstOrThrow();
        assert.equal(row.secret_encrypted.includes(credential.secret), false);
        assert.match(row.secret_encrypted, /^v1:/);
      } finally {
        await database.close();
      }

      const deleted = await harness.request("DELETE", `${base}/${credential.access}`, { token });
      assert.equal(deleted.status, 204);
      const gone = await harness.request("GET", `${base}/${credential.access}`, { token });
      assertKeystoneError(gone, 404, "Not Found");
      const badProject = await harness.request("POST", base, {
        token,
        body: { tenant_id: "no-such-project" },
      });
      assertKeystoneError(badProject, 400, "Bad Request");
    });

    it("keeps EC2 credentials of others private", async () => {
      const other = await createUserWithRole(harness, admin, { name: "lee", password: "lee-pw" });
      const reply = await harness.request("GET", `/v3/users/${other.userId}/credentials/OS-EC2`, {
        token,
      });
      assertKeystoneError(reply, 403, "Forbidden");
    });

    it("authenticates with an application credential", async () => {
      const base = `/v3/users/${user.userId}/application_credentials`;
      const created = await harness.request("POST", base, {
        token,
        body: { application_credential: { name: "ci", description: "for CI" } },
      });
      assert.equal(created.status, 201);
      const credential = created.body.application_credential;
      assert.equal(credential.project_id, user.projectId);
      assert.equal(credential.unrestricted, false);
      assert.equal(typeof credential.secret, "string");
      assert.deepEqual(credential.roles.map((role: { name: string }) => role.name).sort(), [
        "member",
        "reader",
      ]);

      const shown = await harness.request("GET", `${base}/${credential.id}`, { token });
      assert.equal(shown.body.application_credential.secret, undefined);

      const issued = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["application_credential"],
              application_credential: { id: credential.id, secret: credential.secret },
            },
          },
        },
      });
      assert.equal(issued.status, 201);
      assert.equal(issued.body.token.project.id, user.projectId);
      assert.deepEqual(issued.body.token.methods, ["application_credential"]);
      assert.deepEqual(issued.body.token.application_credential, {
        id: credential.id,
        name: "ci",
        restricted: true,
      });
      const appToken = String(issued.headers["x-subject-token"]);

      const byName = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["application_credential"],
              application_credential: {
                name: "ci",
                user: { name: "kim", domain: { id: "default" } },
                secret: credential.secret,
              },
            },
          },
        },
      });
      assert.equal(byName.status, 201);

      const restricted = await harness.request("POST", base, {
        token: appToken,
        body: { application_credential: { name: "nested" } },
      });
      assertKeystoneError(restricted, 403, "Forbidden");

      const wrongSecret = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["application_credential"],
              application_credential: { id: credential.id, secret: "wrong" },
            },
          },
        },
      });
      assertKeystoneError(wrongSecret, 401, "Unauthorized");

      const deleted = await harness.request("DELETE", `${base}/${credential.id}`, { token });
      assert.equal(deleted.status, 204);
      assert.equal(await harness.service.tokenValidator.validate(appToken), null);
    });

    it("checks application credential input", async () => {
      const base = `/v3/users/${user.userId}/application_credentials`;
      const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace("Z", "");
      const withExpiry = await harness.request("POST", base, {
        token,
        body: { application_credential: { name: "expiring", expires_at: `${expiresAt}123` } },
      });
      assert.equal(withExpiry.status, 201);
      assert.equal(withExpiry.body.application_credential.expires_at, `${expiresAt}123`);

      const cases = [
        { application_credential: {} },
        { application_credential: { name: "x", expires_at: "tomorrow" } },
        { application_credential: { name: "x", expires_at: "2001-01-01T00:00:00" } },
        { application_credential: { name: "x", expires_at: "2999-02-30T00:00:00" } },
        { application_credential: { name: "x", expires_at: "2999-04-31T00:00:00" } },
        { application_credential: { name: "x", expires_at: "2999-01-01T24:00:00" } },
        { application_credential: { name: "x", expires_at: "2999-01-01T23:60:00" } },
        { application_credential: { name: "x", unrestricted: "yes" } },
        { application_credential: { name: "x", access_rules: [{ service: "compute" }] } },
      ];
      for (const body of cases) {
        const reply = await harness.request("POST", base, { token, body });
        assertKeystoneError(reply, 400, "Bad Request");
      }
      const duplicate = await harness.request("POST", base, {
        token,
        body: { application_credential: { name: "expiring" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");
      const unheldRole = await harness.request("POST", base, {
        token,
        body: { application_credential: { name: "admin-role", roles: [{ name: "admin" }] } },
      });
      assertKeystoneError(unheldRole, 400, "Bad Request");
      const filtered = await harness.request("GET", `${base}?name=expiring`, { token });
      assert.equal(filtered.body.application_credentials.length, 1);
    });

    it("keeps access rules until no credential uses them", async () => {
      const rule = { path: "/v2.1/servers/*/ips", method: "GET", service: "compute" };
      const created = await harness.request(
        "POST",
        `/v3/users/${user.userId}/application_credentials`,
        { token, body: { application_credential: { name: "ruled", access_rules: [rule] } } },
      );
      assert.equal(created.status, 201);
      const returned = created.body.application_credential.access_rules;
      assert.equal(returned.length, 1);
      const { id: ruleId, ...fields } = returned[0];
      assert.deepEqual(fields, rule);

      const rules = `/v3/users/${user.userId}/access_rules`;
      const shown = await harness.request("GET", `${rules}/${ruleId}`, { token });
      assert.equal(shown.body.access_rule.service, "compute");
      const inUse = await harness.request("DELETE", `${rules}/${ruleId}`, { token });
      assertKeystoneError(inUse, 403, "Forbidden");

      await harness.request(
        "DELETE",
        `/v3/users/${user.userId}/application_credentials/${created.body.application_credential.id}`,
        { token },
      );
      const listed = await harness.request("GET", rules, { token });
      assert.equal(listed.body.access_rules.length, 1);
      const deleted = await harness.request("DELETE", `${rules}/${ruleId}`, { token });
      assert.equal(deleted.status, 204);
      const empty = await harness.request("GET", rules, { token });
      assert.equal(empty.body.access_rules.length, 0);
    });

    it("creates the credential key with mode 0600", () => {
      const file = `${harness.folder}/credential.key`;
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const key = readFileSync(file, "utf8").trim();
      assert.equal(Buffer.from(key, "base64").length, 32);
    });
  });
}
