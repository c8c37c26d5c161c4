/** What a token is scoped to. */
export type TokenScope =
  | { type: "unscoped" }
  | { type: "project"; id: string }
  | { type: "domain"; id: string }
  | { type: "system" };

/** A stored token; the token string itself is never kept, only its SHA-256 hash. */
export interface TokenRecord {
  hash: string;
  userId: string;
  methods: string[];
  scope: TokenScope;
  auditId: string;
  auditChainId: string;
  applicationCredentialId: string | null;
  /** Stored ISO-8601 UTC text with milliseconds. */
  issuedAt: string;
  expiresAt: string;
  revoked: boolean;
}

/** Reference to a named resource in a domain, as authentication requests give it. */
export interface NamedReference {
  id?: string | undefined;
  name?: string | undefined;
  domain?: { id?: string | undefined; name?: string | undefined } | undefined;
}

/** The result of the authentication methods: who the caller is and what the new token inherits. */
export interface AuthenticatedIdentity {
  userId: string;
  methods: string[];
  /** Expiry inherited from the token given to the `token` method. */
  expiresAt?: string | undefined;
  /** Audit chain inherited from the token given to the `token` method. */
  auditChainId?: string | undefined;
  /** Set by the `application_credential` method, which also fixes the scope. */
  applicationCredential?:
    | { id: string; projectId: string; roleIds: string[]; expiresAt: string | null }
    | undefined;
}

/** Role as it appears in a token body. */
export interface TokenRole {
  id: string;
  name: string;
}

/** The `token` object of a Keystone v3 token response. */
export interface TokenBody {
  methods: string[];
  user: {
    id: string;
    name: string;
    domain: { id: string; name: string };
    password_expires_at: null;
  };
  audit_ids: string[];
  expires_at: string;
  issued_at: string;
  project?: { id: string; name: string; domain: { id: string; name: string } };
  is_domain?: boolean;
  is_admin_project?: boolean;
  domain?: { id: string; name: string };
  system?: { all: true };
  roles?: TokenRole[];
  catalog?: unknown[];
  application_credential?: { id: string; name: string; restricted: boolean };
}
