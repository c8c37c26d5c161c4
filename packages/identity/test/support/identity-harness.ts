import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, MemoryBus, type SqlDialect } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import type { IdentityServiceInstance } from "../../src/index.js";
import { identityModule } from "../../src/index.js";

export const ADMIN_PASSWORD = "secret-admin-password";

export interface Harness {
  service: IdentityServiceInstance;
  database: TestDatabase;
  folder: string;
  /** Sends a request through fastify's inject (no socket); bodies are sent as JSON. */
  request(method: string, url: string, options?: RequestOptions): Promise<Reply>;
  /** Issues a token with a password; returns the token and the body. */
  passwordToken(user: UserReference, password: string, scope?: unknown): Promise<IssuedToken>;
  /** A token of the bootstrap admin scoped to the admin project. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The parsed JSON body, read loosely by the assertions. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies as untyped JSON
  body: any;
  text: string;
}

export type UserReference =
  | { id: string }
  | { name: string; domain: { id?: string; name?: string } };

export interface IssuedToken {
  token: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read token bodies as untyped JSON
  body: any;
}

/**
 * Starts an identity service on a new database of the dialect, with fast password hashing, a
 * fixed admin password and its files in a temporary folder. Nothing listens on a port.
 */
export async function startHarness(
  dialect: SqlDialect,
  overrides: Record<string, unknown> = {},
): Promise<Harness> {
  const database = await createTestDatabase(dialect);
  const folder = mkdtempSync(join(tmpdir(), "osts-identity-"));
  const config = identityModule.loadConfig({
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
      ...overrides,
    },
  });
  const service = await identityModule.create(config, {
    logger: createLogger({ level: "silent" }),
    bus: new MemoryBus(),
  });

  async function request(
    method: string,
    url: string,
    options: RequestOptions = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token !== undefined) {
      headers["x-auth-token"] = options.token;
    }
    let payload: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
    }
    if (payload !== undefined && headers["content-type"] === undefined) {
      headers["content-type"] = "application/json";
    }
    const response = await service.app.inject({
      method: method as "GET",
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    let body: unknown;
    try {
      body = response.body === "" ? undefined : JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body, text: response.body };
  }

  async function passwordToken(user: UserReference, password: string, scope?: unknown) {
    const reply = await request("POST", "/v3/auth/tokens", {
      body: {
        auth: {
          identity: { methods: ["password"], password: { user: { ...user, password } } },
          ...(scope === undefined ? {} : { scope }),
        },
      },
    });
    assert.equal(reply.status, 201, `token request failed: ${reply.text}`);
    return { token: String(reply.headers["x-subject-token"]), body: reply.body.token };
  }

  return {
    service,
    database,
    folder,
    request,
    passwordToken,
    async adminToken() {
      const issued = await passwordToken(
        { name: "admin", domain: { id: "default" } },
        ADMIN_PASSWORD,
        { project: { name: "admin", domain: { id: "default" } } },
      );
      return issued.token;
    },
    async close() {
      await service.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Asserts a Keystone error body: `{"error": {"code", "message", "title"}}` with the status. */
export function assertKeystoneError(reply: Reply, status: number, title: string) {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status}: ${reply.text}`);
  assert.equal(reply.body?.error?.code, status);
  assert.equal(reply.body?.error?.title, title);
  assert.equal(typeof reply.body?.error?.message, "string");
}

/** Creates a project and a user with a role on it, as tempest's dynamic credentials do. */
export async function createUserWithRole(
  harness: Harness,
  adminToken: string,
  options: { name: string; password: string; role?: string; projectName?: string },
) {
  const project = await harness.request("POST", "/v3/projects", {
    token: adminToken,
    body: {
      project: { name: options.projectName ?? `${options.name}-project`, domain_id: "default" },
    },
  });
  assert.equal(project.status, 201, project.text);
  const user = await harness.request("POST", "/v3/users", {
    token: adminToken,
    body: { user: { name: options.name, password: options.password, domain_id: "default" } },
  });
  assert.equal(user.status, 201, user.text);
  const roles = await harness.request("GET", `/v3/roles?name=${options.role ?? "member"}`, {
    token: adminToken,
  });
  const roleId = roles.body.roles[0].id as string;
  const grant = await harness.request(
    "PUT",
    `/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId}`,
    { token: adminToken },
  );
  assert.equal(grant.status, 204, grant.text);
  return {
    projectId: project.body.project.id as string,
    userId: user.body.user.id as string,
    roleId,
  };
}
