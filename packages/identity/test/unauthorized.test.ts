import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import {
  ADMIN_PASSWORD,
  createUserWithRole,
  type Harness,
  type Reply,
  startHarness,
} from "./support/identity-harness.js";

/** Keystone's message for every 401 of a failed login or a missing or invalid token. */
const REQUIRES_AUTHENTICATION = "The request you have made requires authentication.";

/** The harness sends requests to http://localhost:80, so Keystone's URLs drop the port. */
const API_URI = 'Keystone uri="http://localhost/v3"';
const BASE_URI = 'Keystone uri="http://localhost"';

function assertUnauthorized(reply: Reply, message: string, wwwAuthenticate: string) {
  assert.equal(reply.status, 401, reply.text);
  assert.equal(reply.headers["www-authenticate"], wwwAuthenticate);
  assert.equal(reply.headers.vary, "X-Auth-Token");
  assert.equal(reply.body.error.code, 401);
  assert.equal(reply.body.error.title, "Unauthorized");
  assert.equal(reply.body.error.message, message);
}

for (const dialect of testDialects()) {
  describe(`401 responses on ${dialect}`, () => {
    let harness: Harness;
    let adminToken: string;
    let alice: { projectId: string; userId: string };

    before(async () => {
      harness = await startHarness(dialect);
      adminToken = await harness.adminToken();
      alice = await createUserWithRole(harness, adminToken, {
        name: "alice-401",
        password: "alice-pw",
      });
    });

    after(async () => {
      await harness.close();
    });

    const login = (identity: object, scope?: unknown) =>
      harness.request("POST", "/v3/auth/tokens", {
        body: { auth: { identity, ...(scope === undefined ? {} : { scope }) } },
      });
    const password = (user: object, secret: string, scope?: unknown) =>
      login({ methods: ["password"], password: { user: { ...user, password: secret } } }, scope);

    it("failed password logins", async () => {
      const admin = { name: "admin", domain: { id: "default" } };
      const cases: Array<[string, Promise<Reply>]> = [
        ["wrong password", password(admin, "wrong")],
        ["unknown user", password({ name: "nobody", domain: { id: "default" } }, "x")],
        ["unknown user id", password({ id: "0123456789abcdef" }, "x")],
        ["unknown domain", password({ name: "admin", domain: { name: "no-such" } }, "x")],
        ["unknown project", password(admin, ADMIN_PASSWORD, { project: { id: "missing" } })],
      ];
      for (const [label, pending] of cases) {
        const reply = await pending;
        assert.equal(reply.status, 401, label);
        assertUnauthorized(reply, REQUIRES_AUTHENTICATION, API_URI);
        assert.equal(reply.body.error.identity, undefined, label);
      }
    });

    it("disabled user login", async () => {
      const disabled = await harness.request("PATCH", `/v3/users/${alice.userId}`, {
        token: adminToken,
        body: { user: { enabled: false } },
      });
      assert.equal(disabled.status, 200, disabled.text);
      const reply = await password({ id: alice.userId }, "alice-pw");
      assertUnauthorized(reply, REQUIRES_AUTHENTICATION, API_URI);
      await harness.request("PATCH", `/v3/users/${alice.userId}`, {
        token: adminToken,
        body: { user: { enabled: true } },
      });
    });

    it("missing token on an API", async () => {
      for (const [method, url] of [
        ["GET", "/v3/users"],
        ["GET", "/v3/auth/projects"],
        ["DELETE", "/v3/auth/tokens"],
      ]) {
        const reply = await harness.request(method as string, url as string);
        assertUnauthorized(reply, REQUIRES_AUTHENTICATION, API_URI);
      }
    });

    it("invalid token on an API", async () => {
      const revoked = (await harness.passwordToken({ id: alice.userId }, "alice-pw")).token;
      const deleted = await harness.request("DELETE", "/v3/auth/tokens", {
        token: adminToken,
        headers: { "x-subject-token": revoked },
      });
      assert.equal(deleted.status, 204, deleted.text);
      for (const token of ["garbage", revoked, "x".repeat(2000)]) {
        const reply = await harness.request("GET", "/v3/users", { token });
        assertUnauthorized(reply, REQUIRES_AUTHENTICATION, BASE_URI);
        const validation = await harness.request("GET", "/v3/auth/tokens", {
          token,
          headers: { "x-subject-token": adminToken },
        });
        assertUnauthorized(validation, REQUIRES_AUTHENTICATION, BASE_URI);
      }
    });

    it("unsupported method lists supported ones", async () => {
      for (const methods of [["totp"], ["password", "mapped"], ["external"]]) {
        const reply = await login({ methods, totp: {}, mapped: {} });
        assertUnauthorized(reply, "Attempted to authenticate with an unsupported method.", API_URI);
        assert.deepEqual(reply.body.error.identity, {
          methods: ["password", "token", "application_credential"],
        });
      }
    });

    it("application credential with a scope", async () => {
      const created = await harness.request(
        "POST",
        `/v3/users/${alice.userId}/application_credentials`,
        {
          token: (
            await harness.passwordToken({ id: alice.userId }, "alice-pw", {
              project: { id: alice.projectId },
            })
          ).token,
          body: { application_credential: { name: "scoped-401" } },
        },
      );
      assert.equal(created.status, 201, created.text);
      const { id, secret } = created.body.application_credential;
      const identity = {
        methods: ["application_credential"],
        application_credential: { id, secret },
      };
      const message =
        "Error authenticating with application credential: Application credentials cannot request a scope.";
      for (const scope of [{ project: { id: alice.projectId } }, { system: { all: true } }]) {
        const reply = await login(identity, scope);
        assertUnauthorized(reply, message, API_URI);
        assert.deepEqual(reply.body.error.identity, {});
      }
      const wrongSecret = await login(
        { ...identity, application_credential: { id, secret: "wrong" } },
        { project: { id: alice.projectId } },
      );
      assertUnauthorized(wrongSecret, message, API_URI);

      const unscoped = await login(identity);
      assert.equal(unscoped.status, 201, unscoped.text);
      assert.equal(unscoped.body.token.project.id, alice.projectId);
      assert.equal(unscoped.headers["www-authenticate"], undefined);
    });

    it("configured public URL in the header", async () => {
      const configured = await startHarness(dialect, {
        "listen.public_url": "https://keystone.example:5443/",
      });
      try {
        const missing = await configured.request("GET", "/v3/users");
        assertUnauthorized(
          missing,
          REQUIRES_AUTHENTICATION,
          'Keystone uri="https://keystone.example:5443/v3"',
        );
        const invalid = await configured.request("GET", "/v3/users", { token: "garbage" });
        assertUnauthorized(
          invalid,
          REQUIRES_AUTHENTICATION,
          'Keystone uri="https://keystone.example:5443"',
        );
      } finally {
        await configured.close();
      }
    });
  });
}
