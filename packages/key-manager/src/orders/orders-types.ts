/** Order types the API accepts; certificate orders no longer exist upstream. */
export const ORDER_TYPES = ["key", "asymmetric"] as const;

export type OrderType = (typeof ORDER_TYPES)[number];

/** PENDING until a worker fulfils the order, then ACTIVE or ERROR. */
export type OrderStatus = "PENDING" | "ACTIVE" | "ERROR";

/** A stored order. */
export interface OrderRecord {
  id: string;
  projectId: string;
  creatorId: string | null;
  type: OrderType;
  /** The request's `meta`, with `name` and `expiration` normalised as upstream stores them. */
  meta: Record<string, unknown>;
  status: OrderStatus;
  errorStatusCode: string | null;
  errorReason: string | null;
  subStatus: string | null;
  subStatusMessage: string | null;
  secretId: string | null;
  containerId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The key or key pair an order requests, read from its meta. */
export interface GenerationSpec {
  name: string | null;
  algorithm: string;
  bitLength: number;
  mode: string | null;
  /** ISO-8601 UTC, whole seconds, or null. */
  expiration: string | null;
  /** Content type of a generated symmetric key. */
  contentType: string;
  /** Passphrase that encrypts a generated private key, if any. */
  passphrase: string | null;
}

/** The task a queue carries for one order. */
export interface OrderTask {
  order_id: string;
}

/** Name of the work queue that carries order tasks. */
export const ORDER_QUEUE = "key-manager.orders";
