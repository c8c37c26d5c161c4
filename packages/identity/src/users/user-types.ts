/** A Keystone user; the password is only ever held as a hash. */
export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  description: string | null;
  /** Attributes the API does not define (such as `email`), kept and returned as given. */
  extra: Record<string, unknown>;
  passwordHash: string | null;
}

export interface UserFilter {
  name?: string | undefined;
  domainId?: string | undefined;
  enabled?: boolean | undefined;
}

export interface UserChanges {
  name?: string | undefined;
  enabled?: boolean | undefined;
  defaultProjectId?: string | null | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
  passwordHash?: string | null | undefined;
}
