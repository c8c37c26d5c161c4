import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertKeystoneError,
  createUserWithRole,
  type Harness,
  startHarness,
} from "./support/identity-harness.js";

describe("privilege escalation attempts", () => {
  let harness: Harness;
  let admin: string;
  let roleIds: Map<string, string>;
  let alice: { projectId: string; userId: string; token: string };
  let bob: { projectId: string; userId: string; token: string };

  before(async () => {
    harness = await startHarness("sqlite");
    admin = await harness.adminToken();
    const roles = await harness.request("GET", "/v3/roles", { token: admin });
    roleIds = new Map(
      roles.body.roles.map((role: { id: string; name: string }) => [role.name, role.id]),
    );
    const member = async (name: string) => {
      const created = await createUserWithRole(harness, admin, { name, password: `${name}-pw` });
      const issued = await harness.passwordToken({ id: created.userId }, `${name}-pw`, {
        project: { id: created.projectId },
      });
      return { ...created, token: issued.token };
    };
    alice = await member("alice");
    bob = await member("bob");
  });

  after(async () => {
    await harness.close();
  });

  const role = (name: string) => roleIds.get(name) as string;

  it("rejects member self-grants and admin writes", async () => {
    const attempts: Array<[string, string, unknown]> = [
      ["PUT", `/v3/projects/${alice.projectId}/users/${alice.userId}/roles/${role("admin")}`, {}],
      ["PUT", `/v3/system/users/${alice.userId}/roles/${role("admin")}`, {}],
      ["PUT", `/v3/domains/default/users/${alice.userId}/roles/${role("admin")}`, {}],
      ["POST", "/v3/users", { user: { name: "mallory", domain_id: "default" } }],
      ["PATCH", `/v3/users/${alice.userId}`, { user: { enabled: true } }],
      ["PATCH", `/v3/users/${bob.userId}`, { user: { password: "taken" } }],
      ["POST", "/v3/roles", { role: { name: "superuser" } }],
      ["PUT", `/v3/roles/${role("member")}/implies/${role("service")}`, {}],
      ["POST", "/v3/groups", { group: { name: "admins" } }],
      ["DELETE", `/v3/projects/${bob.projectId}`, {}],
    ];
    for (const [method, url, body] of attempts) {
      const reply = await harness.request(method, url, { token: alice.token, body });
      assertKeystoneError(reply, 403, "Forbidden");
    }
  });

  it("hides other users and their credentials", async () => {
    const created = await harness.request("POST", `/v3/users/${bob.userId}/credentials/OS-EC2`, {
      token: bob.token,
      body: { tenant_id: bob.projectId },
    });
    assert.equal(created.status, 201, created.text);
    const access = created.body.credential.access;
    const forbidden = [
      `/v3/users/${bob.userId}`,
      `/v3/users/${bob.userId}/credentials/OS-EC2`,
      `/v3/users/${bob.userId}/credentials/OS-EC2/${access}`,
      `/v3/users/${bob.userId}/application_credentials`,
      `/v3/users/${bob.userId}/projects`,
      `/v3/projects/${bob.projectId}`,
      "/v3/users",
      "/v3/role_assignments",
    ];
    for (const url of forbidden) {
      const reply = await harness.request("GET", url, { token: alice.token });
      assertKeystoneError(reply, 403, "Forbidden");
    }
    const throughOwnPath = await harness.request(
      "GET",
      `/v3/users/${alice.userId}/credentials/OS-EC2/${access}`,
      { token: alice.token },
    );
    assertKeystoneError(throughOwnPath, 404, "Not Found");
    const deleteThroughOwnPath = await harness.request(
      "DELETE",
      `/v3/users/${alice.userId}/credentials/OS-EC2/${access}`,
      { token: alice.token },
    );
    assertKeystoneError(deleteThroughOwnPath, 404, "Not Found");
  });

  it("rejects scopes the user holds no role on", async () => {
    const scopes = [
      { system: { all: true } },
      { domain: { id: "default" } },
      { project: { id: bob.projectId } },
    ];
    for (const scope of scopes) {
      const password = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { id: alice.userId, password: "alice-pw" } },
            },
            scope,
          },
        },
      });
      assertKeystoneError(password, 401, "Unauthorized");
      const rescope = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: { identity: { methods: ["token"], token: { id: alice.token } }, scope },
        },
      });
      assertKeystoneError(rescope, 401, "Unauthorized");
    }
  });

  it("rejects tokens of another user", async () => {
    const headers = { "x-subject-token": bob.token };
    const validate = await harness.request("GET", "/v3/auth/tokens", {
      token: alice.token,
      headers,
    });
    assertKeystoneError(validate, 403, "Forbidden");
    const revoke = await harness.request("DELETE", "/v3/auth/tokens", {
      token: alice.token,
      headers,
    });
    assertKeystoneError(revoke, 403, "Forbidden");
    const mixed = await harness.request("POST", "/v3/auth/tokens", {
      body: {
        auth: {
          identity: {
            methods: ["password", "token"],
            password: { user: { id: alice.userId, password: "alice-pw" } },
            token: { id: bob.token },
          },
        },
      },
    });
    assertKeystoneError(mixed, 401, "Unauthorized");
  });

  it("rejects application credentials with unheld roles", async () => {
    const url = `/v3/users/${alice.userId}/application_credentials`;
    const byName = await harness.request("POST", url, {
      token: alice.token,
      body: { application_credential: { name: "escalate", roles: [{ name: "admin" }] } },
    });
    assertKeystoneError(byName, 400, "Bad Request");
    const byId = await harness.request("POST", url, {
      token: alice.token,
      body: { application_credential: { name: "escalate", roles: [{ id: role("admin") }] } },
    });
    assertKeystoneError(byId, 400, "Bad Request");
    const unknown = await harness.request("POST", url, {
      token: alice.token,
      body: { application_credential: { name: "escalate", roles: [{ name: "no-such-role" }] } },
    });
    assertKeystoneError(unknown, 404, "Not Found");
    const forBob = await harness.request(
      "POST",
      `/v3/users/${bob.userId}/application_credentials`,
      {
        token: alice.token,
        body: { application_credential: { name: "for-bob" } },
      },
    );
    assertKeystoneError(forBob, 403, "Forbidden");
  });

  it("limits restricted application credential tokens", async () => {
    const url = `/v3/users/${alice.userId}/application_credentials`;
    const created = await harness.request("POST", url, {
      token: alice.token,
      body: { application_credential: { name: "reader-only", roles: [{ name: "reader" }] } },
    });
    assert.equal(created.status, 201, created.text);
    const { id, secret } = created.body.application_credential;
    const issued = await harness.request("POST", "/v3/auth/tokens", {
      body: {
        auth: {
          identity: { methods: ["application_credential"], application_credential: { id, secret } },
        },
      },
    });
    assert.equal(issued.status, 201, issued.text);
    assert.deepEqual(
      issued.body.token.roles.map((entry: { name: string }) => entry.name),
      ["reader"],
    );
    const token = String(issued.headers["x-subject-token"]);
    const another = await harness.request("POST", url, {
      token,
      body: { application_credential: { name: "second" } },
    });
    assertKeystoneError(another, 403, "Forbidden");
    const rescope = await harness.request("POST", "/v3/auth/tokens", {
      body: { auth: { identity: { methods: ["token"], token: { id: token } } } },
    });
    assertKeystoneError(rescope, 403, "Forbidden");
  });
});
