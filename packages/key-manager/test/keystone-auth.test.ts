import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AuthContext, emptyAuthContext, type TokenValidator } from "@openstack-ts/kernel";
import { startKeyManager, type TestKeyManager } from "./helpers.js";

/** Accepts two fixed tokens; the real identity service is exercised by the CLI's e2e suite. */
const validator: TokenValidator = {
  async validate(token: string): Promise<AuthContext | null> {
    const base = { ...emptyAuthContext(), authenticated: true };
    if (token === "creator-token") {
      return { ...base, userId: "user-1", projectId: "project-1", roles: ["creator"] };
    }
    if (token === "observer-token") {
      return { ...base, userId: "user-2", projectId: "project-1", roles: ["observer"] };
    }
    return null;
  },
};

describe("keystone authentication", () => {
  let km: TestKeyManager;

  before(async () => {
    km = await startKeyManager(
      "sqlite",
      { "auth.mode": "keystone", "auth.auth_url": "http://identity.test:5000/v3" },
      validator,
    );
  });
  after(async () => {
    await km.close();
  });

  test("missing token gets 401 like keystonemiddleware", async () => {
    const response = await km.call({ method: "GET", url: "/v1/secrets", project: null });
    assert.equal(response.status, 401);
    assert.equal(response.headers["www-authenticate"], 'Keystone uri="http://identity.test:5000"');
    assert.deepEqual(response.json(), {
      error: {
        code: 401,
        title: "Unauthorized",
        message: "The request you have made requires authentication.",
      },
    });
  });

  test("invalid token gets 401", async () => {
    const response = await km.call({
      method: "GET",
      url: "/v1/secrets",
      project: null,
      headers: { "x-auth-token": "forged" },
    });
    assert.equal(response.status, 401);
  });

  test("X-Project-Id cannot replace a token", async () => {
    const response = await km.call({ method: "GET", url: "/v1/secrets", project: "project-1" });
    assert.equal(response.status, 401);
  });

  test("version document needs no token", async () => {
    const response = await km.call({ method: "GET", url: "/", project: null });
    assert.equal(response.status, 300);
  });

  test("token caller owns what it creates", async () => {
    const created = await km.call({
      method: "POST",
      url: "/v1/secrets",
      project: null,
      headers: { "x-auth-token": "creator-token" },
      body: { name: "from-token", payload: "x", payload_content_type: "text/plain" },
    });
    assert.equal(created.status, 201);
    const id = String(created.json().secret_ref).split("/").pop();
    const shown = await km.call({
      method: "GET",
      url: `/v1/secrets/${id}`,
      project: null,
      headers: { "x-auth-token": "observer-token" },
    });
    assert.equal(shown.status, 200);
    assert.equal(shown.json().creator_id, "user-1");
    const removal = await km.call({
      method: "DELETE",
      url: `/v1/secrets/${id}`,
      project: null,
      headers: { "x-auth-token": "observer-token" },
    });
    assert.equal(removal.status, 403);
  });
});
