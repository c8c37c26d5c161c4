import { createHash, randomBytes } from "node:crypto";
import { nowTimestamp, toTimestamp } from "@openstack-ts/kernel";
import type { ApplicationCredentialService } from "../application-credentials/application-credential-service.js";
import type { ApplicationCredential } from "../application-credentials/application-credential-types.js";
import { SYSTEM_TARGET } from "../assignments/assignment-types.js";
import type { Catalog } from "../catalog/catalog-service.js";
import { newAuditId } from "../common/ids.js";
import { keystoneTime } from "../common/time.js";
import type { DomainService } from "../domains/domain-service.js";
import { authPluginError, identityError } from "../errors.js";
import { expandRoleIds } from "../roles/role-expansion.js";
import type { Authenticator, IdentityRequest } from "./token-authentication.js";
import type { HeldRole, NamedRole, TokenContextRepo } from "./token-context-repo.js";
import type { TokenRepo } from "./token-repo.js";
import type { ScopeRequest, ScopeResolver } from "./token-scope.js";
import type { AuthenticatedIdentity, TokenBody, TokenRecord, TokenScope } from "./token-types.js";

/** How long after expiry `?allow_expired=1` still validates a token, as Keystone's default. */
const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;

export interface TokenServiceDependencies {
  repo: TokenRepo;
  authenticator: Authenticator;
  scopes: ScopeResolver;
  /** Joined reads of users, projects and roles for validation. */
  context: TokenContextRepo;
  domains: Pick<DomainService, "find">;
  applicationCredentials: Pick<ApplicationCredentialService, "get">;
  catalog: Pick<Catalog, "render">;
  expirationSeconds: number;
  /** Id of the project whose tokens carry `is_admin_project: true` (the bootstrap admin project). */
  adminProjectId(): string | null;
}

export interface ValidateOptions {
  /** Leaves the catalog out of the body (`?nocatalog`, and in-process validation). */
  catalog?: boolean;
  /** Accepts a token up to 48 hours past its expiry (`?allow_expired=1`). */
  allowExpired?: boolean;
}

/** A validated token: its record and the body Keystone would return for it. */
export interface ValidatedToken {
  record: TokenRecord;
  body: TokenBody;
}

/** Hashes a token for storage and lookup: SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Returns the stored record of a token that is neither revoked nor expired (nor, with
 * `allowExpired`, expired for more than 48 hours), or null.
 */
export async function findUsableToken(
  repo: Pick<TokenRepo, "get">,
  token: string,
  allowExpired: boolean,
): Promise<TokenRecord | null> {
  const record = await repo.get(hashToken(token));
  if (record === undefined || record.revoked) {
    return null;
  }
  const expiresAt = Date.parse(record.expiresAt);
  const limit = allowExpired ? expiresAt + ALLOW_EXPIRED_WINDOW_MS : expiresAt;
  return limit > Date.now() ? record : null;
}

/**
 * Issues, validates and revokes tokens. Tokens are 32 random bytes (base64url); only their hash
 * is stored. Roles, user and project state are read at every validation, so disabling a user or
 * removing a role takes effect on the next request.
 */
export function createTokenService(dependencies: TokenServiceDependencies) {
  const { repo, context, authenticator, scopes, expirationSeconds } = dependencies;

  const findUsableRecord = (token: string, allowExpired: boolean) =>
    findUsableToken(repo, token, allowExpired);

  /**
   * Returns the roles the token carries: the user's roles on the scope, implied roles included,
   * limited to the delegated roles for a token from an application credential. Null means none,
   * which makes a scoped token invalid.
   */
  async function rolesOf(
    record: TokenRecord,
    credential: ApplicationCredential | undefined,
  ): Promise<NamedRole[] | null> {
    const target = targetOf(record.scope);
    if (target === null) {
      return [];
    }
    const direct = await context.directRoles(record.userId, target.type, target.id);
    if (direct.length === 0) {
      return null;
    }

    const inferences = await context.inferences();
    const known = new Map(direct.map((role) => [role.id, role]));
    for (const rule of inferences) {
      known.set(rule.impliedRoleId, rule.implied);
    }
    let effective = expandRoleIds(
      direct.map((role) => role.id),
      inferences,
    );
    if (credential !== undefined) {
      const delegated = expandRoleIds(
        credential.roles.map((role) => role.id),
        inferences,
      );
      effective = new Set([...effective].filter((id) => delegated.has(id)));
    }

    // Domain-specific roles stand for the roles they imply and never appear in a token.
    const roles = [...effective]
      .map((id) => known.get(id))
      .filter((role): role is HeldRole => role !== undefined && !role.domainSpecific)
      .map((role) => ({ id: role.id, name: role.name }));
    roles.sort((left, right) => left.name.localeCompare(right.name));
    return roles.length === 0 ? null : roles;
  }

  async function credentialOf(record: TokenRecord) {
    if (record.applicationCredentialId === null) {
      return { credential: undefined, valid: true };
    }
    const credential = await dependencies.applicationCredentials
      .get(record.userId, record.applicationCredentialId)
      .catch(() => undefined);
    return { credential, valid: credential !== undefined };
  }

  /** Builds the token body, or returns null when the user, scope or roles no longer allow it. */
  async function describe(record: TokenRecord, includeCatalog: boolean): Promise<TokenBody | null> {
    const user = await context.user(record.userId);
    if (user === undefined || !user.enabled || !user.domain.enabled) {
      return null;
    }
    const { credential, valid } = await credentialOf(record);
    if (!valid) {
      return null;
    }
    const body: TokenBody = {
      methods: record.methods,
      user: {
        id: user.id,
        name: user.name,
        domain: { id: user.domain.id, name: user.domain.name },
        password_expires_at: null,
      },
      audit_ids:
        record.auditChainId === record.auditId
          ? [record.auditId]
          : [record.auditId, record.auditChainId],
      expires_at: keystoneTime(record.expiresAt),
      issued_at: keystoneTime(record.issuedAt),
    };
    if (!(await addScope(body, record.scope))) {
      return null;
    }
    if (record.scope.type !== "unscoped") {
      const roles = await rolesOf(record, credential);
      if (roles === null) {
        return null;
      }
      body.roles = roles;
      if (includeCatalog) {
        body.catalog = [...dependencies.catalog.render()];
      }
    }
    if (credential !== undefined) {
      body.application_credential = {
        id: credential.id,
        name: credential.name,
        restricted: !credential.unrestricted,
      };
    }
    return body;
  }

  /** Adds the project, domain or system of the scope; returns false when it is gone or disabled. */
  async function addScope(body: TokenBody, scope: TokenScope): Promise<boolean> {
    if (scope.type === "project") {
      const project = await context.project(scope.id);
      if (project === undefined || !project.enabled || !project.domain.enabled) {
        return false;
      }
      body.project = {
        id: project.id,
        name: project.name,
        domain: { id: project.domain.id, name: project.domain.name },
      };
      body.is_domain = false;
      body.is_admin_project = project.id === dependencies.adminProjectId();
      return true;
    }
    if (scope.type === "domain") {
      const domain = await dependencies.domains.find(scope.id);
      if (domain === undefined || !domain.enabled) {
        return false;
      }
      body.domain = { id: domain.id, name: domain.name };
      return true;
    }
    if (scope.type === "system") {
      body.system = { all: true };
    }
    return true;
  }

  function expiryOf(identity: AuthenticatedIdentity, issuedAt: Date): string {
    let expires = new Date(issuedAt.getTime() + expirationSeconds * 1000);
    if (identity.expiresAt !== undefined) {
      expires = new Date(Math.min(expires.getTime(), Date.parse(identity.expiresAt)));
    }
    const credentialExpiry = identity.applicationCredential?.expiresAt ?? null;
    if (credentialExpiry !== null) {
      expires = new Date(Math.min(expires.getTime(), Date.parse(credentialExpiry)));
    }
    return toTimestamp(expires);
  }

  return {
    /**
     * Authenticates a `POST /v3/auth/tokens` request and issues a token. Returns the token, to
     * send in `X-Subject-Token`, and its body.
     */
    async issue(request: { identity: IdentityRequest; scope?: ScopeRequest | undefined }) {
      if (
        request.identity.methods.includes("application_credential") &&
        request.scope !== undefined
      ) {
        // Keystone checks this before it runs any method, so even a wrong secret gets this 401.
        throw authPluginError(
          "APPLICATION_CREDENTIAL_AUTH_FAILED",
          {},
          { detail: "Application credentials cannot request a scope." },
        );
      }
      const identity = await authenticator.authenticate(request.identity);
      const scope = await scopes.resolve(identity, request.scope);
      const token = randomBytes(32).toString("base64url");
      const issuedAt = new Date();
      const auditId = newAuditId();
      const record: TokenRecord = {
        hash: hashToken(token),
        userId: identity.userId,
        methods: identity.methods,
        scope,
        auditId,
        auditChainId: identity.auditChainId ?? auditId,
        applicationCredentialId: identity.applicationCredential?.id ?? null,
        issuedAt: toTimestamp(issuedAt),
        expiresAt: expiryOf(identity, issuedAt),
        revoked: false,
      };
      await repo.insert(record);
      const body = await describe(record, true);
      if (body === null) {
        // The user or the scope changed between the checks above and now.
        await repo.revoke(record.hash);
        throw identityError("UNAUTHORIZED");
      }
      return { token, body };
    },

    /** Returns the token's record and body, or null when it is unknown, revoked or expired. */
    async validate(token: string, options: ValidateOptions = {}): Promise<ValidatedToken | null> {
      const record = await findUsableRecord(token, options.allowExpired === true);
      if (record === null) {
        return null;
      }
      const body = await describe(record, options.catalog !== false);
      return body === null ? null : { record, body };
    },

    async revoke(token: string): Promise<boolean> {
      const record = await findUsableRecord(token, false);
      if (record === null) {
        return false;
      }
      await repo.revoke(record.hash);
      return true;
    },

    revokeUserTokens: (userId: string) => repo.revokeByUser(userId),

    revokeApplicationCredentialTokens: (credentialId: string) =>
      repo.revokeByApplicationCredential(credentialId),

    /** Deletes tokens past the `allow_expired` window; returns how many. */
    deleteExpired(): Promise<number> {
      const before = toTimestamp(new Date(Date.parse(nowTimestamp()) - ALLOW_EXPIRED_WINDOW_MS));
      return repo.deleteExpiredBefore(before);
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

function targetOf(scope: TokenScope) {
  switch (scope.type) {
    case "project":
      return { type: "project", id: scope.id } as const;
    case "domain":
      return { type: "domain", id: scope.id } as const;
    case "system":
      return SYSTEM_TARGET;
    case "unscoped":
      return null;
  }
}
