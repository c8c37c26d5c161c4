import { nowTimestamp, toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonArray } from "../common/json-column.js";
import type { IdentitySchema, TokenRow } from "../db/schema.js";
import type { TokenRecord, TokenScope } from "./token-types.js";

/** SQL access to issued tokens, keyed by the SHA-256 of the token. */
export function createTokenRepo(db: Kysely<IdentitySchema>) {
  return {
    async get(hash: string): Promise<TokenRecord | undefined> {
      const row = await db
        .selectFrom("identity_tokens")
        .selectAll()
        .where("token_hash", "=", hash)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async insert(record: TokenRecord): Promise<void> {
      await db
        .insertInto("identity_tokens")
        .values({
          token_hash: record.hash,
          user_id: record.userId,
          methods: JSON.stringify(record.methods),
          scope_type: record.scope.type,
          scope_id: scopeId(record.scope),
          audit_id: record.auditId,
          audit_chain_id: record.auditChainId,
          application_credential_id: record.applicationCredentialId,
          issued_at: record.issuedAt,
          expires_at: record.expiresAt,
          revoked: record.revoked,
        })
        .execute();
    },

    async revoke(hash: string): Promise<void> {
      await db
        .updateTable("identity_tokens")
        .set({ revoked: true })
        .where("token_hash", "=", hash)
        .execute();
    },

    async revokeByUser(userId: string): Promise<void> {
      await db
        .updateTable("identity_tokens")
        .set({ revoked: true })
        .where("user_id", "=", userId)
        .where("revoked", "=", false)
        .execute();
    },

    async revokeByApplicationCredential(credentialId: string): Promise<void> {
      await db
        .updateTable("identity_tokens")
        .set({ revoked: true })
        .where("application_credential_id", "=", credentialId)
        .execute();
    },

    /** Deletes tokens that expired before the given time; returns how many. */
    async deleteExpiredBefore(time: string = nowTimestamp()): Promise<number> {
      const result = await db
        .deleteFrom("identity_tokens")
        .where("expires_at", "<", time)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type TokenRepo = ReturnType<typeof createTokenRepo>;

function scopeId(scope: TokenScope): string {
  switch (scope.type) {
    case "project":
    case "domain":
      return scope.id;
    case "system":
      return "all";
    case "unscoped":
      return "";
  }
}

function toScope(type: TokenRow["scope_type"], id: string): TokenScope {
  switch (type) {
    case "project":
    case "domain":
      return { type, id };
    case "system":
      return { type: "system" };
    default:
      return { type: "unscoped" };
  }
}

function toRecord(row: Selectable<TokenRow>): TokenRecord {
  return {
    hash: row.token_hash,
    userId: row.user_id,
    methods: parseJsonArray<string>(row.methods),
    scope: toScope(row.scope_type, row.scope_id),
    auditId: row.audit_id,
    auditChainId: row.audit_chain_id,
    applicationCredentialId: row.application_credential_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revoked: toBoolean(row.revoked),
  };
}
