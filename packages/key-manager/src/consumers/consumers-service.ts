import { type AuthContext, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import type { QuotasService } from "../quotas/quotas-service.js";
import { isUuidV4 } from "../validation/ids.js";
import type { ConsumersRepo } from "./consumers-repo.js";
import type { ConsumerKind, ConsumerRecord } from "./consumers-types.js";

export interface ConsumersServiceDependencies {
  repo: Pick<ConsumersRepo, "register" | "findByFields" | "findById" | "delete" | "list" | "all">;
  quotas: Pick<QuotasService, "withQuota">;
  countConsumers(kind: ConsumerKind, projectId: string): Promise<number>;
  logger: Logger;
}

/** The parent a consumer is registered on: its id and owning project. */
export interface ConsumerParent {
  id: string;
  projectId: string;
}

/** Names of operations in messages, by consumer kind. */
const OPERATIONS: Record<ConsumerKind, string> = {
  container: "ContainerConsumer",
  secret: "SecretConsumer",
};

/** Consumers of containers and secrets: idempotent registration, removal and listing. */
export function createConsumersService(dependencies: ConsumersServiceDependencies) {
  const { repo, logger } = dependencies;

  return {
    /** Registers a consumer for the caller's project after the quota check. */
    async register(
      kind: ConsumerKind,
      caller: AuthContext,
      parent: ConsumerParent,
      fields: string[],
    ): Promise<void> {
      const projectId = caller.projectId ?? "";
      const registered = await dependencies.quotas.withQuota(
        projectId,
        "consumers",
        (project) => dependencies.countConsumers(kind, project),
        `${OPERATIONS[kind]} creation`,
        () => repo.register(kind, parent.id, projectId, fields, nowTimestamp()),
      );
      if (!registered) {
        throw errors.create(kind === "secret" ? "SECRET_NOT_FOUND" : "CONTAINER_NOT_FOUND");
      }
      logger.info({ kind, parent_id: parent.id, project_id: projectId }, "consumer registered");
    },

    /**
     * Removes a consumer. A missing one is 404; only the consumer's project or the parent's
     * project may remove it (403 otherwise).
     */
    async remove(
      kind: ConsumerKind,
      caller: AuthContext,
      parent: ConsumerParent,
      fields: string[],
    ): Promise<void> {
      const consumer = await repo.findByFields(kind, parent.id, fields);
      if (consumer === undefined) {
        throw errors.create("CONSUMER_NOT_FOUND");
      }
      const ownsConsumer = consumer.projectId === caller.projectId;
      const ownsParent = parent.projectId === caller.projectId;
      if (!ownsConsumer && !ownsParent) {
        throw errors.create("CONSUMER_OWNERSHIP_MISMATCH");
      }
      if (!(await repo.delete(kind, consumer.id))) {
        throw errors.create("CONSUMER_NOT_FOUND");
      }
      logger.info({ kind, parent_id: parent.id, consumer_id: consumer.id }, "consumer removed");
    },

    /** Returns one consumer by id; a malformed or unknown id is 404. */
    async get(kind: ConsumerKind, parentId: string, consumerId: string): Promise<ConsumerRecord> {
      if (!isUuidV4(consumerId)) {
        throw errors.create("INVALID_CONSUMER_ID");
      }
      const consumer = await repo.findById(kind, parentId, consumerId);
      if (consumer === undefined) {
        throw errors.create("CONSUMER_NOT_FOUND");
      }
      return consumer;
    },

    list(kind: ConsumerKind, parentId: string, page: { offset: number; limit: number }) {
      return repo.list(kind, parentId, page);
    },

    all(kind: ConsumerKind, parentId: string): Promise<ConsumerRecord[]> {
      return repo.all(kind, parentId);
    },
  };
}

export type ConsumersService = ReturnType<typeof createConsumersService>;
