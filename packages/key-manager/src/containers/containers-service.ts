import { randomUUID } from "node:crypto";
import { type AuthContext, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import type { AclDecisionView } from "../acls/acls-types.js";
import { errors } from "../errors.js";
import type { Authorizer } from "../policy/authorizer.js";
import type { QuotasService } from "../quotas/quotas-service.js";
import type { SecretsRepo } from "../secrets/secrets-repo.js";
import { idFromRef, isUuidV4 } from "../validation/ids.js";
import type { ContainersRepo } from "./containers-repo.js";
import type {
  ContainerListFilters,
  ContainerRecord,
  NewContainerRequest,
} from "./containers-types.js";

export interface ContainersServiceDependencies {
  repo: Pick<
    ContainersRepo,
    "insert" | "find" | "list" | "softDelete" | "addSecret" | "removeSecret"
  >;
  secrets: Pick<SecretsRepo, "findVisible">;
  authorizer: Authorizer;
  aclFor(containerId: string, userId: string | null): Promise<AclDecisionView>;
  quotas: Pick<QuotasService, "withQuota">;
  countContainers(projectId: string): Promise<number>;
  logger: Logger;
}

/**
 * Containers: creation from secrets of the caller's project, listing, deletion, and adding or
 * removing secrets of generic containers. `load` applies a policy action with the container's
 * stored owner and read ACL as the target.
 */
export function createContainersService(dependencies: ContainersServiceDependencies) {
  const { repo, secrets, authorizer, logger } = dependencies;

  /** Returns the caller's visible secret, or undefined when it is missing or another project's. */
  async function ownSecret(caller: AuthContext, secretId: string) {
    if (!isUuidV4(secretId)) {
      return undefined;
    }
    const secret = await secrets.findVisible(secretId, new Date());
    return secret !== undefined && secret.projectId === caller.projectId ? secret : undefined;
  }

  async function insertContainer(
    caller: AuthContext,
    projectId: string,
    request: NewContainerRequest,
  ): Promise<ContainerRecord> {
    for (const ref of request.secretRefs) {
      if ((await ownSecret(caller, ref.secretId)) === undefined) {
        throw errors.create("CONTAINER_SECRET_NOT_FOUND", { name: ref.name ?? "None" });
      }
    }
    const now = nowTimestamp();
    const container: ContainerRecord = {
      id: randomUUID(),
      projectId,
      creatorId: caller.userId,
      name: request.name,
      type: request.type,
      status: "ACTIVE",
      createdAt: now,
      updatedAt: now,
      secretRefs: request.secretRefs.map((ref) => ({ name: ref.name, secretId: ref.secretId })),
    };
    const deletedRef = await repo.insert(container);
    if (deletedRef !== undefined) {
      throw errors.create("CONTAINER_SECRET_NOT_FOUND", { name: deletedRef.name ?? "None" });
    }
    logger.info({ container_id: container.id, project_id: projectId }, "container created");
    return container;
  }

  return {
    /** Applies a policy action that has no target, such as `containers:post`. */
    authorizeCollection(caller: AuthContext, action: string, operation: string): void {
      authorizer.authorize(caller, action, operation);
    },

    /**
     * Returns a container after checking `action` on it. A malformed id or a missing container
     * gets 404 before the policy check, so another project's container gets 403.
     */
    async load(
      caller: AuthContext,
      id: string,
      action: string,
      operation: string,
    ): Promise<ContainerRecord> {
      if (!isUuidV4(id)) {
        throw errors.create("INVALID_CONTAINER_ID");
      }
      const container = await repo.find(id);
      if (container === undefined) {
        throw errors.create("CONTAINER_NOT_FOUND");
      }
      const acl = await dependencies.aclFor(id, caller.userId);
      authorizer.authorize(caller, action, operation, {
        kind: "container",
        projectId: container.projectId,
        creatorId: container.creatorId,
        readProjectAccess: acl.readProjectAccess,
        callerInReadAcl: acl.callerInReadAcl,
      });
      return container;
    },

    /** Creates a container in the caller's project after checking its secrets and the quota. */
    async create(caller: AuthContext, request: NewContainerRequest): Promise<ContainerRecord> {
      const projectId = caller.projectId ?? "";
      return dependencies.quotas.withQuota(
        projectId,
        "containers",
        dependencies.countContainers,
        "Container creation",
        () => insertContainer(caller, projectId, request),
      );
    },

    list(filters: ContainerListFilters, page: { offset: number; limit: number }) {
      return repo.list(filters, page);
    },

    /** Deletes a container and its consumers; the secrets stay. */
    async delete(container: ContainerRecord): Promise<void> {
      if (!(await repo.softDelete(container.id, nowTimestamp()))) {
        throw errors.create("CONTAINER_NOT_FOUND");
      }
      logger.info(
        { container_id: container.id, project_id: container.projectId },
        "container deleted",
      );
    },

    /** Adds a secret of the caller's project to a generic container; the same pair twice is 409. */
    async addSecret(
      caller: AuthContext,
      container: ContainerRecord,
      ref: { name: string | null; secretRef: string },
    ): Promise<void> {
      const secretId = idFromRef(ref.secretRef);
      if ((await ownSecret(caller, secretId)) === undefined) {
        throw errors.create("SECRET_TO_ADD_NOT_FOUND");
      }
      const exists = container.secretRefs.some(
        (existing) => existing.secretId === secretId && existing.name === ref.name,
      );
      if (exists) {
        throw errors.create("CONTAINER_SECRET_CONFLICT");
      }
      const outcome = await repo.addSecret(
        container.id,
        { name: ref.name, secretId },
        nowTimestamp(),
      );
      if (outcome === "exists") {
        throw errors.create("CONTAINER_SECRET_CONFLICT");
      }
      if (outcome === "gone") {
        throw errors.create("CONTAINER_NOT_FOUND");
      }
      if (outcome === "secret-gone") {
        throw errors.create("SECRET_TO_ADD_NOT_FOUND");
      }
      logger.info({ container_id: container.id, secret_id: secretId }, "secret added to container");
    },

    /** Removes a name and secret pair from a container; a pair it does not hold is 404. */
    async removeSecret(
      caller: AuthContext,
      container: ContainerRecord,
      ref: { name: string | null; secretRef: string },
    ): Promise<void> {
      const secretId = idFromRef(ref.secretRef);
      if ((await ownSecret(caller, secretId)) === undefined) {
        throw errors.create("SECRET_TO_REMOVE_NOT_FOUND", {
          name: ref.name ?? "None",
          ref: ref.secretRef,
        });
      }
      if (!(await repo.removeSecret(container.id, { name: ref.name, secretId }))) {
        throw errors.create("SECRET_NOT_IN_CONTAINER");
      }
      logger.info(
        { container_id: container.id, secret_id: secretId },
        "secret removed from container",
      );
    },
  };
}

export type ContainersService = ReturnType<typeof createContainersService>;
