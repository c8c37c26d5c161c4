/** Information about one delivered message. */
export interface DeliveryInfo {
  topic: string;
  /** True when the broker has delivered this message before (its earlier handler never acknowledged it). */
  redelivered: boolean;
}

export type MessageHandler = (body: unknown, info: DeliveryInfo) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /**
   * Name of a durable queue shared by every subscriber that gives the same name: each event then
   * reaches one of them, and events published while they are all down wait in the queue. Without
   * a name each subscriber gets its own copy of every event while it is connected.
   */
  queue?: string;
}

export interface ConsumeOptions {
  /** Tasks handed to this consumer before it has acknowledged the earlier ones. */
  prefetch?: number;
}

/**
 * Events and work queues between services.
 *
 * `publish`/`subscribe` fan events out by topic; topics are dot-separated words and subscriptions
 * may use `*` (one word) and `#` (any number of words), as AMQP topic exchanges do.
 * `enqueue`/`consume` hand each task to exactly one consumer. A task is acknowledged when its
 * handler resolves; a handler that throws has its task delivered once more, and a task that fails
 * on redelivery as well is dropped and logged, so a poison task cannot loop forever.
 */
export interface MessageBus {
  publish(topic: string, body: unknown): Promise<void>;
  subscribe(
    pattern: string,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  enqueue(queue: string, task: unknown): Promise<void>;
  consume(queue: string, handler: MessageHandler, options?: ConsumeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** Tests an AMQP-style topic pattern (`a.*.c`, `a.#`) against a topic. */
export function topicMatches(pattern: string, topic: string): boolean {
  return matchWords(pattern.split("."), topic.split("."));
}

function matchWords(pattern: string[], words: string[]): boolean {
  if (pattern.length === 0) {
    return words.length === 0;
  }
  const [head, ...rest] = pattern as [string, ...string[]];
  if (head === "#") {
    for (let skip = 0; skip <= words.length; skip += 1) {
      if (matchWords(rest, words.slice(skip))) {
        return true;
      }
    }
    return false;
  }
  if (words.length === 0) {
    return false;
  }
  return (head === "*" || head === words[0]) && matchWords(rest, words.slice(1));
}
