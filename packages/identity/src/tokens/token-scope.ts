import type { AssignmentService } from "../assignments/assignment-service.js";
import { SYSTEM_TARGET } from "../assignments/assignment-types.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import type { ProjectService } from "../projects/project-service.js";
import type { Project } from "../projects/project-types.js";
import type { UserService } from "../users/user-service.js";
import { authenticationFailed, type FailureLog } from "./auth-failure.js";
import type { AuthenticatedIdentity, NamedReference, TokenScope } from "./token-types.js";

/** The `scope` of `POST /v3/auth/tokens`, after schema validation. */
export type ScopeRequest =
  | "unscoped"
  | {
      project?: NamedReference | undefined;
      domain?: { id?: string | undefined; name?: string | undefined } | undefined;
      system?: { all?: boolean | undefined } | undefined;
      "OS-TRUST:trust"?: unknown;
    };

export interface ScopeDependencies {
  users: Pick<UserService, "find">;
  domains: Pick<DomainService, "find" | "findByReference">;
  projects: Pick<ProjectService, "find" | "findByName">;
  assignments: Pick<AssignmentService, "effectiveRoles">;
  log: FailureLog;
}

/**
 * Decides the scope of a new token. A requested scope must name the system, or an enabled
 * project or domain, on which the user has a role, and anything else is a 401. Without a
 * requested scope, the token is scoped to the user's default project when the user may use it,
 * and is unscoped otherwise.
 */
export function createScopeResolver(dependencies: ScopeDependencies) {
  const { users, domains, projects, assignments, log } = dependencies;

  async function findProject(reference: NamedReference): Promise<Project | undefined> {
    if (reference.id !== undefined) {
      return projects.find(reference.id);
    }
    if (reference.name === undefined) {
      throw invalidRequest('"scope.project" needs an id, or a name and a domain.');
    }
    if (
      reference.domain === undefined ||
      (reference.domain.id ?? reference.domain.name) === undefined
    ) {
      throw invalidRequest('"scope.project" is given by name, so it needs a domain (id or name).');
    }
    const domain = await domains.findByReference(reference.domain);
    return domain === undefined ? undefined : projects.findByName(domain.id, reference.name);
  }

  /**
   * Returns why the user cannot scope a token to the project, or null when the project and its
   * domain are enabled and the user has a role on it.
   */
  async function projectProblem(userId: string, project: Project | undefined) {
    if (project === undefined) {
      return "project not found";
    }
    if (!project.enabled) {
      return "project disabled";
    }
    const domain = await domains.find(project.domainId);
    if (domain === undefined || !domain.enabled) {
      return "domain of the project disabled";
    }
    const roles = await assignments.effectiveRoles(userId, { type: "project", id: project.id });
    return roles.length === 0 ? "no role on the project" : null;
  }

  async function projectScope(userId: string, reference: NamedReference): Promise<TokenScope> {
    const project = await findProject(reference);
    const problem = await projectProblem(userId, project);
    if (project === undefined || problem !== null) {
      throw authenticationFailed(log, problem ?? "project not found", {
        user_id: userId,
        project_id: project?.id ?? reference.id,
        project_name: reference.name,
      });
    }
    return { type: "project", id: project.id };
  }

  async function domainScope(
    userId: string,
    reference: { id?: string | undefined; name?: string | undefined },
  ): Promise<TokenScope> {
    if ((reference.id ?? reference.name) === undefined) {
      throw invalidRequest('"scope.domain" needs an id or a name.');
    }
    const domain = await domains.findByReference(reference);
    if (domain === undefined || !domain.enabled) {
      throw authenticationFailed(log, "domain not found or disabled", {
        user_id: userId,
        domain: reference,
      });
    }
    const roles = await assignments.effectiveRoles(userId, { type: "domain", id: domain.id });
    if (roles.length === 0) {
      throw authenticationFailed(log, "no role on the domain", {
        user_id: userId,
        domain_id: domain.id,
      });
    }
    return { type: "domain", id: domain.id };
  }

  async function systemScope(userId: string, system: { all?: boolean | undefined }) {
    if (system.all !== true) {
      throw invalidRequest('"scope.system" must be {"all": true}.');
    }
    const roles = await assignments.effectiveRoles(userId, SYSTEM_TARGET);
    if (roles.length === 0) {
      throw authenticationFailed(log, "no role on the system", { user_id: userId });
    }
    return { type: "system" } as const;
  }

  async function defaultScope(userId: string): Promise<TokenScope> {
    const user = await users.find(userId);
    const projectId = user?.defaultProjectId ?? null;
    if (projectId === null) {
      return { type: "unscoped" };
    }
    const project = await projects.find(projectId);
    if ((await projectProblem(userId, project)) !== null) {
      return { type: "unscoped" };
    }
    return { type: "project", id: projectId };
  }

  /** Scopes the token to the credential's project; the token service rejects a requested scope. */
  async function applicationCredentialScope(identity: AuthenticatedIdentity): Promise<TokenScope> {
    const credential = identity.applicationCredential;
    if (credential === undefined) {
      throw new Error("applicationCredentialScope called without an application credential");
    }
    return projectScope(identity.userId, { id: credential.projectId });
  }

  return {
    async resolve(
      identity: AuthenticatedIdentity,
      requested: ScopeRequest | undefined,
    ): Promise<TokenScope> {
      if (identity.applicationCredential !== undefined) {
        return applicationCredentialScope(identity);
      }
      if (requested === "unscoped") {
        return { type: "unscoped" };
      }
      if (requested === undefined) {
        return defaultScope(identity.userId);
      }
      // Keystone rejects an empty scope object as well as one naming two scopes.
      if (Object.keys(requested).length !== 1) {
        throw invalidRequest('"scope" must name exactly one of project, domain and system.');
      }
      if (requested["OS-TRUST:trust"] !== undefined) {
        throw identityError("FORBIDDEN", { action: "trust-scoped authentication (not supported)" });
      }
      if (requested.project !== undefined) {
        return projectScope(identity.userId, requested.project);
      }
      if (requested.domain !== undefined) {
        return domainScope(identity.userId, requested.domain);
      }
      if (requested.system !== undefined) {
        return systemScope(identity.userId, requested.system);
      }
      throw invalidRequest('"scope" must name exactly one of project, domain and system.');
    },
  };
}

export type ScopeResolver = ReturnType<typeof createScopeResolver>;
