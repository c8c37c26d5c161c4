import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

const PROJECT = "rbac-project";

/** Expected status per role, checked one request at a time. */
type Matrix = Record<string, number>;

async function checkMatrix(
  matrix: Matrix,
  request: (roles: string) => Promise<number>,
): Promise<void> {
  for (const [roles, expected] of Object.entries(matrix)) {
    assert.equal(await request(roles), expected, `roles ${roles}`);
  }
}

describe("legacy policy roles", () => {
  let km: TestKeyManager;
  let secretId: string;

  before(async () => {
    km = await startKeyManager("sqlite");
    secretId = await createSecret(
      km,
      { name: "legacy", payload: "x", payload_content_type: "text/plain" },
      { project: PROJECT, roles: "creator", user: "owner" },
    );
  });
  after(async () => {
    await km.close();
  });

  test("secret creation by role", async () => {
    const matrix = {
      admin: 201,
      creator: 201,
      observer: 403,
      audit: 403,
      member: 403,
      reader: 403,
    };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "POST",
        url: "/v1/secrets",
        project: PROJECT,
        roles,
        body: { name: "by-role" },
      });
      return response.status;
    });
  });

  test("listing by role", async () => {
    const matrix = { admin: 200, creator: 200, observer: 200, audit: 403, member: 403 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "GET",
        url: "/v1/secrets",
        project: PROJECT,
        roles,
      });
      return response.status;
    });
  });

  test("metadata read by role", async () => {
    const matrix = { admin: 200, creator: 200, observer: 200, audit: 200, reader: 403 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${secretId}`,
        project: PROJECT,
        roles,
        user: "someone",
      });
      return response.status;
    });
  });

  test("payload read by role", async () => {
    const matrix = { admin: 200, creator: 200, observer: 200, audit: 403, member: 403 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${secretId}/payload`,
        project: PROJECT,
        roles,
        user: "someone",
      });
      return response.status;
    });
  });

  test("deletion by observer is forbidden", async () => {
    const response = await km.call({
      method: "DELETE",
      url: `/v1/secrets/${secretId}`,
      project: PROJECT,
      roles: "observer",
    });
    assert.equal(response.status, 403);
    assert.equal(
      response.json().description,
      "Secret deletion attempt not allowed - please review your user/project privileges",
    );
  });

  test("metadata writes need admin or creator", async () => {
    const matrix = { observer: 403, audit: 403, creator: 201, admin: 201 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "PUT",
        url: `/v1/secrets/${secretId}/metadata`,
        project: PROJECT,
        roles,
        body: { metadata: { a: "b" } },
      });
      return response.status;
    });
  });

  test("admin of another project is forbidden", async () => {
    const response = await km.call({
      method: "GET",
      url: `/v1/secrets/${secretId}/payload`,
      project: "other-project",
      roles: "admin",
    });
    assert.equal(response.status, 403);
  });
});

describe("new default policy roles", () => {
  let km: TestKeyManager;
  let secretId: string;

  before(async () => {
    km = await startKeyManager("sqlite", { "policy.enforce_new_defaults": true });
    secretId = await createSecret(
      km,
      { name: "secure-rbac", payload: "x", payload_content_type: "text/plain" },
      { project: PROJECT, roles: "member,reader", user: "owner" },
    );
  });
  after(async () => {
    await km.close();
  });

  test("secret creation by role", async () => {
    const matrix = { member: 201, "member,reader": 201, reader: 403, admin: 403, creator: 403 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "POST",
        url: "/v1/secrets",
        project: PROJECT,
        roles,
        body: { name: "by-role" },
      });
      return response.status;
    });
  });

  test("payload read by role", async () => {
    const matrix = { member: 200, "admin,member": 200, reader: 403, observer: 403 };
    await checkMatrix(matrix, async (roles) => {
      const response = await km.call({
        method: "GET",
        url: `/v1/secrets/${secretId}/payload`,
        project: PROJECT,
        roles,
        user: "someone",
      });
      return response.status;
    });
  });

  test("project admin confined to its project", async () => {
    // Barbican 15, which barbican-tempest-plugin 1.7 checks, confines admins to their project.
    const metadata = await km.call({
      method: "GET",
      url: `/v1/secrets/${secretId}`,
      project: "elsewhere",
      roles: "admin",
    });
    assert.equal(metadata.status, 403);
    const payload = await km.call({
      method: "GET",
      url: `/v1/secrets/${secretId}/payload`,
      project: "elsewhere",
      roles: "admin",
    });
    assert.equal(payload.status, 403);
  });

  test("member of another project is forbidden", async () => {
    const response = await km.call({
      method: "DELETE",
      url: `/v1/secrets/${secretId}`,
      project: "elsewhere",
      roles: "member",
    });
    assert.equal(response.status, 403);
  });
});

describe("policy overrides file", () => {
  let km: TestKeyManager;

  before(async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const folder = mkdtempSync(join(tmpdir(), "osts-km-policy-"));
    const file = join(folder, "policy.yaml");
    writeFileSync(file, '"secrets:get": "role:auditor-of-lists"\n');
    km = await startKeyManager("sqlite", { "policy.file": file });
  });
  after(async () => {
    await km.close();
  });

  test("override replaces a default rule", async () => {
    const admin = await km.call({ method: "GET", url: "/v1/secrets", roles: "admin" });
    assert.equal(admin.status, 403);
    const custom = await km.call({ method: "GET", url: "/v1/secrets", roles: "auditor-of-lists" });
    assert.equal(custom.status, 200);
  });
});
