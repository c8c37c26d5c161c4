/** `container` consumers (name, URL) and `secret` consumers (service, resource type, resource id). */
export type ConsumerKind = "container" | "secret";

/** A stored consumer; `fields` follow the kind's order. */
export interface ConsumerRecord {
  id: string;
  /** The container or secret it consumes. */
  parentId: string;
  /** Project of the caller who registered it. */
  projectId: string;
  fields: string[];
  status: string;
  createdAt: string;
  updatedAt: string;
}
