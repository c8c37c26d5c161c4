import { type Logger, type MessageBus, toTimestamp } from "@openstack-ts/kernel";
import type { OrdersRepo } from "../orders/orders-repo.js";
import { ORDER_QUEUE, type OrderTask } from "../orders/orders-types.js";

export interface RetrySchedulerDependencies {
  repo: Pick<OrdersRepo, "dueRetries" | "claimRetry" | "stalePending" | "claimStale">;
  bus: Pick<MessageBus, "enqueue">;
  logger: Logger;
  /** Seconds between two scans. */
  intervalSeconds: number;
  /**
   * Seconds a PENDING order may go untouched before it is queued again, and how long a claimed
   * retry waits for its attempt to report back before it is due again.
   */
  pendingTimeoutSeconds: number;
}

/** Tasks queued again per scan, at most, so one scan stays short. */
const BATCH = 100;

/**
 * Queues orders again: retry tasks that are due, and PENDING orders that no worker or scheduler updated for
 * `pendingTimeoutSeconds` (their first publish failed, or the broker lost the message). Every
 * re-queue is claimed with a conditional UPDATE first, so several schedulers (one per worker
 * process) can run at once; a task queued twice does no harm, because only one fulfilment of an
 * order can commit.
 */
export function createRetryScheduler(dependencies: RetrySchedulerDependencies) {
  const { repo, bus, logger } = dependencies;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function enqueue(orderId: string, reason: string): Promise<boolean> {
    const task: OrderTask = { order_id: orderId };
    try {
      await bus.enqueue(ORDER_QUEUE, task);
      logger.info({ order_id: orderId, reason }, "order queued again");
      return true;
    } catch (error) {
      logger.warn({ err: error, order_id: orderId }, "queueing an order again failed");
      return false;
    }
  }

  /** Runs one scan and returns how many orders it queued again. */
  async function scan(): Promise<number> {
    const now = Date.now();
    const lease = toTimestamp(new Date(now + dependencies.pendingTimeoutSeconds * 1000));
    let queued = 0;
    for (const task of await repo.dueRetries(toTimestamp(new Date(now)), BATCH)) {
      if (
        (await repo.claimRetry(task.id, task.retry_at, lease)) &&
        (await enqueue(task.order_id, "retry"))
      ) {
        queued += 1;
      }
    }
    const before = toTimestamp(new Date(now - dependencies.pendingTimeoutSeconds * 1000));
    for (const order of await repo.stalePending(before, BATCH)) {
      const claimed = await repo.claimStale(order.id, order.updated_at, toTimestamp(new Date()));
      if (claimed && (await enqueue(order.id, "pending too long"))) {
        queued += 1;
      }
    }
    return queued;
  }

  async function tick(): Promise<void> {
    if (running !== undefined) {
      return;
    }
    running = scan();
    try {
      await running;
    } catch (error) {
      logger.warn({ err: error }, "retry scan failed; trying at the next interval");
    } finally {
      running = undefined;
    }
  }

  return {
    scan,

    /** Starts scanning every `intervalSeconds`; the timer does not keep the process alive. */
    start(): void {
      timer = setInterval(() => void tick(), dependencies.intervalSeconds * 1000);
      timer.unref();
    },

    /** Stops the timer and waits for a scan in progress. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

export type RetryScheduler = ReturnType<typeof createRetryScheduler>;
