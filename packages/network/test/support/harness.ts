import { createLogger, MemoryBus, type MessageBus, type SqlDialect } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { createNetworkService, loadNetworkConfig } from "../../src/index.js";

/** A project and its headers for no-auth requests. */
export interface Caller {
  project: string;
  roles?: string;
}

export const ADMIN: Caller = { project: "admin-project", roles: "admin" };
export const ALICE: Caller = { project: "alice-project", roles: "member" };
export const BOB: Caller = { project: "bob-project", roles: "member" };

/** A response: status, parsed body (or undefined) and headers. */
export interface ApiResponse {
  status: number;
  body: Record<string, unknown> & {
    NeutronError?: { type: string; message: string; detail: string };
  };
  headers: Headers;
}

/** A running network service on a fresh database, reached over real HTTP. */
export interface NetworkHarness {
  url: string;
  dialect: SqlDialect;
  databaseUrl: string;
  bus: MessageBus;
  call(
    caller: Caller,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Starts the service in no-auth mode on port 0 with a new database of the dialect. */
export async function startNetwork(
  dialect: SqlDialect,
  overrides: Record<string, unknown> = {},
  options: { bus?: MessageBus; database?: TestDatabase } = {},
): Promise<NetworkHarness> {
  const database = options.database ?? (await createTestDatabase(dialect));
  const bus = options.bus ?? new MemoryBus();
  const config = loadNetworkConfig({
    env: {},
    overrides: {
      "listen.port": 0,
      "database.url": database.url,
      "auth.mode": "noauth",
      ...overrides,
    },
  });
  const service = await createNetworkService(config, {
    logger: createLogger({ level: process.env.OSTS_TEST_LOG_LEVEL ?? "silent" }),
    bus,
  });
  const url = await service.listen();
  return {
    url,
    dialect,
    databaseUrl: database.url,
    bus,
    call: (caller, method, path, body, headers) =>
      callApi(url, caller, method, path, body, headers),
    async close() {
      await service.close();
      if (options.database === undefined) {
        await database.drop();
      }
    },
  };
}

/** Sends one request with no-auth identity headers and parses the JSON response. */
export async function callApi(
  url: string,
  caller: Caller,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  let payload: string | undefined;
  if (typeof body === "string") {
    payload = body;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      "x-project-id": caller.project,
      "x-user-id": `${caller.project}-user`,
      "x-roles": caller.roles ?? "member",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: payload,
  });
  const text = await response.text();
  let parsed: ApiResponse["body"] = {};
  if (text !== "") {
    try {
      parsed = JSON.parse(text) as ApiResponse["body"];
    } catch {
      parsed = { text } as ApiResponse["body"];
    }
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
