/**
 * Tables of the domains built on secrets: containers, consumers, ACLs, orders, quotas, secret
 * stores, transport keys and HSM-wrapped project keys. Timestamps are fixed-width ISO-8601 UTC
 * text, and booleans are read back with `toBoolean`.
 */
export interface DomainTables {
  km_containers: ContainerTable;
  km_container_secrets: ContainerSecretTable;
  km_container_consumers: ContainerConsumerTable;
  km_secret_consumers: SecretConsumerTable;
  km_acls: AclTable;
  km_acl_users: AclUserTable;
  km_orders: OrderTable;
  km_order_retry_tasks: OrderRetryTaskTable;
  km_project_quotas: ProjectQuotaTable;
  km_secret_stores: SecretStoreTable;
  km_project_secret_stores: ProjectSecretStoreTable;
  km_transport_keys: TransportKeyTable;
  km_hsm_project_keys: HsmProjectKeyTable;
}

/** A container of secrets; deleted containers stay as rows with `deleted` set. */
export interface ContainerTable {
  id: string;
  project_id: string;
  creator_id: string | null;
  name: string | null;
  /** `generic`, `rsa` or `certificate`; asymmetric orders may also write `dsa`. */
  type: string;
  status: string;
  created_at: string;
  updated_at: string;
  deleted: boolean | number;
  deleted_at: string | null;
}

/** One named secret reference of a container. */
export interface ContainerSecretTable {
  id: string;
  container_id: string;
  secret_id: string;
  name: string | null;
  created_at: string;
}

/** A registered user of a container (legacy consumers: a name and a URL). */
export interface ContainerConsumerTable {
  id: string;
  container_id: string;
  project_id: string;
  name: string;
  url: string;
  /** SHA-256 of name and URL, unique per container, so a registration is idempotent. */
  data_hash: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** A registered user of a secret (microversion 1.1 consumers). */
export interface SecretConsumerTable {
  id: string;
  secret_id: string;
  project_id: string;
  service: string;
  resource_type: string;
  resource_id: string;
  /** SHA-256 of service, resource type and resource id, unique per secret. */
  data_hash: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** The ACL of one operation on a secret or a container. */
export interface AclTable {
  id: string;
  /** `secret` or `container`. */
  entity_kind: string;
  entity_id: string;
  /** Only `read` is writable through the API. */
  operation: string;
  project_access: boolean | number;
  created_at: string;
  updated_at: string;
}

/** A user named in an ACL. */
export interface AclUserTable {
  acl_id: string;
  user_id: string;
  created_at: string;
}

/** An order for a generated key or key pair, fulfilled by a worker. */
export interface OrderTable {
  id: string;
  project_id: string;
  creator_id: string | null;
  /** `key` or `asymmetric`. */
  type: string;
  /** The request's `meta` object as JSON text. */
  meta: string;
  /** PENDING, ACTIVE or ERROR. */
  status: string;
  error_status_code: string | null;
  error_reason: string | null;
  sub_status: string | null;
  sub_status_message: string | null;
  secret_id: string | null;
  container_id: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean | number;
  deleted_at: string | null;
}

/** A failed order attempt that the retry scheduler queues again at `retry_at`. */
export interface OrderRetryTaskTable {
  id: string;
  order_id: string;
  retry_at: string;
  retry_count: number;
  created_at: string;
}

/** Quotas set for one project; NULL means the configured default. */
export interface ProjectQuotaTable {
  project_id: string;
  secrets: number | null;
  orders: number | null;
  containers: number | null;
  consumers: number | null;
  cas: number | null;
  created_at: string;
  updated_at: string;
}

/** A configured secret store, synced from the configuration at start. */
export interface SecretStoreTable {
  id: string;
  /** Configuration name of the store, unique. */
  name: string;
  store_plugin: string;
  crypto_plugin: string | null;
  global_default: boolean | number;
  status: string;
  created_at: string;
  updated_at: string;
}

/** The preferred secret store of a project. */
export interface ProjectSecretStoreTable {
  project_id: string;
  secret_store_id: string;
  created_at: string;
  updated_at: string;
}

/** A transport key registered by an administrator. */
export interface TransportKeyTable {
  id: string;
  plugin_name: string;
  transport_key: string;
  status: string;
  created_at: string;
  updated_at: string;
  deleted: boolean | number;
  deleted_at: string | null;
}

/** A per-project key of the PKCS#11 store, wrapped by the master key inside the HSM. */
export interface HsmProjectKeyTable {
  id: string;
  project_id: string;
  version: number;
  /** Label of the HSM master key that wrapped `wrapped_key`. */
  mkek_label: string;
  /** IV followed by the AES key-wrap output (CKM_AES_CBC_PAD of the raw key). */
  wrapped_key: Buffer;
  /** HMAC-SHA256 of the wrapped key under the HSM's HMAC key, checked before unwrapping. */
  hmac: Buffer;
  active: boolean | number;
  created_at: string;
}
