import type { Kysely } from "kysely";
import { createApplicationCredentialRepo } from "./application-credentials/application-credential-repo.js";
import { createApplicationCredentialService } from "./application-credentials/application-credential-service.js";
import { createAssignmentRepo } from "./assignments/assignment-repo.js";
import { createAssignmentService } from "./assignments/assignment-service.js";
import { createCatalog } from "./catalog/catalog-service.js";
import type { IdentityConfig } from "./config.js";
import type { CredentialCipher } from "./credentials/credential-cipher.js";
import { createEc2CredentialRepo } from "./credentials/ec2-credential-repo.js";
import { createEc2CredentialService } from "./credentials/ec2-credential-service.js";
import type { IdentitySchema } from "./db/schema.js";
import { createDomainRepo } from "./domains/domain-repo.js";
import { createDomainService } from "./domains/domain-service.js";
import { createGroupRepo } from "./groups/group-repo.js";
import { createGroupService } from "./groups/group-service.js";
import { createPasswordHasher } from "./passwords/password-hasher.js";
import { createProjectRepo } from "./projects/project-repo.js";
import { createProjectService } from "./projects/project-service.js";
import { createRoleRepo } from "./roles/role-repo.js";
import { createRoleService } from "./roles/role-service.js";
import type { FailureLog } from "./tokens/auth-failure.js";
import { createAuthenticator } from "./tokens/token-authentication.js";
import { createTokenContextRepo } from "./tokens/token-context-repo.js";
import { createTokenRepo } from "./tokens/token-repo.js";
import { createScopeResolver } from "./tokens/token-scope.js";
import { createTokenService, findUsableToken } from "./tokens/token-service.js";
import { createUserRepo } from "./users/user-repo.js";
import { createUserService } from "./users/user-service.js";

export interface ComponentOptions {
  db: Kysely<IdentitySchema>;
  config: Pick<IdentityConfig, "token" | "password" | "catalog" | "listen">;
  cipher: CredentialCipher;
  /** Id of the project whose tokens are marked `is_admin_project`; known after bootstrap. */
  adminProjectId(): string | null;
  /** Receives one line for each failed authentication, with the reason. */
  log: FailureLog;
}

/** Builds every repository and service of the identity service over one database. */
export function createIdentityComponents(options: ComponentOptions) {
  const { db, config, cipher } = options;
  const hasher = createPasswordHasher(config.password.scrypt_cost);
  const catalog = createCatalog(config.catalog, config.listen);
  const tokenRepo = createTokenRepo(db);

  const domains = createDomainService(createDomainRepo(db));
  const projects = createProjectService(createProjectRepo(db), domains);
  const users = createUserService({
    repo: createUserRepo(db),
    domains,
    projects,
    hasher,
    revokeUserTokens: (userId) => tokenRepo.revokeByUser(userId),
  });
  const roles = createRoleService(createRoleRepo(db), domains);
  const groups = createGroupService(createGroupRepo(db), domains, users);
  const assignments = createAssignmentService({
    repo: createAssignmentRepo(db),
    users,
    groups,
    projects,
    domains,
    roles,
  });
  const applicationCredentials = createApplicationCredentialService({
    repo: createApplicationCredentialRepo(db),
    hasher,
    revokeTokens: (credentialId) => tokenRepo.revokeByApplicationCredential(credentialId),
    findRoleByName: (name) => roles.findByName(name),
  });
  const ec2Credentials = createEc2CredentialService(
    createEc2CredentialRepo(db, cipher),
    users,
    projects,
  );

  const authenticator = createAuthenticator({
    users,
    domains,
    applicationCredentials,
    hasher,
    findValidToken: (token) => findUsableToken(tokenRepo, token, false),
    log: options.log,
  });
  const scopes = createScopeResolver({ users, domains, projects, assignments, log: options.log });
  const tokens = createTokenService({
    repo: tokenRepo,
    authenticator,
    scopes,
    context: createTokenContextRepo(db),
    domains,
    applicationCredentials,
    catalog,
    expirationSeconds: config.token.expiration_seconds,
    adminProjectId: options.adminProjectId,
  });

  return {
    hasher,
    catalog,
    domains,
    projects,
    users,
    groups,
    roles,
    assignments,
    applicationCredentials,
    ec2Credentials,
    tokens,
  };
}

export type IdentityComponents = ReturnType<typeof createIdentityComponents>;
