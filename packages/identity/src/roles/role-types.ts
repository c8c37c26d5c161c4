/** A role: a name that policy rules check. */
export interface Role {
  id: string;
  name: string;
  /** Owning domain of a domain-specific role; null for a global role. */
  domainId: string | null;
  description: string | null;
  /** Attributes the API does not define, kept and returned as given. */
  extra: Record<string, unknown>;
}

export interface RoleFilter {
  name?: string | undefined;
  /** A domain id lists that domain's roles; undefined lists the global roles. */
  domainId?: string | undefined;
}

export interface RoleChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** A rule that having `priorRoleId` also grants `impliedRoleId`. */
export interface RoleInference {
  priorRoleId: string;
  impliedRoleId: string;
}
