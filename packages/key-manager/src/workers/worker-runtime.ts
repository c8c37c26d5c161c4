import type { Logger, MessageBus, Subscription } from "@openstack-ts/kernel";
import { ORDER_QUEUE, type OrderTask } from "../orders/orders-types.js";
import type { OrderWorker } from "./order-worker.js";
import type { RetryScheduler } from "./retry-scheduler.js";

export interface WorkerRuntimeDependencies {
  bus: Pick<MessageBus, "consume">;
  worker: OrderWorker;
  scheduler: RetryScheduler;
  /** Orders processed at once by this process. */
  concurrency: number;
  logger: Logger;
}

/** A running set of order consumers and a retry scheduler. */
export interface WorkerRuntime {
  close(): Promise<void>;
}

/**
 * Consumes the order queue and runs the retry scheduler. A task is acknowledged once `process`
 * returns, so a worker that dies mid-order leaves its task to the broker, which hands it to
 * another consumer.
 */
export async function startWorkerRuntime(
  dependencies: WorkerRuntimeDependencies,
): Promise<WorkerRuntime> {
  const { bus, worker, scheduler, logger } = dependencies;
  const subscription: Subscription = await bus.consume(
    ORDER_QUEUE,
    async (body) => {
      const task = body as Partial<OrderTask>;
      if (typeof task?.order_id !== "string") {
        logger.error({ body }, "order task without an order_id is dropped");
        return;
      }
      await worker.process({ order_id: task.order_id });
    },
    { prefetch: dependencies.concurrency },
  );
  scheduler.start();
  logger.info(
    { queue: ORDER_QUEUE, concurrency: dependencies.concurrency },
    "order workers started",
  );
  return {
    async close() {
      await subscription.close();
      await scheduler.stop();
      logger.info("order workers stopped");
    },
  };
}
