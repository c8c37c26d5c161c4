import type { AuthContext } from "@openstack-ts/kernel";

/** The caller as the RCA API sees it. */
export interface TenantContext {
  projectId: string | null;
  userId: string | null;
  /**
   * Upstream Vitrage treats a caller as admin when its user name is `admin` (the request
   * context's is_admin); the admin role only matters to the `:all_tenants` policy rules.
   */
  isAdmin: boolean;
}

/** Builds the tenant context from the authenticated caller. */
export function tenantContext(auth: AuthContext): TenantContext {
  return {
    projectId: auth.projectId,
    userId: auth.userId,
    isAdmin: auth.userName === "admin",
  };
}
