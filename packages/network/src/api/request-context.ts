import { type AuthContext, policyCredentials } from "@openstack-ts/kernel";

/**
 * The caller of one request, like Neutron's request context. It contains the project, whether the
 * caller is an admin or an advanced-service user, and the credentials the policy engine evaluates.
 */
export interface RequestContext {
  projectId: string | null;
  userId: string | null;
  isAdmin: boolean;
  isAdvsvc: boolean;
  requestId: string;
  credentials: Record<string, unknown>;
}

/** Decides admin and advsvc from the policy rules `context_is_admin` and `context_is_advsvc`. */
export interface RoleChecker {
  isAdmin(credentials: Record<string, unknown>): boolean;
  isAdvsvc(credentials: Record<string, unknown>): boolean;
}

export function buildRequestContext(
  auth: AuthContext,
  requestId: string,
  roles: RoleChecker,
): RequestContext {
  const credentials = { ...policyCredentials(auth), tenant_id: auth.projectId };
  return {
    projectId: auth.projectId,
    userId: auth.userId,
    isAdmin: roles.isAdmin(credentials),
    isAdvsvc: roles.isAdvsvc(credentials),
    requestId,
    credentials,
  };
}

/** Returns a context with full rights, for work the service does on its own behalf (start-up tasks). */
export function adminContext(projectId: string | null = null): RequestContext {
  return {
    projectId,
    userId: null,
    isAdmin: true,
    isAdvsvc: false,
    requestId: "internal",
    credentials: { roles: ["admin"], project_id: projectId, tenant_id: projectId },
  };
}
