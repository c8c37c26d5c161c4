/** Entities that carry ACLs. */
export type AclEntityKind = "secret" | "container";

/** The stored read ACL of an entity. */
export interface ReadAcl {
  projectAccess: boolean;
  users: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * A change to the read ACL. `undefined` fields keep their stored value on PATCH; PUT fills them
 * with the defaults (project access on, no users) before saving.
 */
export interface ReadAclChange {
  projectAccess?: boolean;
  users?: string[];
}

/** What a read ACL means for one caller, as the policy target needs it. */
export interface AclDecisionView {
  readProjectAccess: boolean;
  callerInReadAcl: boolean;
}

/** The only ACL operation the API writes. */
export const READ_OPERATION = "read";
