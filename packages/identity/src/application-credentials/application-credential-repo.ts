import { nowTimestamp, toBoolean } from "@openstack-ts/kernel";
import type { Kysely, Selectable } from "kysely";
import { parseJsonArray } from "../common/json-column.js";
import { type Reference, writeWithReferences } from "../db/references.js";
import type { AccessRuleRow, ApplicationCredentialRow, IdentitySchema } from "../db/schema.js";
import type {
  AccessRule,
  ApplicationCredential,
  ApplicationCredentialFilter,
} from "./application-credential-types.js";

/** SQL access to application credentials and the access rules they reference. */
export function createApplicationCredentialRepo(db: Kysely<IdentitySchema>) {
  async function accessRulesOf(credentialIds: string[]): Promise<Map<string, AccessRule[]>> {
    const byCredential = new Map<string, AccessRule[]>();
    if (credentialIds.length === 0) {
      return byCredential;
    }
    const rows = await db
      .selectFrom("identity_application_credential_access_rules as link")
      .innerJoin("identity_access_rules as rule", "rule.id", "link.access_rule_id")
      .selectAll("rule")
      .select("link.application_credential_id")
      .where("link.application_credential_id", "in", credentialIds)
      .orderBy("rule.id")
      .execute();
    for (const row of rows) {
      const list = byCredential.get(row.application_credential_id) ?? [];
      list.push(toAccessRule(row));
      byCredential.set(row.application_credential_id, list);
    }
    return byCredential;
  }

  async function withAccessRules(
    rows: Array<Selectable<ApplicationCredentialRow>>,
  ): Promise<ApplicationCredential[]> {
    const rules = await accessRulesOf(rows.map((row) => row.id));
    return rows.map((row) => toCredential(row, rules.get(row.id) ?? []));
  }

  return {
    async get(id: string): Promise<ApplicationCredential | undefined> {
      const row = await db
        .selectFrom("identity_application_credentials")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : (await withAccessRules([row]))[0];
    },

    async list(filter: ApplicationCredentialFilter): Promise<ApplicationCredential[]> {
      let query = db
        .selectFrom("identity_application_credentials")
        .selectAll()
        .where("user_id", "=", filter.userId)
        .orderBy("name");
      if (filter.name !== undefined) {
        query = query.where("name", "=", filter.name);
      }
      return withAccessRules(await query.execute());
    },

    /**
     * Inserts a credential, its new access rules and its links to existing ones, atomically,
     * after checking in the same transaction that its user and project still exist.
     */
    async insert(credential: ApplicationCredential, newRules: AccessRule[]): Promise<void> {
      const references: Reference[] = [
        { kind: "user", id: credential.userId },
        { kind: "project", id: credential.projectId },
      ];
      await writeWithReferences(db, references, async (trx) => {
        for (const rule of newRules) {
          await trx
            .insertInto("identity_access_rules")
            .values({
              id: rule.id,
              user_id: rule.userId,
              service: rule.service,
              path: rule.path,
              method: rule.method,
            })
            .execute();
        }
        await trx
          .insertInto("identity_application_credentials")
          .values({
            id: credential.id,
            user_id: credential.userId,
            project_id: credential.projectId,
            name: credential.name,
            description: credential.description,
            secret_hash: credential.secretHash,
            expires_at: credential.expiresAt,
            unrestricted: credential.unrestricted,
            roles: JSON.stringify(credential.roles),
            created_at: nowTimestamp(),
          })
          .execute();
        for (const rule of credential.accessRules) {
          await trx
            .insertInto("identity_application_credential_access_rules")
            .values({ application_credential_id: credential.id, access_rule_id: rule.id })
            .execute();
        }
      });
    },

    async delete(id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom("identity_application_credential_access_rules")
          .where("application_credential_id", "=", id)
          .execute();
        await trx.deleteFrom("identity_application_credentials").where("id", "=", id).execute();
      });
    },

    async listAccessRules(userId: string): Promise<AccessRule[]> {
      const rows = await db
        .selectFrom("identity_access_rules")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("id")
        .execute();
      return rows.map(toAccessRule);
    },

    async getAccessRule(id: string): Promise<AccessRule | undefined> {
      const row = await db
        .selectFrom("identity_access_rules")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toAccessRule(row);
    },

    async accessRuleInUse(id: string): Promise<boolean> {
      const row = await db
        .selectFrom("identity_application_credential_access_rules")
        .select("access_rule_id")
        .where("access_rule_id", "=", id)
        .executeTakeFirst();
      return row !== undefined;
    },

    async deleteAccessRule(id: string): Promise<void> {
      await db.deleteFrom("identity_access_rules").where("id", "=", id).execute();
    },
  };
}

export type ApplicationCredentialRepo = ReturnType<typeof createApplicationCredentialRepo>;

function toAccessRule(row: Selectable<AccessRuleRow>): AccessRule {
  return {
    id: row.id,
    userId: row.user_id,
    service: row.service,
    path: row.path,
    method: row.method,
  };
}

function toCredential(
  row: Selectable<ApplicationCredentialRow>,
  accessRules: AccessRule[],
): ApplicationCredential {
  return {
    id: row.id,
    userId: row.user_id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    secretHash: row.secret_hash,
    expiresAt: row.expires_at,
    unrestricted: toBoolean(row.unrestricted),
    roles: parseJsonArray<{ id: string; name: string }>(row.roles),
    accessRules,
  };
}
