import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely } from "kysely";
import type { IdentitySchema } from "../db/schema.js";
import type { RoleInference } from "../roles/role-types.js";

/** A named resource with the domain it belongs to, as a token body shows them. */
export interface ScopedEntity {
  id: string;
  name: string;
  enabled: boolean;
  domain: { id: string; name: string; enabled: boolean };
}

/** A role with its name, as a token body lists it. */
export interface NamedRole {
  id: string;
  name: string;
}

/** A role as validation reads it: domain-specific roles only contribute the roles they imply. */
export interface HeldRole extends NamedRole {
  domainSpecific: boolean;
}

/**
 * Read-only queries that validate a token in as few round trips as possible: every request to
 * every service validates a token, so this path joins what the resource repositories would
 * read one table at a time.
 */
export function createTokenContextRepo(db: Kysely<IdentitySchema>) {
  return {
    /** Returns the user with its domain. */
    async user(userId: string): Promise<ScopedEntity | undefined> {
      const row = await db
        .selectFrom("identity_users as user")
        .innerJoin("identity_domains as domain", "domain.id", "user.domain_id")
        .select([
          "user.id",
          "user.name",
          "user.enabled",
          "domain.id as domain_id",
          "domain.name as domain_name",
          "domain.enabled as domain_enabled",
        ])
        .where("user.id", "=", userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toEntity(row);
    },

    /** Returns the project with its domain. */
    async project(projectId: string): Promise<ScopedEntity | undefined> {
      const row = await db
        .selectFrom("identity_projects as project")
        .innerJoin("identity_domains as domain", "domain.id", "project.domain_id")
        .select([
          "project.id",
          "project.name",
          "project.enabled",
          "domain.id as domain_id",
          "domain.name as domain_name",
          "domain.enabled as domain_enabled",
        ])
        .where("project.id", "=", projectId)
        .executeTakeFirst();
      return row === undefined ? undefined : toEntity(row);
    },

    /**
     * Returns the roles granted on a target to the user or to a group the user is a member of,
     * with their names, each role once.
     */
    async directRoles(userId: string, targetType: string, targetId: string): Promise<HeldRole[]> {
      const groupIds = db
        .selectFrom("identity_group_members")
        .select("group_id")
        .where("user_id", "=", userId);
      const rows = await db
        .selectFrom("identity_role_assignments as assignment")
        .innerJoin("identity_roles as role", "role.id", "assignment.role_id")
        .select(["role.id", "role.name", "role.domain_id"])
        .distinct()
        .where((eb) =>
          eb.or([
            eb.and([
              eb("assignment.actor_type", "=", "user"),
              eb("assignment.actor_id", "=", userId),
            ]),
            eb.and([
              eb("assignment.actor_type", "=", "group"),
              eb("assignment.actor_id", "in", groupIds),
            ]),
          ]),
        )
        .where("assignment.target_type", "=", targetType as "project")
        .where("assignment.target_id", "=", targetId)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        domainSpecific: row.domain_id !== "",
      }));
    },

    /** Returns every implication rule, with the name of the implied role. */
    async inferences(): Promise<Array<RoleInference & { implied: HeldRole }>> {
      const rows = await db
        .selectFrom("identity_implied_roles as rule")
        .innerJoin("identity_roles as role", "role.id", "rule.implied_role_id")
        .select(["rule.prior_role_id", "rule.implied_role_id", "role.name", "role.domain_id"])
        .execute();
      return rows.map((row) => ({
        priorRoleId: row.prior_role_id,
        impliedRoleId: row.implied_role_id,
        implied: {
          id: row.implied_role_id,
          name: row.name,
          domainSpecific: row.domain_id !== "",
        },
      }));
    },
  };
}

export type TokenContextRepo = ReturnType<typeof createTokenContextRepo>;

function toEntity(row: {
  id: string;
  name: string;
  enabled: unknown;
  domain_id: string;
  domain_name: string;
  domain_enabled: unknown;
}): ScopedEntity {
  return {
    id: row.id,
    name: row.name,
    enabled: toBoolean(row.enabled),
    domain: { id: row.domain_id, name: row.domain_name, enabled: toBoolean(row.domain_enabled) },
  };
}
