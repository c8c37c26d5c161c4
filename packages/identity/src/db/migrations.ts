import { columnTypes, type SqlDialect } from "@openstack-ts/kernel";
import { type Kysely, type Migration, sql } from "kysely";

/** Width of every id column: UUIDs in hex, `default`, and the ids operators choose for domains. */
const ID = "varchar(64)";
const NAME = "varchar(255)";

/** Returns the identity service's migrations, one set written for every SQL dialect. */
export function identityMigrations(dialect: SqlDialect): Record<string, Migration> {
  const types = columnTypes(dialect);
  return {
    "0001_identity": {
      async up(db: Kysely<unknown>) {
        await createResourceTables(db, types);
        await createAssignmentTables(db);
        await createTokenTable(db, types);
        await createCredentialTables(db, types);
      },
    },
    "0002_groups": {
      async up(db: Kysely<unknown>) {
        await createGroupTables(db, types);
      },
    },
  };
}

type Types = ReturnType<typeof columnTypes>;

async function createResourceTables(db: Kysely<unknown>, types: Types) {
  await db.schema
    .createTable("identity_domains")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull().unique())
    .addColumn("description", sql.raw(types.text), (column) => column.notNull())
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("extra", sql.raw(types.json), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("identity_projects")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("domain_id", sql.raw(ID), (column) =>
      column.notNull().references("identity_domains.id"),
    )
    .addColumn("description", sql.raw(types.text), (column) => column.notNull())
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("parent_id", sql.raw(ID))
    .addColumn("tags", sql.raw(types.json), (column) => column.notNull())
    .addColumn("extra", sql.raw(types.json), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("identity_projects_domain_name", ["domain_id", "name"])
    .execute();

  await db.schema
    .createTable("identity_users")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("domain_id", sql.raw(ID), (column) =>
      column.notNull().references("identity_domains.id"),
    )
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("default_project_id", sql.raw(ID))
    .addColumn("description", sql.raw(types.text))
    .addColumn("extra", sql.raw(types.json), (column) => column.notNull())
    .addColumn("password_hash", sql.raw(types.text))
    .addColumn("password_created_at", sql.raw(types.timestamp))
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("identity_users_domain_name", ["domain_id", "name"])
    .execute();

  await db.schema
    .createTable("identity_roles")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("domain_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("description", sql.raw(types.text))
    .addColumn("extra", sql.raw(types.json), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("identity_roles_domain_name", ["domain_id", "name"])
    .execute();
}

async function createAssignmentTables(db: Kysely<unknown>) {
  await db.schema
    .createTable("identity_implied_roles")
    .addColumn("prior_role_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("implied_role_id", sql.raw(ID), (column) => column.notNull())
    .addPrimaryKeyConstraint("identity_implied_roles_pk", ["prior_role_id", "implied_role_id"])
    .execute();

  await db.schema
    .createTable("identity_role_assignments")
    .addColumn("actor_type", "varchar(16)", (column) => column.notNull())
    .addColumn("actor_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("target_type", "varchar(16)", (column) => column.notNull())
    .addColumn("target_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("role_id", sql.raw(ID), (column) => column.notNull())
    .addPrimaryKeyConstraint("identity_role_assignments_pk", [
      "actor_type",
      "actor_id",
      "target_type",
      "target_id",
      "role_id",
    ])
    .execute();
  await db.schema
    .createIndex("identity_role_assignments_target")
    .on("identity_role_assignments")
    .columns(["target_type", "target_id"])
    .execute();
  await db.schema
    .createIndex("identity_role_assignments_role")
    .on("identity_role_assignments")
    .column("role_id")
    .execute();
}

async function createTokenTable(db: Kysely<unknown>, types: Types) {
  await db.schema
    .createTable("identity_tokens")
    .addColumn("token_hash", "char(64)", (column) => column.primaryKey())
    .addColumn("user_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("methods", "varchar(255)", (column) => column.notNull())
    .addColumn("scope_type", "varchar(16)", (column) => column.notNull())
    .addColumn("scope_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("audit_id", "varchar(32)", (column) => column.notNull())
    .addColumn("audit_chain_id", "varchar(32)", (column) => column.notNull())
    .addColumn("application_credential_id", sql.raw(ID))
    .addColumn("issued_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("expires_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addColumn("revoked", "boolean", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("identity_tokens_user")
    .on("identity_tokens")
    .column("user_id")
    .execute();
  await db.schema
    .createIndex("identity_tokens_expires")
    .on("identity_tokens")
    .column("expires_at")
    .execute();
}

async function createCredentialTables(db: Kysely<unknown>, types: Types) {
  await db.schema
    .createTable("identity_ec2_credentials")
    .addColumn("access", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("user_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("project_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("secret_encrypted", sql.raw(types.text), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("identity_ec2_credentials_user")
    .on("identity_ec2_credentials")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("identity_application_credentials")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("user_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("project_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("description", sql.raw(types.text))
    .addColumn("secret_hash", sql.raw(types.text), (column) => column.notNull())
    .addColumn("expires_at", sql.raw(types.timestamp))
    .addColumn("unrestricted", "boolean", (column) => column.notNull())
    .addColumn("roles", sql.raw(types.json), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("identity_application_credentials_user_name", ["user_id", "name"])
    .execute();

  await db.schema
    .createTable("identity_access_rules")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("user_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("service", sql.raw(NAME), (column) => column.notNull())
    .addColumn("path", sql.raw(NAME), (column) => column.notNull())
    .addColumn("method", "varchar(16)", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("identity_access_rules_user")
    .on("identity_access_rules")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("identity_application_credential_access_rules")
    .addColumn("application_credential_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("access_rule_id", sql.raw(ID), (column) => column.notNull())
    .addPrimaryKeyConstraint("identity_application_credential_access_rules_pk", [
      "application_credential_id",
      "access_rule_id",
    ])
    .execute();
}

async function createGroupTables(db: Kysely<unknown>, types: Types) {
  await db.schema
    .createTable("identity_groups")
    .addColumn("id", sql.raw(ID), (column) => column.primaryKey())
    .addColumn("name", sql.raw(NAME), (column) => column.notNull())
    .addColumn("domain_id", sql.raw(ID), (column) =>
      column.notNull().references("identity_domains.id"),
    )
    .addColumn("description", sql.raw(types.text))
    .addColumn("extra", sql.raw(types.json), (column) => column.notNull())
    .addColumn("created_at", sql.raw(types.timestamp), (column) => column.notNull())
    .addUniqueConstraint("identity_groups_domain_name", ["domain_id", "name"])
    .execute();

  await db.schema
    .createTable("identity_group_members")
    .addColumn("group_id", sql.raw(ID), (column) => column.notNull())
    .addColumn("user_id", sql.raw(ID), (column) => column.notNull())
    .addPrimaryKeyConstraint("identity_group_members_pk", ["group_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("identity_group_members_user")
    .on("identity_group_members")
    .column("user_id")
    .execute();
}
