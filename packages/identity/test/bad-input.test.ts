import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_REQUEST_BODY_BYTES } from "../src/index.js";
import {
  ADMIN_PASSWORD,
  assertKeystoneError,
  type Harness,
  startHarness,
} from "./support/identity-harness.js";

describe("bad input", () => {
  let harness: Harness;
  let admin: string;

  before(async () => {
    harness = await startHarness("sqlite");
    admin = await harness.adminToken();
  });

  after(async () => {
    await harness.close();
  });

  const auth = (identity: unknown, scope?: unknown) => ({
    auth: { identity, ...(scope === undefined ? {} : { scope }) },
  });

  it("rejects malformed token requests with 400", async () => {
    const bodies: unknown[] = [
      {},
      { auth: {} },
      { auth: { identity: {} } },
      auth({ methods: [] }),
      auth({ methods: "password" }),
      auth({ methods: ["password"] }),
      auth({ methods: ["password"], password: { user: { name: "admin", password: 5 } } }),
      auth({ methods: ["password"], password: { user: { name: "admin", password: "x" } } }),
      auth({ methods: ["password"], password: { user: { password: "x" } } }),
      auth({ methods: ["token"] }),
      auth({ methods: ["token"], token: { id: 42 } }),
      auth({ methods: ["password"], password: { user: { id: "x", password: "x" } } }, 7),
      auth(
        { methods: ["password"], password: { user: { id: "x", password: "x" } } },
        { project: { name: "admin" } },
      ),
      auth(
        { methods: ["password"], password: { user: { id: "x", password: "x" } } },
        { system: { all: "yes" } },
      ),
      [],
      "text",
      null,
    ];
    for (const body of bodies) {
      const reply = await harness.request("POST", "/v3/auth/tokens", {
        rawBody: JSON.stringify(body),
      });
      assert.ok(
        reply.status === 400 || reply.status === 401,
        `${JSON.stringify(body)} got ${reply.status}`,
      );
      assert.equal(reply.body?.error?.code, reply.status);
    }
  });

  it("rejects an empty or double scope", async () => {
    const identity = {
      methods: ["password"],
      password: { user: { name: "admin", domain: { id: "default" }, password: ADMIN_PASSWORD } },
    };
    for (const scope of [
      {},
      { project: { name: "admin", domain: { id: "default" } }, system: { all: true } },
    ]) {
      const reply = await harness.request("POST", "/v3/auth/tokens", {
        body: { auth: { identity, scope } },
      });
      assert.equal(reply.status, 400, `${JSON.stringify(scope)}: ${reply.text}`);
      assert.equal(
        reply.body.error.message,
        '"scope" must name exactly one of project, domain and system.',
      );
    }
  });

  it("names the invalid field in the message", async () => {
    const reply = await harness.request("POST", "/v3/users", {
      token: admin,
      body: { user: { name: "x", enabled: "yes" } },
    });
    assertKeystoneError(reply, 400, "Bad Request");
    assert.match(reply.body.error.message, /user\.enabled/);
    const missing = await harness.request("POST", "/v3/projects", {
      token: admin,
      body: { project: { description: "no name" } },
    });
    assertKeystoneError(missing, 400, "Bad Request");
    assert.match(missing.body.error.message, /project\.name/);
  });

  it("rejects invalid JSON", async () => {
    for (const rawBody of ["{", '{"user": }', "nul", '{"a":1}}']) {
      const reply = await harness.request("POST", "/v3/users", { token: admin, rawBody });
      assertKeystoneError(reply, 400, "Bad Request");
    }
  });

  it("rejects bodies over the size limit", async () => {
    const reply = await harness.request("POST", "/v3/users", {
      token: admin,
      body: { user: { name: "big", description: "x".repeat(MAX_REQUEST_BODY_BYTES) } },
    });
    assertKeystoneError(reply, 413, "Request Entity Too Large");
    const auth = await harness.request("POST", "/v3/auth/tokens", {
      rawBody: JSON.stringify({ auth: { identity: { methods: ["x".repeat(200_000)] } } }),
    });
    assertKeystoneError(auth, 413, "Request Entity Too Large");
  });

  it("rejects wrong types and limits", async () => {
    const cases: Array<[string, string, unknown]> = [
      ["POST", "/v3/users", { user: { name: "" } }],
      ["POST", "/v3/users", { user: { name: "   " } }],
      ["POST", "/v3/users", { user: { name: "n".repeat(256) } }],
      ["POST", "/v3/users", { user: { name: "u", password: "p".repeat(4097) } }],
      ["POST", "/v3/users", { user: { name: ["a"] } }],
      ["POST", "/v3/users", { user: "frank" }],
      ["POST", "/v3/users", { name: "frank" }],
      ["POST", "/v3/projects", { project: { name: "p", enabled: 1 } }],
      ["POST", "/v3/projects", { project: { name: "p", tags: ["a/b"] } }],
      ["POST", "/v3/projects", { project: { name: "p", is_domain: true } }],
      ["POST", "/v3/projects", { project: { name: "p", parent_id: "missing" } }],
      ["POST", "/v3/domains", { domain: { name: 12 } }],
      ["POST", "/v3/roles", { role: {} }],
      ["PATCH", "/v3/domains/default", { domain: {} }],
      ["PATCH", "/v3/projects/x", { project: { enabled: "false" } }],
      ["POST", "/v3/users/x/credentials/OS-EC2", { tenant: "x" }],
    ];
    for (const [method, url, body] of cases) {
      const reply = await harness.request(method, url, { token: admin, body });
      assert.equal(reply.status, 400, `${method} ${url} ${JSON.stringify(body)}: ${reply.text}`);
      assert.equal(reply.body.error.code, 400);
    }
  });

  it("answers unknown paths with 404", async () => {
    const unknown = await harness.request("GET", "/v3/nothing-here", { token: admin });
    assertKeystoneError(unknown, 404, "Not Found");
    const trusts = await harness.request("GET", "/v3/OS-TRUST/trusts", { token: admin });
    assertKeystoneError(trusts, 404, "Not Found");
  });

  it("rejects unsupported content types", async () => {
    const reply = await harness.request("POST", "/v3/users", {
      token: admin,
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(reply.status, 415);
    assert.equal(reply.body.error.code, 415);
  });

  it("accepts an empty JSON body on DELETE", async () => {
    const user = await harness.request("POST", "/v3/users", {
      token: admin,
      body: { user: { name: "to-delete" } },
    });
    const reply = await harness.request("DELETE", `/v3/users/${user.body.user.id}`, {
      token: admin,
      headers: { "content-type": "application/json" },
      rawBody: "",
    });
    assert.equal(reply.status, 204);
  });

  it("keeps stored data after rejected writes", async () => {
    const created = await harness.request("POST", "/v3/users", {
      token: admin,
      body: { user: { name: "kept", password: "kept-pw", email: "kept@example.org" } },
    });
    const id = created.body.user.id;
    const rejected = [
      { user: { enabled: "no" } },
      { user: { name: "" } },
      { user: {} },
      { user: { domain_id: "other" } },
    ];
    for (const body of rejected) {
      const reply = await harness.request("PATCH", `/v3/users/${id}`, { token: admin, body });
      assert.equal(reply.status, 400);
    }
    const shown = await harness.request("GET", `/v3/users/${id}`, { token: admin });
    assert.equal(shown.body.user.name, "kept");
    assert.equal(shown.body.user.enabled, true);
    assert.equal(shown.body.user.email, "kept@example.org");
    await harness.passwordToken({ id }, "kept-pw");
  });

  it("rejects a missing X-Subject-Token", async () => {
    const reply = await harness.request("GET", "/v3/auth/tokens", { token: admin });
    assertKeystoneError(reply, 400, "Bad Request");
  });
});
