import { newId } from "../common/ids.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { ProjectService } from "../projects/project-service.js";
import type { UserRepo } from "./user-repo.js";
import type { User, UserFilter } from "./user-types.js";

export interface NewUser {
  name: string;
  domainId: string;
  password?: string | null | undefined;
  enabled?: boolean | undefined;
  defaultProjectId?: string | null | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}

export interface UserUpdate {
  name?: string | undefined;
  password?: string | null | undefined;
  enabled?: boolean | undefined;
  defaultProjectId?: string | null | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}

export interface UserServiceDependencies {
  repo: UserRepo;
  domains: Pick<DomainService, "get">;
  projects: Pick<ProjectService, "get">;
  hasher: PasswordHasher;
  /** Invalidates every token of a user, after a password change or when it is disabled. */
  revokeUserTokens(userId: string): Promise<void>;
}

/** Rules for users: unique names within a domain, hashed passwords, token revocation. */
export function createUserService(dependencies: UserServiceDependencies) {
  const { repo, domains, projects, hasher, revokeUserTokens } = dependencies;

  async function get(id: string): Promise<User> {
    const user = await repo.get(id);
    if (user === undefined) {
      throw identityError("USER_NOT_FOUND", { id });
    }
    return user;
  }

  async function checkDefaultProject(projectId: string | null | undefined) {
    if (projectId === null || projectId === undefined) {
      return;
    }
    const project = await projects.get(projectId).catch(() => undefined);
    if (project === undefined) {
      throw invalidRequest(`Default project ${projectId} does not exist.`);
    }
  }

  function duplicate(name: string, domainId: string) {
    return identityError("DUPLICATE", { what: `User named ${name} in domain ${domainId}` });
  }

  return {
    get,
    find: (id: string) => repo.get(id),
    findByName: (domainId: string, name: string) => repo.getByName(domainId, name),
    list: (filter: UserFilter) => repo.list(filter),

    async create(input: NewUser, id = newId()): Promise<User> {
      await domains.get(input.domainId);
      await checkDefaultProject(input.defaultProjectId);
      if ((await repo.getByName(input.domainId, input.name)) !== undefined) {
        throw duplicate(input.name, input.domainId);
      }
      const password = input.password ?? null;
      const user: User = {
        id,
        name: input.name,
        domainId: input.domainId,
        enabled: input.enabled ?? true,
        defaultProjectId: input.defaultProjectId ?? null,
        description: input.description ?? null,
        extra: input.extra ?? {},
        passwordHash: password === null ? null : await hasher.hash(password),
      };
      try {
        await repo.insert(user);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(user.name, user.domainId) : error;
      }
      return user;
    },

    async update(id: string, update: UserUpdate): Promise<User> {
      const current = await get(id);
      if (update.name !== undefined && update.name !== current.name) {
        if ((await repo.getByName(current.domainId, update.name)) !== undefined) {
          throw duplicate(update.name, current.domainId);
        }
      }
      await checkDefaultProject(update.defaultProjectId);
      const passwordHash =
        update.password === undefined
          ? undefined
          : update.password === null
            ? null
            : await hasher.hash(update.password);
      try {
        await repo.update(id, {
          name: update.name,
          enabled: update.enabled,
          defaultProjectId: update.defaultProjectId,
          description: update.description,
          extra: update.extra === undefined ? undefined : { ...current.extra, ...update.extra },
          passwordHash,
        });
      } catch (error) {
        // A concurrent request took the name after the check above.
        throw isUniqueViolation(error) ? duplicate(update.name ?? "", current.domainId) : error;
      }
      if (update.password !== undefined || update.enabled === false) {
        await revokeUserTokens(id);
      }
      return get(id);
    },

    /**
     * Changes a user's own password after checking the current one. A wrong current password is
     * a 401, as for any failed authentication.
     */
    async changePassword(id: string, originalPassword: string, password: string): Promise<void> {
      const user = await repo.get(id);
      const matches = await hasher.verify(originalPassword, user?.passwordHash ?? null);
      if (user === undefined || !matches || !user.enabled) {
        throw identityError("UNAUTHORIZED");
      }
      await repo.update(id, { passwordHash: await hasher.hash(password) });
      await revokeUserTokens(id);
    },

    async delete(id: string): Promise<void> {
      await get(id);
      if (!(await repo.delete(id))) {
        // A concurrent request deleted it after the check above.
        throw identityError("USER_NOT_FOUND", { id });
      }
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
