import { randomBytes } from "node:crypto";
import { nowTimestamp } from "@openstack-ts/kernel";
import { newId } from "../common/ids.js";
import { keystoneTime } from "../common/time.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import { identityError, invalidRequest } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { ApplicationCredentialRepo } from "./application-credential-repo.js";
import type { AccessRule, ApplicationCredential } from "./application-credential-types.js";

export interface NewApplicationCredential {
  name: string;
  description?: string | null | undefined;
  secret?: string | null | undefined;
  /** Microsecond UTC text, or null for no expiry. */
  expiresAt?: string | null | undefined;
  unrestricted?: boolean | undefined;
  /** Roles to delegate, by id or name; all roles of the creating token when absent. */
  roles?: Array<{ id?: string | undefined; name?: string | undefined }> | undefined;
  accessRules?:
    | Array<{
        id?: string | undefined;
        service?: string | undefined;
        path?: string | undefined;
        method?: string | undefined;
      }>
    | undefined;
}

/** The project-scoped token a credential is created with: it fixes the project and the roles. */
export interface CreatingToken {
  projectId: string;
  roles: Array<{ id: string; name: string }>;
}

export interface ApplicationCredentialServiceDependencies {
  repo: ApplicationCredentialRepo;
  hasher: PasswordHasher;
  /** Invalidates every token issued from a credential once it is deleted. */
  revokeTokens(credentialId: string): Promise<void>;
  /** Finds a global role by name, which tells an unknown role from one the token lacks. */
  findRoleByName(name: string): Promise<unknown>;
}

/** Application credentials: creation from a project-scoped token, secrets, access rules. */
export function createApplicationCredentialService(
  dependencies: ApplicationCredentialServiceDependencies,
) {
  const { repo, hasher, revokeTokens, findRoleByName } = dependencies;

  async function get(userId: string, id: string): Promise<ApplicationCredential> {
    const credential = await repo.get(id);
    if (credential === undefined || credential.userId !== userId) {
      throw identityError("APPLICATION_CREDENTIAL_NOT_FOUND", { id });
    }
    return credential;
  }

  /**
   * Returns the roles a credential delegates, which must be roles of the creating token. As in
   * Keystone, a role name that names no role is a 404, and a role the token does not carry is a
   * 400, so a user cannot delegate more than it holds.
   */
  async function delegatedRoles(input: NewApplicationCredential, token: CreatingToken) {
    if (input.roles === undefined) {
      return token.roles;
    }
    const delegated: CreatingToken["roles"] = [];
    for (const reference of input.roles) {
      const held = token.roles.find(
        (role) =>
          role.id === reference.id || (reference.id === undefined && role.name === reference.name),
      );
      if (held !== undefined) {
        delegated.push(held);
        continue;
      }
      if (
        reference.id === undefined &&
        (await findRoleByName(reference.name ?? "")) === undefined
      ) {
        throw identityError("ROLE_NOT_FOUND", { id: reference.name ?? "" });
      }
      throw invalidRequest(
        `Role ${reference.id ?? reference.name} is not a role of the token that creates the ` +
          "application credential; delegate only roles the token carries.",
      );
    }
    return delegated;
  }

  async function resolveAccessRules(userId: string, input: NewApplicationCredential) {
    const existing = await repo.listAccessRules(userId);
    const linked: AccessRule[] = [];
    const created: AccessRule[] = [];
    for (const reference of input.accessRules ?? []) {
      if (reference.id !== undefined) {
        const rule = existing.find((candidate) => candidate.id === reference.id);
        if (rule === undefined) {
          throw identityError("ACCESS_RULE_NOT_FOUND", { id: reference.id });
        }
        linked.push(rule);
        continue;
      }
      const { service, path, method } = reference;
      if (service === undefined || path === undefined || method === undefined) {
        throw invalidRequest("An access rule needs an id, or service, path and method.");
      }
      const same = [...existing, ...created].find(
        (rule) => rule.service === service && rule.path === path && rule.method === method,
      );
      if (same !== undefined) {
        linked.push(same);
        continue;
      }
      const rule: AccessRule = { id: newId(), userId, service, path, method };
      created.push(rule);
      linked.push(rule);
    }
    return { linked, created };
  }

  return {
    get,

    list: (userId: string, name?: string) => repo.list({ userId, name }),

    /** Creates a credential; the returned secret is shown once and stored only as a hash. */
    async create(userId: string, input: NewApplicationCredential, token: CreatingToken) {
      const secret = input.secret ?? randomBytes(64).toString("base64url");
      const { linked, created } = await resolveAccessRules(userId, input);
      const credential: ApplicationCredential = {
        id: newId(),
        userId,
        projectId: token.projectId,
        name: input.name,
        description: input.description ?? null,
        secretHash: await hasher.hash(secret),
        expiresAt: input.expiresAt ?? null,
        unrestricted: input.unrestricted ?? false,
        roles: await delegatedRoles(input, token),
        accessRules: linked,
      };
      const duplicate = () =>
        identityError("DUPLICATE", { what: `Application credential named ${input.name}` });
      if ((await repo.list({ userId, name: input.name })).length > 0) {
        throw duplicate();
      }
      try {
        await repo.insert(credential, created);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate() : error;
      }
      return { credential, secret };
    },

    async delete(userId: string, id: string): Promise<void> {
      await get(userId, id);
      await repo.delete(id);
      await revokeTokens(id);
    },

    /**
     * Finds a credential by id, or by name and owner, and checks its secret and expiry. Returns
     * the credential, or the reason it cannot be used.
     */
    async authenticate(
      reference: {
        id?: string | undefined;
        name?: string | undefined;
        userId?: string | undefined;
      },
      secret: string,
    ): Promise<{ credential: ApplicationCredential } | { failure: string }> {
      let credential: ApplicationCredential | undefined;
      if (reference.id !== undefined) {
        credential = await repo.get(reference.id);
      } else if (reference.name !== undefined && reference.userId !== undefined) {
        credential = (await repo.list({ userId: reference.userId, name: reference.name }))[0];
      }
      const matches = await hasher.verify(secret, credential?.secretHash ?? null);
      if (credential === undefined) {
        return { failure: "application credential not found" };
      }
      if (!matches) {
        return { failure: "wrong application credential secret" };
      }
      if (credential.expiresAt !== null && credential.expiresAt <= keystoneTime(nowTimestamp())) {
        return { failure: "application credential expired" };
      }
      return { credential };
    },

    listAccessRules: (userId: string) => repo.listAccessRules(userId),

    async getAccessRule(userId: string, id: string): Promise<AccessRule> {
      const rule = await repo.getAccessRule(id);
      if (rule === undefined || rule.userId !== userId) {
        throw identityError("ACCESS_RULE_NOT_FOUND", { id });
      }
      return rule;
    },

    async deleteAccessRule(userId: string, id: string): Promise<void> {
      const rule = await repo.getAccessRule(id);
      if (rule === undefined || rule.userId !== userId) {
        throw identityError("ACCESS_RULE_NOT_FOUND", { id });
      }
      if (await repo.accessRuleInUse(id)) {
        throw identityError("ACCESS_RULE_IN_USE", { id });
      }
      await repo.deleteAccessRule(id);
    },
  };
}

export type ApplicationCredentialService = ReturnType<typeof createApplicationCredentialService>;
