import type { Logger } from "@openstack-ts/kernel";
import type { AssignmentService } from "../assignments/assignment-service.js";
import { SYSTEM_TARGET } from "../assignments/assignment-types.js";
import type { IdentityConfig } from "../config.js";
import type { DomainService } from "../domains/domain-service.js";
import { DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME } from "../domains/domain-types.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { ProjectService } from "../projects/project-service.js";
import type { RoleService } from "../roles/role-service.js";
import type { UserService } from "../users/user-service.js";
import { resolveBootstrapPasswords } from "./bootstrap-passwords.js";

/**
 * Roles every deployment has: the three default personas (admin implies member implies reader),
 * `service` for service users, and the legacy roles Barbican's policy and its tempest plugin use.
 */
export const BOOTSTRAP_ROLES = [
  "admin",
  "member",
  "reader",
  "service",
  "creator",
  "observer",
  "audit",
  "key-manager:service-admin",
] as const;

const IMPLIED_ROLES: Array<[string, string]> = [
  ["admin", "member"],
  ["member", "reader"],
];

export interface BootstrapDependencies {
  domains: Pick<DomainService, "find" | "create">;
  projects: Pick<ProjectService, "findByName" | "create">;
  users: Pick<UserService, "findByName" | "create" | "update">;
  roles: Pick<RoleService, "findByName" | "create" | "addInference">;
  assignments: Pick<AssignmentService, "grant">;
  hasher: Pick<PasswordHasher, "verify">;
  logger: Logger;
}

/** Ids and passwords of the bootstrap resources, which the rest of the process needs. */
export interface BootstrapResult {
  adminUserId: string;
  adminProjectId: string;
  serviceUserId: string;
  serviceProjectId: string;
  adminPassword: string;
  servicePassword: string;
}

/**
 * Creates what a deployment needs and leaves what already exists alone. That is the default
 * domain, the bootstrap roles and their implications, and the admin and service projects. It is
 * also the admin user, with the admin role on its project and on the system, and the service
 * user, with the service role on the service project. A configured password replaces the stored
 * one on every start.
 */
export async function bootstrapIdentity(
  config: IdentityConfig["bootstrap"],
  dependencies: BootstrapDependencies,
): Promise<BootstrapResult> {
  const { domains, roles, assignments, logger } = dependencies;
  const passwords = resolveBootstrapPasswords(
    { admin: config.admin_password, service: config.service_password },
    config.password_file,
  );

  if ((await domains.find(DEFAULT_DOMAIN_ID)) === undefined) {
    await retryOnConflict(() =>
      domains.create(
        { name: DEFAULT_DOMAIN_NAME, description: "The default domain" },
        DEFAULT_DOMAIN_ID,
      ),
    );
    logger.info({ domain: DEFAULT_DOMAIN_ID }, "bootstrap created the default domain");
  }

  const roleIds = new Map<string, string>();
  for (const name of BOOTSTRAP_ROLES) {
    const role =
      (await roles.findByName(name)) ??
      (await retryOnConflict(() => roles.create({ name }))) ??
      (await roles.findByName(name));
    roleIds.set(name, role?.id as string);
  }
  for (const [prior, implied] of IMPLIED_ROLES) {
    await roles.addInference(roleIds.get(prior) as string, roleIds.get(implied) as string);
  }

  const adminProjectId = await ensureProject(config.admin_project_name, dependencies);
  const serviceProjectId = await ensureProject(config.service_project_name, dependencies);
  const adminUserId = await ensureUser(
    config.admin_username,
    passwords.admin,
    adminProjectId,
    dependencies,
  );
  const serviceUserId = await ensureUser(
    config.service_username,
    passwords.service,
    serviceProjectId,
    dependencies,
  );

  const adminRole = roleIds.get("admin") as string;
  const admin = { type: "user", id: adminUserId } as const;
  await assignments.grant(admin, { type: "project", id: adminProjectId }, adminRole);
  await assignments.grant(admin, SYSTEM_TARGET, adminRole);
  await assignments.grant(
    { type: "user", id: serviceUserId },
    { type: "project", id: serviceProjectId },
    roleIds.get("service") as string,
  );

  return {
    adminUserId,
    adminProjectId,
    serviceUserId,
    serviceProjectId,
    adminPassword: passwords.admin,
    servicePassword: passwords.service,
  };
}

async function ensureProject(name: string, dependencies: BootstrapDependencies): Promise<string> {
  const { projects, logger } = dependencies;
  const existing = await projects.findByName(DEFAULT_DOMAIN_ID, name);
  if (existing !== undefined) {
    return existing.id;
  }
  const created = await retryOnConflict(() =>
    projects.create({ name, domainId: DEFAULT_DOMAIN_ID, description: "Bootstrap project" }),
  );
  const project = created ?? (await projects.findByName(DEFAULT_DOMAIN_ID, name));
  logger.info({ project: name }, "bootstrap created a project");
  return project?.id as string;
}

async function ensureUser(
  name: string,
  password: string,
  defaultProjectId: string,
  dependencies: BootstrapDependencies,
): Promise<string> {
  const { users, hasher, logger } = dependencies;
  const existing = await users.findByName(DEFAULT_DOMAIN_ID, name);
  if (existing === undefined) {
    const created = await retryOnConflict(() =>
      users.create({ name, password, domainId: DEFAULT_DOMAIN_ID, defaultProjectId }),
    );
    logger.info({ user: name }, "bootstrap created a user");
    return (created ?? (await users.findByName(DEFAULT_DOMAIN_ID, name)))?.id as string;
  }
  if (!existing.enabled) {
    // As keystone-manage bootstrap does: the bootstrap users must be able to log in after a start.
    await users.update(existing.id, { enabled: true });
    logger.info({ user: name }, "bootstrap enabled a disabled user");
  }
  if (!(await hasher.verify(password, existing.passwordHash))) {
    await users.update(existing.id, { password });
    logger.info({ user: name }, "bootstrap reset the password of a user to the configured one");
  }
  return existing.id;
}

/**
 * Runs a create that another process starting at the same time may win. After a 409 it returns
 * undefined, so the caller reads what the other process created.
 */
async function retryOnConflict<T>(create: () => Promise<T>): Promise<T | undefined> {
  try {
    return await create();
  } catch (error) {
    if ((error as { status?: number }).status === 409) {
      return undefined;
    }
    throw error;
  }
}
