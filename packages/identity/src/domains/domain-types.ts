/** Id and name of the domain every deployment has; users created without a domain land in it. */
export const DEFAULT_DOMAIN_ID = "default";
export const DEFAULT_DOMAIN_NAME = "Default";

/** A Keystone domain: a namespace of projects, users and domain-specific roles. */
export interface Domain {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  /** Attributes the API does not define, kept and returned as given. */
  extra: Record<string, unknown>;
}

export interface DomainFilter {
  name?: string | undefined;
  enabled?: boolean | undefined;
}

export interface DomainChanges {
  name?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
  extra?: Record<string, unknown> | undefined;
}
