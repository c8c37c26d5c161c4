import { join } from "node:path";
import {
  databaseSchema,
  dataDirectory,
  listenSchema,
  loadConfig,
  logSchema,
  policySchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import { type Static, Type } from "@sinclair/typebox";

/** Port Keystone listens on upstream. */
export const IDENTITY_DEFAULT_PORT = 5000;

/** Configuration section of the identity service. */
export const IDENTITY_SECTION = "identity";

const tokenSchema = Type.Object(
  {
    expiration_seconds: Type.Integer({
      default: 3600,
      minimum: 60,
      description: "seconds a token stays valid after it is issued",
    }),
    cleanup_interval_seconds: Type.Integer({
      default: 600,
      minimum: 0,
      description: "seconds between deletions of expired tokens; 0 turns the cleanup off",
    }),
  },
  { default: {}, additionalProperties: false },
);

const passwordSchema = Type.Object(
  {
    scrypt_cost: Type.Integer({
      default: 32768,
      minimum: 1024,
      maximum: 1048576,
      description: "scrypt CPU/memory cost N for new password hashes (a power of two)",
    }),
  },
  { default: {}, additionalProperties: false },
);

const catalogSchema = Type.Object(
  {
    region: Type.String({ default: "RegionOne", minLength: 1, description: "catalog region" }),
    identity_url: Type.String({
      default: "",
      description:
        "identity endpoint in the catalog; empty uses listen.public_url or the bound address, with /v3",
    }),
    key_manager_url: Type.String({
      default: "http://127.0.0.1:9311",
      description: "key-manager (barbican) endpoint; empty leaves it out of the catalog",
    }),
    network_url: Type.String({
      default: "http://127.0.0.1:9696",
      description: "network (neutron) endpoint; empty leaves it out of the catalog",
    }),
    rca_url: Type.String({
      default: "http://127.0.0.1:8999",
      description: "rca (vitrage) endpoint; empty leaves it out of the catalog",
    }),
  },
  { default: {}, additionalProperties: false },
);

const bootstrapSchema = Type.Object(
  {
    admin_username: Type.String({ default: "admin", minLength: 1 }),
    admin_password: Type.String({
      default: "",
      description: "admin password; empty uses the one generated into password_file",
    }),
    admin_project_name: Type.String({ default: "admin", minLength: 1 }),
    service_username: Type.String({
      default: "service",
      minLength: 1,
      description: "user other services authenticate as to validate tokens",
    }),
    service_password: Type.String({
      default: "",
      description: "service user password; empty uses the one generated into password_file",
    }),
    service_project_name: Type.String({ default: "service", minLength: 1 }),
    password_file: Type.String({
      default: join(dataDirectory(), "identity-passwords.json"),
      description: "file (mode 0600) that keeps the generated admin and service passwords",
    }),
  },
  { default: {}, additionalProperties: false },
);

const credentialSchema = Type.Object(
  {
    key_file: Type.String({
      default: join(dataDirectory(), "identity-credential.key"),
      description:
        "AES-256 key (mode 0600, created when missing) that encrypts EC2 secrets at rest",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** Schema of the `identity` configuration section. */
export const identityConfigSchema = serviceSchema({
  listen: listenSchema(IDENTITY_DEFAULT_PORT),
  database: databaseSchema("identity"),
  log: logSchema,
  policy: policySchema,
  token: tokenSchema,
  password: passwordSchema,
  catalog: catalogSchema,
  bootstrap: bootstrapSchema,
  credential: credentialSchema,
});

/** The identity service's configuration, with defaults applied. */
export type IdentityConfig = Static<typeof identityConfigSchema>;

/** Loads the `identity` section from the configuration file, the environment and overrides. */
export function loadIdentityConfig(options: ServiceConfigOptions = {}): IdentityConfig {
  return loadConfig(identityConfigSchema, { section: IDENTITY_SECTION, ...options });
}
