import { resolve } from "node:path";
import { type TSchema, Type } from "@sinclair/typebox";

/**
 * Folder for embedded data (SQLite files, key files, openrc): `$OSTS_DATA_DIR` or `./data`. An
 * empty or blank variable counts as unset, so it never puts the data in the working directory.
 */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.OSTS_DATA_DIR?.trim() ?? "";
  return resolve(configured === "" ? "data" : configured);
}

/** `listen`: the address and port a service binds. */
export function listenSchema(defaultPort: number) {
  return Type.Object(
    {
      host: Type.String({ default: "127.0.0.1", description: "address to bind" }),
      port: Type.Integer({
        default: defaultPort,
        minimum: 0,
        maximum: 65535,
        description: "TCP port; 0 picks a free one",
      }),
      public_url: Type.String({
        default: "",
        description:
          "URL clients use to reach the service (in links and the catalog); empty derives it from the request",
      }),
    },
    { default: {}, additionalProperties: false },
  );
}

/** `database`: where a service keeps its data. */
export function databaseSchema(service: string) {
  return Type.Object(
    {
      url: Type.String({
        default: `sqlite:${dataDirectory()}/${service}.sqlite`,
        description: "sqlite:PATH, postgres://user@host:5432/db or mysql://user@host:3306/db",
      }),
      pool_size: Type.Integer({
        default: 10,
        minimum: 1,
        description: "connections per process (PostgreSQL, MySQL)",
      }),
    },
    { default: {}, additionalProperties: false },
  );
}

/** `auth`: how callers are authenticated. */
export const authSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal("keystone"), Type.Literal("noauth")], {
      default: "keystone",
      description: "keystone validates X-Auth-Token; noauth trusts X-Project-Id and X-Roles",
    }),
    auth_url: Type.String({
      default: "http://127.0.0.1:5000/v3",
      description: "identity endpoint that validates tokens",
    }),
    username: Type.String({ default: "", description: "service user that validates tokens" }),
    password: Type.String({ default: "" }),
    project_name: Type.String({ default: "service" }),
    user_domain_name: Type.String({ default: "Default" }),
    project_domain_name: Type.String({ default: "Default" }),
    cache_seconds: Type.Integer({
      default: 300,
      minimum: 0,
      description: "seconds a validated token is cached",
    }),
    cache_size: Type.Integer({
      default: 10000,
      minimum: 0,
      description: "validated tokens kept in memory",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** `bus`: the message bus. */
export const busSchema = Type.Object(
  {
    url: Type.String({
      default: "",
      description: "empty for in-process, or amqp://user:password@host:5672/",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** `log`: logging. */
export const logSchema = Type.Object(
  {
    level: Type.Union(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) =>
        Type.Literal(level),
      ),
      { default: "info" },
    ),
  },
  { default: {}, additionalProperties: false },
);

/** `policy`: the oslo.policy-style overrides file. */
export const policySchema = Type.Object(
  {
    file: Type.String({ default: "", description: "YAML or JSON file of rule overrides" }),
  },
  { default: {}, additionalProperties: false },
);

/** Makes a top-level service schema that rejects unknown settings. */
export function serviceSchema<T extends Record<string, TSchema>>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}
