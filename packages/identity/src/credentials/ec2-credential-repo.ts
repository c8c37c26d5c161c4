import { nowTimestamp } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { writeWithReferences } from "../db/references.js";
import type { Ec2CredentialRow, IdentitySchema } from "../db/schema.js";
import type { CredentialCipher } from "./credential-cipher.js";
import type { Ec2Credential } from "./ec2-credential-types.js";

/** SQL access to EC2 credentials; secrets are encrypted before they are written. */
export function createEc2CredentialRepo(db: Kysely<IdentitySchema>, cipher: CredentialCipher) {
  function toCredential(row: Selectable<Ec2CredentialRow>): Ec2Credential {
    return {
      access: row.access,
      secret: cipher.decrypt(row.secret_encrypted),
      userId: row.user_id,
      projectId: row.project_id,
    };
  }

  return {
    async get(access: string): Promise<Ec2Credential | undefined> {
      const row = await db
        .selectFrom("identity_ec2_credentials")
        .selectAll()
        .where("access", "=", access)
        .executeTakeFirst();
      return row === undefined ? undefined : toCredential(row);
    },

    async listByUser(userId: string): Promise<Ec2Credential[]> {
      const rows = await db
        .selectFrom("identity_ec2_credentials")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("access")
        .execute();
      return rows.map(toCredential);
    },

    /** Inserts a credential; its user and project are checked in the same transaction. */
    async insert(credential: Ec2Credential): Promise<void> {
      const references = [
        { kind: "user", id: credential.userId },
        { kind: "project", id: credential.projectId },
      ] as const;
      await writeWithReferences(db, [...references], (trx) =>
        trx
          .insertInto("identity_ec2_credentials")
          .values({
            access: credential.access,
            user_id: credential.userId,
            project_id: credential.projectId,
            secret_encrypted: cipher.encrypt(credential.secret),
            created_at: nowTimestamp(),
          })
          .execute(),
      );
    },

    async delete(access: string): Promise<void> {
      await db.deleteFrom("identity_ec2_credentials").where("access", "=", access).execute();
    },
  };
}

export type Ec2CredentialRepo = ReturnType<typeof createEc2CredentialRepo>;
