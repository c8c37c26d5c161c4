/** A rule limiting which service API calls a token from an application credential may make. */
export interface AccessRule {
  id: string;
  userId: string;
  service: string;
  path: string;
  method: string;
}

/** A secret a user delegates to an application, bound to one project and a set of roles. */
export interface ApplicationCredential {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string | null;
  secretHash: string;
  /** Microsecond UTC text, or null for no expiry. */
  expiresAt: string | null;
  unrestricted: boolean;
  roles: Array<{ id: string; name: string }>;
  accessRules: AccessRule[];
}

export interface ApplicationCredentialFilter {
  userId: string;
  name?: string | undefined;
}
