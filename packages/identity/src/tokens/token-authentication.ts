import type { ApplicationCredentialService } from "../application-credentials/application-credential-service.js";
import type { DomainService } from "../domains/domain-service.js";
import { authPluginError, identityError, invalidRequest } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { UserService } from "../users/user-service.js";
import type { User } from "../users/user-types.js";
import { authenticationFailed, type FailureLog } from "./auth-failure.js";
import type { AuthenticatedIdentity, NamedReference, TokenRecord } from "./token-types.js";

/** The `identity` object of `POST /v3/auth/tokens`, after schema validation. */
export interface IdentityRequest {
  methods: string[];
  password?: { user: NamedReference & { password: string } } | undefined;
  token?: { id: string } | undefined;
  application_credential?:
    | {
        id?: string | undefined;
        name?: string | undefined;
        secret: string;
        user?: NamedReference | undefined;
      }
    | undefined;
}

export interface AuthenticationDependencies {
  users: Pick<UserService, "find" | "findByName">;
  domains: Pick<DomainService, "find" | "findByReference">;
  applicationCredentials: Pick<ApplicationCredentialService, "authenticate">;
  hasher: PasswordHasher;
  /** Looks up a valid token for the `token` method; null when it is invalid or expired. */
  findValidToken(token: string): Promise<TokenRecord | null>;
  log: FailureLog;
}

/** Authentication methods this service implements, listed in the 401 for any other method. */
export const SUPPORTED_METHODS = ["password", "token", "application_credential"];

/**
 * Runs the authentication methods of a request. Every method must succeed and name the same
 * user. Unknown users, wrong secrets and disabled users or domains are all the same 401.
 */
export function createAuthenticator(dependencies: AuthenticationDependencies) {
  const { users, domains, applicationCredentials, hasher, findValidToken, log } = dependencies;

  async function resolveUser(reference: NamedReference, where: string): Promise<User | undefined> {
    if (reference.id !== undefined) {
      return users.find(reference.id);
    }
    if (reference.name === undefined) {
      throw invalidRequest(`${where} needs an id, or a name and a domain.`);
    }
    if (
      reference.domain === undefined ||
      (reference.domain.id ?? reference.domain.name) === undefined
    ) {
      throw invalidRequest(`${where} is given by name, so it needs a domain (id or name).`);
    }
    const domain = await domains.findByReference(reference.domain);
    return domain === undefined ? undefined : users.findByName(domain.id, reference.name);
  }

  /** Throws a 401 unless the user exists, is enabled and its domain is enabled. */
  async function requireActiveUser(user: User | undefined): Promise<User> {
    if (user === undefined) {
      throw authenticationFailed(log, "user not found");
    }
    if (!user.enabled) {
      throw authenticationFailed(log, "user disabled", { user_id: user.id });
    }
    const domain = await domains.find(user.domainId);
    if (domain === undefined || !domain.enabled) {
      throw authenticationFailed(log, "domain of the user disabled", {
        user_id: user.id,
        domain_id: user.domainId,
      });
    }
    return user;
  }

  async function byPassword(request: IdentityRequest): Promise<AuthenticatedIdentity> {
    if (request.password === undefined) {
      throw invalidRequest('The "password" method is listed but "identity.password" is missing.');
    }
    const { password, ...reference } = request.password.user;
    const user = await resolveUser(reference, "identity.password.user");
    const matches = await hasher.verify(password, user?.passwordHash ?? null);
    if (user === undefined) {
      throw authenticationFailed(log, "user not found", {
        user_id: reference.id,
        user_name: reference.name,
        domain: reference.domain,
      });
    }
    if (!matches) {
      throw authenticationFailed(log, "wrong password", { user_id: user.id });
    }
    const active = await requireActiveUser(user);
    return { userId: active.id, methods: ["password"] };
  }

  async function byToken(request: IdentityRequest): Promise<AuthenticatedIdentity> {
    if (request.token === undefined) {
      throw invalidRequest('The "token" method is listed but "identity.token" is missing.');
    }
    const record = await findValidToken(request.token.id);
    if (record === null) {
      // Keystone answers 404 here (the token is looked up like a subject token), and tempest
      // checks for it.
      throw identityError("TOKEN_NOT_FOUND");
    }
    if (record.applicationCredentialId !== null) {
      throw identityError("FORBIDDEN", {
        action: "re-authentication with a token issued from an application credential",
      });
    }
    await requireActiveUser(await users.find(record.userId));
    return {
      userId: record.userId,
      methods: ["token", ...record.methods.filter((method) => method !== "token")],
      expiresAt: record.expiresAt,
      auditChainId: record.auditChainId,
    };
  }

  async function byApplicationCredential(request: IdentityRequest): Promise<AuthenticatedIdentity> {
    const requested = request.application_credential;
    if (requested === undefined) {
      throw invalidRequest(
        'The "application_credential" method is listed but "identity.application_credential" is missing.',
      );
    }
    let ownerId: string | undefined;
    if (requested.id === undefined) {
      if (requested.name === undefined || requested.user === undefined) {
        throw invalidRequest("An application credential needs an id, or a name and its user.");
      }
      ownerId = (await resolveUser(requested.user, "identity.application_credential.user"))?.id;
      if (ownerId === undefined) {
        throw authenticationFailed(log, "owner of the application credential not found", {
          application_credential_name: requested.name,
        });
      }
    }
    const result = await applicationCredentials.authenticate(
      { id: requested.id, name: requested.name, userId: ownerId },
      requested.secret,
    );
    if ("failure" in result) {
      throw authenticationFailed(log, result.failure, {
        application_credential_id: requested.id,
        application_credential_name: requested.name,
      });
    }
    const credential = result.credential;
    await requireActiveUser(await users.find(credential.userId));
    return {
      userId: credential.userId,
      methods: ["application_credential"],
      applicationCredential: {
        id: credential.id,
        projectId: credential.projectId,
        roleIds: credential.roles.map((role) => role.id),
        expiresAt: credential.expiresAt,
      },
    };
  }

  const methods: Record<string, (request: IdentityRequest) => Promise<AuthenticatedIdentity>> = {
    password: byPassword,
    token: byToken,
    application_credential: byApplicationCredential,
  };

  return {
    async authenticate(request: IdentityRequest): Promise<AuthenticatedIdentity> {
      const names = [...new Set(request.methods)];
      if (names.length === 0) {
        throw invalidRequest('"identity.methods" lists no authentication method.');
      }
      const unsupported = names.filter((name) => !SUPPORTED_METHODS.includes(name));
      if (unsupported.length > 0) {
        log.info({ methods: unsupported }, "unsupported authentication method");
        throw authPluginError("AUTH_METHOD_NOT_SUPPORTED", { methods: SUPPORTED_METHODS });
      }
      const results: AuthenticatedIdentity[] = [];
      for (const name of names) {
        results.push(
          await (methods[name] as (request: IdentityRequest) => Promise<AuthenticatedIdentity>)(
            request,
          ),
        );
      }
      const [first, ...rest] = results as [AuthenticatedIdentity, ...AuthenticatedIdentity[]];
      if (rest.some((result) => result.userId !== first.userId)) {
        throw authenticationFailed(log, "authentication methods name different users", {
          user_ids: results.map((result) => result.userId),
        });
      }
      const merged: AuthenticatedIdentity = Object.assign({}, ...results);
      merged.methods = [...new Set(results.flatMap((result) => result.methods))];
      return merged;
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
