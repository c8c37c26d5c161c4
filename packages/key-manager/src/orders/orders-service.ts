import { randomUUID } from "node:crypto";
import { type AuthContext, type Logger, type MessageBus, nowTimestamp } from "@openstack-ts/kernel";
import { errors } from "../errors.js";
import type { Authorizer } from "../policy/authorizer.js";
import type { QuotasService } from "../quotas/quotas-service.js";
import type { OrdersRepo } from "./orders-repo.js";
import { ORDER_QUEUE, type OrderRecord, type OrderTask } from "./orders-types.js";
import type { NewOrderRequest } from "./orders-validation.js";

export interface OrdersServiceDependencies {
  repo: Pick<OrdersRepo, "insert" | "findInProject" | "list" | "softDelete">;
  bus: Pick<MessageBus, "enqueue">;
  authorizer: Authorizer;
  quotas: Pick<QuotasService, "withQuota">;
  countOrders(projectId: string): Promise<number>;
  logger: Logger;
}

/** Orders: creation (stored PENDING, then queued for a worker), listing, retrieval and deletion. */
export function createOrdersService(dependencies: OrdersServiceDependencies) {
  const { repo, bus, authorizer, logger } = dependencies;

  async function insertOrder(
    caller: AuthContext,
    projectId: string,
    request: NewOrderRequest,
  ): Promise<OrderRecord> {
    const now = nowTimestamp();
    const order: OrderRecord = {
      id: randomUUID(),
      projectId,
      creatorId: caller.userId,
      type: request.type,
      meta: request.meta,
      status: "PENDING",
      errorStatusCode: null,
      errorReason: null,
      subStatus: null,
      subStatusMessage: null,
      secretId: null,
      containerId: null,
      createdAt: now,
      updatedAt: now,
    };
    await repo.insert(order);
    logger.info({ order_id: order.id, project_id: projectId, type: order.type }, "order created");
    return order;
  }

  return {
    /** Applies a policy action that has no target, such as `orders:post`. */
    authorizeCollection(caller: AuthContext, action: string, operation: string): void {
      authorizer.authorize(caller, action, operation);
    },

    /**
     * Returns an order of the caller's project after checking `action` on it. Another project's
     * order is 404, as upstream looks orders up within the caller's project.
     */
    async load(
      caller: AuthContext,
      id: string,
      action: string,
      operation: string,
    ): Promise<OrderRecord> {
      const order = await repo.findInProject(id, caller.projectId ?? "");
      if (order === undefined) {
        throw errors.create("ORDER_NOT_FOUND");
      }
      authorizer.authorize(caller, action, operation, {
        kind: "order",
        projectId: order.projectId,
        creatorId: order.creatorId,
        readProjectAccess: true,
        callerInReadAcl: false,
      });
      return order;
    },

    /** Stores a PENDING order after the quota check and queues it for a worker. */
    async create(caller: AuthContext, request: NewOrderRequest): Promise<OrderRecord> {
      const projectId = caller.projectId ?? "";
      const order = await dependencies.quotas.withQuota(
        projectId,
        "orders",
        dependencies.countOrders,
        "Order creation",
        () => insertOrder(caller, projectId, request),
      );

      // The order is committed, so the response does not wait for the broker: while it is down a
      // publish waits for it to come back, and an order whose publish fails stays PENDING until
      // the retry scheduler queues it again.
      const task: OrderTask = { order_id: order.id };
      bus.enqueue(ORDER_QUEUE, task).catch((error: unknown) => {
        logger.warn(
          { err: error, order_id: order.id },
          "queueing the order failed; the retry scheduler queues it again",
        );
      });
      return order;
    },

    list(projectId: string, page: { offset: number; limit: number }) {
      return repo.list(projectId, page);
    },

    /** Deletes an order; the secret or container it generated stays. */
    async delete(order: OrderRecord): Promise<void> {
      if (!(await repo.softDelete(order.id, nowTimestamp()))) {
        throw errors.create("ORDER_NOT_FOUND");
      }
      logger.info({ order_id: order.id, project_id: order.projectId }, "order deleted");
    },
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
