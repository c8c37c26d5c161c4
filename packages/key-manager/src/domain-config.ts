import { Type } from "@sinclair/typebox";

const quotaValue = (resource: string) =>
  Type.Integer({
    default: -1,
    description: `default quota of ${resource} per project: -1 unlimited, 0 none allowed`,
  });

const quotasSchema = Type.Object(
  {
    quota_secrets: quotaValue("secrets"),
    quota_orders: quotaValue("orders"),
    quota_containers: quotaValue("containers"),
    quota_consumers: quotaValue("consumers"),
    quota_cas: quotaValue("certificate authorities"),
  },
  { default: {}, additionalProperties: false },
);

const storeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255, description: "name the API shows" }),
    plugin: Type.Union([Type.Literal("software"), Type.Literal("pkcs11")], {
      description: "software (keys wrapped by the master key file) or pkcs11 (keys in an HSM)",
    }),
    global_default: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

const secretStoresSchema = Type.Object(
  {
    enable_multiple: Type.Boolean({
      default: false,
      description:
        "serve /v1/secret-stores and honour per-project preferred stores; false answers 404 there",
    }),
    stores: Type.Array(storeSchema, {
      default: [{ name: "software", plugin: "software", global_default: true }],
      minItems: 1,
      description:
        "configured stores, each plugin at most once; new secrets go to the project's preferred store, else the global default",
    }),
  },
  { default: {}, additionalProperties: false },
);

const pkcs11Schema = Type.Object(
  {
    library_path: Type.String({
      default: "/usr/lib/softhsm/libsofthsm2.so",
      description: "PKCS#11 module of the HSM",
    }),
    token_label: Type.String({
      default: "",
      description: "label of the token to use; empty uses slot_id",
    }),
    slot_id: Type.Integer({
      default: 0,
      minimum: 0,
      description: "slot used when token_label is empty",
    }),
    pin: Type.String({ default: "", description: "user PIN of the token" }),
    mkek_label: Type.String({
      default: "openstack-ts-mkek",
      description: "label of the AES master key that wraps project keys inside the HSM",
    }),
    hmac_label: Type.String({
      default: "openstack-ts-hmac",
      description: "label of the HMAC key that signs wrapped project keys",
    }),
    key_cache_seconds: Type.Integer({
      default: 900,
      minimum: 0,
      description: "seconds an unwrapped project key stays in the HSM session",
    }),
  },
  { default: {}, additionalProperties: false },
);

const workersSchema = Type.Object(
  {
    in_process: Type.Union([Type.Literal("auto"), Type.Literal("always"), Type.Literal("never")], {
      default: "auto",
      description:
        "run order workers inside the API process: auto does so on the in-process message bus only",
    }),
    concurrency: Type.Integer({
      default: 2,
      minimum: 1,
      description: "orders one process works on at once",
    }),
    retry_delay_seconds: Type.Integer({
      default: 10,
      minimum: 1,
      description: "seconds before a failed order is tried again; doubles with each failure",
    }),
    max_attempts: Type.Integer({
      default: 5,
      minimum: 1,
      description: "failed attempts after which an order becomes ERROR",
    }),
    scheduler_interval_seconds: Type.Integer({
      default: 10,
      minimum: 1,
      description: "seconds between two scans of the retry scheduler",
    }),
    pending_timeout_seconds: Type.Integer({
      default: 60,
      minimum: 1,
      description: "seconds a PENDING order may wait before the retry scheduler queues it again",
    }),
    listen_host: Type.String({ default: "127.0.0.1", description: "health endpoint address" }),
    listen_port: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 65535,
      description: "health endpoint port of a worker process; 0 picks a free one",
    }),
  },
  { default: {}, additionalProperties: false },
);

const keystoneNotificationsSchema = Type.Object(
  {
    enable: Type.Boolean({
      default: true,
      description:
        "delete a project's key manager resources when identity publishes identity.project.deleted",
    }),
    queue: Type.String({
      default: "key-manager.keystone-notifications",
      description: "durable queue shared by every listener, so each event is handled once",
    }),
  },
  { default: {}, additionalProperties: false },
);

/**
 * Configuration of containers, orders and workers, quotas, secret stores and the key manager's
 * reaction to identity events; the key manager's schema includes these sections.
 */
export const domainConfigSchemas = {
  quotas: quotasSchema,
  secret_stores: secretStoresSchema,
  pkcs11: pkcs11Schema,
  workers: workersSchema,
  keystone_notifications: keystoneNotificationsSchema,
};
