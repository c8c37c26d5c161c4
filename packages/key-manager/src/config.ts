import {
  authSchema,
  busSchema,
  databaseSchema,
  dataDirectory,
  listenSchema,
  loadConfig,
  logSchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import { type Static, Type } from "@sinclair/typebox";
import { domainConfigSchemas } from "./domain-config.js";

/** Port the key manager listens on by default, as upstream Barbican does. */
export const KEY_MANAGER_PORT = 9311;

const policySchema = Type.Object(
  {
    file: Type.String({ default: "", description: "YAML or JSON file of rule overrides" }),
    enforce_new_defaults: Type.Boolean({
      default: false,
      description:
        "true applies only the reader/member/admin rules; false applies only the legacy admin/creator/observer/audit rules",
    }),
    enforce_scope: Type.Boolean({
      default: false,
      description:
        "true denies an action to a token whose scope (project or system) the action does not accept",
    }),
  },
  { default: {}, additionalProperties: false },
);

const limitsSchema = Type.Object(
  {
    max_allowed_request_size_in_bytes: Type.Integer({
      default: 25000,
      minimum: 1,
      description: "JSON request bodies larger than this are rejected as malformed",
    }),
    max_allowed_secret_in_bytes: Type.Integer({
      default: 20000,
      minimum: 1,
      description: "payloads larger than this are rejected with 413",
    }),
    default_limit_paging: Type.Integer({ default: 10, minimum: 1 }),
    max_limit_paging: Type.Integer({ default: 100, minimum: 1 }),
  },
  { default: {}, additionalProperties: false },
);

const cryptoSchema = Type.Object(
  {
    master_key: Type.String({
      default: "",
      description:
        "base64 of a 32-byte master key-encryption key; empty reads master_key_file instead",
    }),
    master_key_version: Type.Integer({
      default: 1,
      minimum: 1,
      description: "version recorded with every project key wrapped by master_key",
    }),
    master_key_file: Type.String({
      default: "",
      description:
        "JSON key file with every master key version; empty means key-manager.master-keys.json in the data folder, generated with mode 0600 on first start",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** Schema of the `key_manager` configuration section. */
export const keyManagerConfigSchema = serviceSchema({
  listen: listenSchema(KEY_MANAGER_PORT),
  database: databaseSchema("key-manager"),
  auth: authSchema,
  bus: busSchema,
  log: logSchema,
  policy: policySchema,
  host_href: Type.String({
    default: "",
    description:
      "base URL in secret_ref and other links; empty uses listen.public_url, then the request's Host header",
  }),
  limits: limitsSchema,
  crypto: cryptoSchema,
  ...domainConfigSchemas,
});

export type KeyManagerConfig = Static<typeof keyManagerConfigSchema>;

/** Loads the `key_manager` section from the file, `OSTS_KEY_MANAGER__*` variables and overrides. */
export function loadKeyManagerConfig(options: ServiceConfigOptions = {}): KeyManagerConfig {
  return loadConfig(keyManagerConfigSchema, {
    section: "key_manager",
    file: options.file,
    env: options.env ?? process.env,
    overrides: options.overrides ?? {},
  });
}

/** Returns the master key file in use: the configured one, or the default in the data folder. */
export function masterKeyFile(config: KeyManagerConfig, env = process.env): string {
  if (config.crypto.master_key_file !== "") {
    return config.crypto.master_key_file;
  }
  return `${dataDirectory(env)}/key-manager.master-keys.json`;
}
