import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogger,
  MemoryBus,
  type ServiceInstance,
  type SqlDialect,
  type TokenValidator,
} from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { createKeyManagerService, loadKeyManagerConfig } from "../src/index.js";

/** A key manager running on a fresh test database, driven through `inject`. */
export interface TestKeyManager {
  service: ServiceInstance;
  database: TestDatabase;
  masterKey: string;
  /** Sends a request without a socket; `project`/`roles`/`user` become no-auth headers. */
  call(options: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD";
  url: string;
  project?: string | null;
  roles?: string;
  user?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  raw: Buffer;
  json(): Record<string, unknown>;
}

/** Starts the key manager on a new database of the dialect; `overrides` are config paths. */
export async function startKeyManager(
  dialect: SqlDialect,
  overrides: Record<string, unknown> = {},
  tokenValidator?: TokenValidator,
): Promise<TestKeyManager> {
  const database = await createTestDatabase(dialect);
  const masterKey = randomBytes(32).toString("base64");
  const dataFolder = mkdtempSync(join(tmpdir(), "osts-km-"));
  const config = loadKeyManagerConfig({
    env: {},
    overrides: {
      "database.url": database.url,
      "database.pool_size": 4,
      "auth.mode": "noauth",
      "listen.port": 0,
      host_href: "http://km.test:9311",
      "crypto.master_key": masterKey,
      "crypto.master_key_file": join(dataFolder, "unused.json"),
      ...overrides,
    },
  });
  const service = await createKeyManagerService(config, {
    logger: createLogger({ level: "silent" }),
    bus: new MemoryBus(),
    ...(tokenValidator === undefined ? {} : { tokenValidator }),
  });

  async function call(options: CallOptions): Promise<CallResult> {
    const headers: Record<string, string> = {};
    if (options.project !== null) {
      headers["x-project-id"] = options.project ?? "project-a";
    }
    if (options.roles !== undefined) {
      headers["x-roles"] = options.roles;
    }
    if (options.user !== undefined) {
      headers["x-user-id"] = options.user;
    }
    let payload: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === "string" || Buffer.isBuffer(options.body)) {
        payload = options.body;
      } else {
        payload = JSON.stringify(options.body);
        headers["content-type"] = "application/json";
      }
    }
    Object.assign(headers, options.headers ?? {});
    const response = await service.app.inject({
      method: options.method,
      url: options.url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      raw: response.rawPayload,
      json: () => JSON.parse(response.body) as Record<string, unknown>,
    };
  }

  return {
    service,
    database,
    masterKey,
    call,
    async close() {
      await service.close();
      await database.drop();
      rmSync(dataFolder, { recursive: true, force: true });
    },
  };
}

/** Returns the id at the end of a secret_ref. */
export function idOf(ref: unknown): string {
  return String(ref).split("/").pop() ?? "";
}

/** Creates a secret and returns its id; fails the test unless the server responds 201. */
export async function createSecret(
  km: TestKeyManager,
  body: Record<string, unknown>,
  options: Partial<CallOptions> = {},
): Promise<string> {
  const response = await km.call({ method: "POST", url: "/v1/secrets", body, ...options });
  if (response.status !== 201) {
    throw new Error(`secret creation returned ${response.status}: ${response.body}`);
  }
  return idOf(response.json().secret_ref);
}
