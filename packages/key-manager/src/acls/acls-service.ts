import { isoSeconds, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import type { AclsRepo } from "./acls-repo.js";
import type { AclDecisionView, AclEntityKind, ReadAclChange } from "./acls-types.js";

export interface AclsServiceDependencies {
  repo: Pick<AclsRepo, "findRead" | "decisionFor" | "saveRead" | "deleteAll">;
  logger: Logger;
}

/** ACLs of secrets and containers: the JSON views, replacement, merge and removal. */
export function createAclsService(dependencies: AclsServiceDependencies) {
  const { repo, logger } = dependencies;

  /**
   * Saves a change, trying once more when a concurrent first save created the ACL row. A secret
   * or container deleted meanwhile gets its 404.
   */
  async function save(kind: AclEntityKind, entityId: string, change: ReadAclChange) {
    let saved: boolean;
    try {
      saved = await repo.saveRead(kind, entityId, change, nowTimestamp());
    } catch (error) {
      logger.debug({ err: error, entity_id: entityId }, "ACL save conflicted; trying once more");
      saved = await repo.saveRead(kind, entityId, change, nowTimestamp());
    }
    if (!saved) {
      throw errors.create(kind === "secret" ? "SECRET_NOT_FOUND" : "CONTAINER_NOT_FOUND");
    }
  }

  return {
    /**
     * Returns the ACL document: the stored read ACL, or the implicit default
     * `{"read": {"project-access": true}}` when none is stored.
     */
    async view(kind: AclEntityKind, entityId: string): Promise<Record<string, unknown>> {
      const acl = await repo.findRead(kind, entityId);
      if (acl === undefined) {
        return { read: { "project-access": true } };
      }
      return {
        read: {
          "project-access": acl.projectAccess,
          users: acl.users,
          created: isoSeconds(acl.createdAt),
          updated: isoSeconds(acl.updatedAt),
        },
      };
    },

    /** Replaces the ACLs: a missing `read` removes them, missing fields take the defaults. */
    async replace(kind: AclEntityKind, entityId: string, read: ReadAclChange | undefined) {
      if (read === undefined) {
        await repo.deleteAll(kind, entityId);
        return;
      }
      await save(kind, entityId, {
        projectAccess: read.projectAccess ?? true,
        users: read.users ?? [],
      });
      logger.info({ entity_kind: kind, entity_id: entityId }, "ACL replaced");
    },

    /** Merges a change: only the fields given change. */
    async merge(kind: AclEntityKind, entityId: string, read: ReadAclChange | undefined) {
      if (read === undefined) {
        return;
      }
      await save(kind, entityId, read);
      logger.info({ entity_kind: kind, entity_id: entityId }, "ACL updated");
    },

    /** Removes every ACL of the entity. */
    async remove(kind: AclEntityKind, entityId: string): Promise<void> {
      await repo.deleteAll(kind, entityId);
      logger.info({ entity_kind: kind, entity_id: entityId }, "ACL removed");
    },

    /** Returns what the read ACL says about a caller, for the policy target. */
    decisionFor(kind: AclEntityKind, entityId: string, userId: string | null) {
      return repo.decisionFor(kind, entityId, userId) as Promise<AclDecisionView>;
    },
  };
}

export type AclsService = ReturnType<typeof createAclsService>;
