/** The caller of a request, as established by token validation or by no-auth headers. */
export interface AuthContext {
  userId: string | null;
  userName: string | null;
  userDomainId: string | null;
  /** Project of a project-scoped token. */
  projectId: string | null;
  projectName: string | null;
  projectDomainId: string | null;
  /** Domain of a domain-scoped token. */
  domainId: string | null;
  /** True for a system-scoped token (`"system": {"all": true}`). */
  systemScope: boolean;
  /** Role names, lower-cased, with implied roles already expanded. */
  roles: string[];
  isAdminProject: boolean;
  expiresAt: Date | null;
  /** Set when the request was authenticated by a token (not by no-auth headers). */
  authenticated: boolean;
}

export function emptyAuthContext(): AuthContext {
  return {
    userId: null,
    userName: null,
    userDomainId: null,
    projectId: null,
    projectName: null,
    projectDomainId: null,
    domainId: null,
    systemScope: false,
    roles: [],
    isAdminProject: false,
    expiresAt: null,
    authenticated: false,
  };
}

/** Turns an AuthContext into the credentials dictionary the policy engine evaluates. */
export function policyCredentials(auth: AuthContext): Record<string, unknown> {
  return {
    user_id: auth.userId,
    user_name: auth.userName,
    user_domain_id: auth.userDomainId,
    project_id: auth.projectId,
    project_name: auth.projectName,
    project_domain_id: auth.projectDomainId,
    domain_id: auth.domainId,
    system_scope: auth.systemScope ? "all" : null,
    roles: auth.roles,
    is_admin_project: auth.isAdminProject,
  };
}

/** Validates a token and returns its caller, or null when the token is invalid or expired. */
export interface TokenValidator {
  validate(token: string): Promise<AuthContext | null>;
}

/**
 * Builds an AuthContext from the `token` object of a Keystone v3 token body
 * (`{"token": {"user": ..., "project": ..., "roles": [...], "expires_at": ...}}`).
 */
export function authContextFromKeystoneToken(token: KeystoneTokenBody): AuthContext {
  const context = emptyAuthContext();
  context.authenticated = true;
  context.userId = token.user?.id ?? null;
  context.userName = token.user?.name ?? null;
  context.userDomainId = token.user?.domain?.id ?? null;
  context.projectId = token.project?.id ?? null;
  context.projectName = token.project?.name ?? null;
  context.projectDomainId = token.project?.domain?.id ?? null;
  context.domainId = token.domain?.id ?? null;
  context.systemScope = token.system?.all === true;
  context.roles = (token.roles ?? []).map((role) => role.name.toLowerCase());
  context.isAdminProject = token.is_admin_project ?? false;
  context.expiresAt = token.expires_at === undefined ? null : new Date(token.expires_at);
  return context;
}

/** The parts of a Keystone v3 token body that services read. */
export interface KeystoneTokenBody {
  user?: { id: string; name?: string; domain?: { id: string; name?: string } };
  project?: { id: string; name?: string; domain?: { id: string; name?: string } };
  domain?: { id: string; name?: string };
  system?: { all?: boolean };
  roles?: { id?: string; name: string }[];
  is_admin_project?: boolean;
  expires_at?: string;
  issued_at?: string;
  catalog?: unknown[];
}
