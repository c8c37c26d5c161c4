import type { Logger } from "pino";
import {
  type ConsumeOptions,
  type MessageBus,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
  topicMatches,
} from "./message-bus.js";

interface TopicSubscriber {
  pattern: string;
  handler: MessageHandler;
  queue: string | undefined;
}

interface QueuedTask {
  body: unknown;
  redelivered: boolean;
}

interface WorkQueue {
  tasks: QueuedTask[];
  consumers: { handler: MessageHandler; prefetch: number; inFlight: number }[];
  next: number;
}

/**
 * The message bus inside one process, used when no broker is configured. It keeps the semantics of
 * the AMQP bus (asynchronous delivery, one consumer per task, one redelivery after a failure) but
 * holds nothing across restarts.
 */
export class MemoryBus implements MessageBus {
  readonly #subscribers = new Set<TopicSubscriber>();
  readonly #queues = new Map<string, WorkQueue>();
  readonly #logger: Logger | undefined;
  #closed = false;

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  async publish(topic: string, body: unknown): Promise<void> {
    const copy = structuredClone(body);
    const sharedQueuesServed = new Set<string>();
    for (const subscriber of this.#subscribers) {
      if (!topicMatches(subscriber.pattern, topic)) {
        continue;
      }
      if (subscriber.queue !== undefined) {
        if (sharedQueuesServed.has(subscriber.queue)) {
          continue;
        }
        sharedQueuesServed.add(subscriber.queue);
      }
      setImmediate(() => {
        subscriber
          .handler(structuredClone(copy), { topic, redelivered: false })
          .catch((error: unknown) => {
            this.#logger?.error({ err: error, topic }, "event handler failed");
          });
      });
    }
  }

  async subscribe(
    pattern: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const subscriber: TopicSubscriber = { pattern, handler, queue: options.queue };
    this.#subscribers.add(subscriber);
    return {
      close: async () => {
        this.#subscribers.delete(subscriber);
      },
    };
  }

  async enqueue(queue: string, task: unknown): Promise<void> {
    if (this.#closed) {
      throw new Error("message bus is closed");
    }
    this.#queue(queue).tasks.push({ body: structuredClone(task), redelivered: false });
    setImmediate(() => this.#dispatch(queue));
  }

  async consume(
    queue: string,
    handler: MessageHandler,
    options: ConsumeOptions = {},
  ): Promise<Subscription> {
    const consumer = { handler, prefetch: options.prefetch ?? 1, inFlight: 0 };
    const workQueue = this.#queue(queue);
    workQueue.consumers.push(consumer);
    setImmediate(() => this.#dispatch(queue));
    return {
      close: async () => {
        workQueue.consumers = workQueue.consumers.filter((item) => item !== consumer);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    for (const workQueue of this.#queues.values()) {
      workQueue.consumers = [];
    }
  }

  /** Number of tasks waiting in a queue (for tests and diagnostics). */
  pending(queue: string): number {
    return this.#queues.get(queue)?.tasks.length ?? 0;
  }

  #queue(name: string): WorkQueue {
    let workQueue = this.#queues.get(name);
    if (workQueue === undefined) {
      workQueue = { tasks: [], consumers: [], next: 0 };
      this.#queues.set(name, workQueue);
    }
    return workQueue;
  }

  #dispatch(name: string): void {
    const workQueue = this.#queue(name);
    while (workQueue.tasks.length > 0) {
      const consumer = this.#nextFreeConsumer(workQueue);
      if (consumer === undefined) {
        return;
      }
      const task = workQueue.tasks.shift() as QueuedTask;
      consumer.inFlight += 1;
      consumer
        .handler(task.body, { topic: name, redelivered: task.redelivered })
        .catch((error: unknown) => {
          if (task.redelivered) {
            this.#logger?.error({ err: error, queue: name }, "task failed twice and is dropped");
          } else {
            this.#logger?.warn(
              { err: error, queue: name },
              "task failed and is delivered once more",
            );
            workQueue.tasks.push({ body: task.body, redelivered: true });
          }
        })
        .finally(() => {
          consumer.inFlight -= 1;
          setImmediate(() => this.#dispatch(name));
        });
    }
  }

  #nextFreeConsumer(workQueue: WorkQueue) {
    const count = workQueue.consumers.length;
    for (let offset = 0; offset < count; offset += 1) {
      const index = (workQueue.next + offset) % count;
      const consumer = workQueue.consumers[index];
      if (consumer !== undefined && consumer.inFlight < consumer.prefetch) {
        workQueue.next = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}
