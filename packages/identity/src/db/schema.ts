/**
 * Tables of the identity service. Every name starts with `identity_`, so the service can share a
 * database with the other services. Booleans come back as 0/1 from SQLite; repositories read them
 * with `toBoolean()`. JSON columns hold text.
 */
export interface IdentitySchema {
  identity_domains: DomainRow;
  identity_projects: ProjectRow;
  identity_users: UserRow;
  identity_groups: GroupRow;
  identity_group_members: GroupMemberRow;
  identity_roles: RoleRow;
  identity_implied_roles: ImpliedRoleRow;
  identity_role_assignments: RoleAssignmentRow;
  identity_tokens: TokenRow;
  identity_ec2_credentials: Ec2CredentialRow;
  identity_application_credentials: ApplicationCredentialRow;
  identity_access_rules: AccessRuleRow;
  identity_application_credential_access_rules: ApplicationCredentialAccessRuleRow;
}

type SqlBoolean = boolean | number;

export interface DomainRow {
  id: string;
  name: string;
  description: string;
  enabled: SqlBoolean;
  /** JSON object of attributes the API does not define, returned as they were given. */
  extra: string;
  created_at: string;
}

export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: SqlBoolean;
  parent_id: string | null;
  /** JSON array of strings. */
  tags: string;
  extra: string;
  created_at: string;
}

export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: SqlBoolean;
  default_project_id: string | null;
  description: string | null;
  extra: string;
  /** `scrypt$...` hash, or null for a user that cannot authenticate with a password. */
  password_hash: string | null;
  password_created_at: string | null;
  created_at: string;
}

export interface GroupRow {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  extra: string;
  created_at: string;
}

export interface GroupMemberRow {
  group_id: string;
  user_id: string;
}

export interface RoleRow {
  id: string;
  name: string;
  /** Owning domain of a domain-specific role; the empty string for a global role. */
  domain_id: string;
  description: string | null;
  extra: string;
  created_at: string;
}

export interface ImpliedRoleRow {
  prior_role_id: string;
  implied_role_id: string;
}

/** A role granted to an actor (a user or a group) on a target (a project, a domain or the system). */
export interface RoleAssignmentRow {
  actor_type: "user" | "group";
  actor_id: string;
  target_type: "project" | "domain" | "system";
  /** Project or domain id, or `all` for the system. */
  target_id: string;
  role_id: string;
}

export interface TokenRow {
  /** SHA-256 of the token, hex; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  /** JSON array of authentication method names. */
  methods: string;
  scope_type: "unscoped" | "project" | "domain" | "system";
  /** Project or domain id, `all` for the system, or the empty string when unscoped. */
  scope_id: string;
  audit_id: string;
  /** Audit id of the first token of a chain of token-method re-authentications. */
  audit_chain_id: string;
  application_credential_id: string | null;
  issued_at: string;
  expires_at: string;
  revoked: SqlBoolean;
}

export interface Ec2CredentialRow {
  access: string;
  user_id: string;
  project_id: string;
  /** The secret, encrypted with the credential key (see credentials/credential-cipher.ts). */
  secret_encrypted: string;
  created_at: string;
}

export interface ApplicationCredentialRow {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  description: string | null;
  secret_hash: string;
  /** Microsecond UTC text (`2026-01-31T12:00:00.123456Z`), or null for no expiry. */
  expires_at: string | null;
  unrestricted: SqlBoolean;
  /** JSON array of `{id, name}` of the roles the credential delegates. */
  roles: string;
  created_at: string;
}

export interface AccessRuleRow {
  id: string;
  user_id: string;
  service: string;
  path: string;
  method: string;
}

export interface ApplicationCredentialAccessRuleRow {
  application_credential_id: string;
  access_rule_id: string;
}
