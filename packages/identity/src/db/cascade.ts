import type { Kysely } from "kysely";
import type { IdentitySchema } from "./schema.js";

/**
 * Deletes what belongs to users about to be deleted: role assignments, group memberships,
 * tokens, EC2 credentials, application credentials and access rules. Run it in the transaction
 * that deletes the users.
 */
export async function deleteUserDependents(db: Kysely<IdentitySchema>, userIds: string[]) {
  if (userIds.length === 0) {
    return;
  }
  await db
    .deleteFrom("identity_role_assignments")
    .where("actor_type", "=", "user")
    .where("actor_id", "in", userIds)
    .execute();
  await db.deleteFrom("identity_group_members").where("user_id", "in", userIds).execute();
  await db.deleteFrom("identity_tokens").where("user_id", "in", userIds).execute();
  await db.deleteFrom("identity_ec2_credentials").where("user_id", "in", userIds).execute();
  const credentialIds = db
    .selectFrom("identity_application_credentials")
    .select("id")
    .where("user_id", "in", userIds);
  await db
    .deleteFrom("identity_application_credential_access_rules")
    .where("application_credential_id", "in", credentialIds)
    .execute();
  await db.deleteFrom("identity_application_credentials").where("user_id", "in", userIds).execute();
  await db.deleteFrom("identity_access_rules").where("user_id", "in", userIds).execute();
}

/**
 * Deletes what belongs to projects about to be deleted: role assignments on them, tokens scoped
 * to them, and the EC2 and application credentials that name them.
 */
export async function deleteProjectDependents(db: Kysely<IdentitySchema>, projectIds: string[]) {
  if (projectIds.length === 0) {
    return;
  }
  await db
    .deleteFrom("identity_role_assignments")
    .where("target_type", "=", "project")
    .where("target_id", "in", projectIds)
    .execute();
  await db
    .deleteFrom("identity_tokens")
    .where("scope_type", "=", "project")
    .where("scope_id", "in", projectIds)
    .execute();
  await db.deleteFrom("identity_ec2_credentials").where("project_id", "in", projectIds).execute();
  const credentialIds = db
    .selectFrom("identity_application_credentials")
    .select("id")
    .where("project_id", "in", projectIds);
  await db
    .deleteFrom("identity_application_credential_access_rules")
    .where("application_credential_id", "in", credentialIds)
    .execute();
  await db
    .deleteFrom("identity_application_credentials")
    .where("project_id", "in", projectIds)
    .execute();
  await db
    .updateTable("identity_users")
    .set({ default_project_id: null })
    .where("default_project_id", "in", projectIds)
    .execute();
}

/** Deletes the memberships and role assignments of groups about to be deleted. */
export async function deleteGroupDependents(db: Kysely<IdentitySchema>, groupIds: string[]) {
  if (groupIds.length === 0) {
    return;
  }
  await db.deleteFrom("identity_group_members").where("group_id", "in", groupIds).execute();
  await db
    .deleteFrom("identity_role_assignments")
    .where("actor_type", "=", "group")
    .where("actor_id", "in", groupIds)
    .execute();
}
