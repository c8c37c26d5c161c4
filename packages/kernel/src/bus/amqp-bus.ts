import { EventEmitter, once } from "node:events";
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
} from "amqplib";
import type { Logger } from "pino";
import { redactUrl } from "../db/open-database.js";
import type {
  ConsumeOptions,
  MessageBus,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from "./message-bus.js";

export interface AmqpBusOptions {
  /** Topic exchange that events are published on. */
  exchange?: string;
  logger?: Logger;
  /** Seconds a publish waits for the broker to come back before it fails. */
  publishTimeoutSeconds?: number;
  /** Failed attempts at start-up before `connect` gives up. Once connected it retries forever. */
  initialRetries?: number;
}

interface Registration {
  describe: string;
  attach(model: ChannelModel): Promise<void>;
  detach(): Promise<void>;
}

/**
 * The message bus on RabbitMQ (AMQP 0-9-1). Events go through one durable topic exchange; work
 * queues are durable queues with persistent messages, publisher confirms and manual
 * acknowledgements, so a task is lost neither when a consumer dies before acknowledging it nor
 * when the broker restarts. The connection recovers by itself, and every consumer is attached
 * again after each reconnect.
 */
export class AmqpBus implements MessageBus {
  readonly #exchange: string;
  readonly #logger: Logger | undefined;
  readonly #publishTimeoutMs: number;
  readonly #registrations = new Set<Registration>();
  readonly #events = new EventEmitter();
  #model: Awaited<ReturnType<typeof connectRecovering>> | null = null;
  #publisher: ConfirmChannel | null = null;
  #closed = false;

  private constructor(options: AmqpBusOptions) {
    this.#exchange = options.exchange ?? "openstack-ts";
    this.#logger = options.logger;
    this.#publishTimeoutMs = (options.publishTimeoutSeconds ?? 30) * 1000;
    this.#events.setMaxListeners(0);
  }

  static async connect(url: string, options: AmqpBusOptions = {}): Promise<AmqpBus> {
    const bus = new AmqpBus(options);
    bus.#model = await connectRecovering(url, options.initialRetries ?? 10, (model) =>
      bus.#setup(model),
    );
    bus.#model.on("disconnect", (error: Error) => {
      bus.#publisher = null;
      bus.#logger?.warn(
        { err: error, broker: redactUrl(url) },
        "message broker connection lost, reconnecting",
      );
    });
    bus.#model.on("reconnect-failed", (error: Error) => {
      bus.#logger?.error(
        { err: error, broker: redactUrl(url) },
        "message broker reconnection failed",
      );
    });
    bus.#model.on("error", (error: Error) => {
      bus.#logger?.warn({ err: error }, "message broker error");
    });
    bus.#logger?.info(
      { broker: redactUrl(url), exchange: bus.#exchange },
      "connected to message broker",
    );
    return bus;
  }

  async #setup(model: ChannelModel): Promise<void> {
    const publisher = await model.createConfirmChannel();
    await publisher.assertExchange(this.#exchange, "topic", { durable: true });
    for (const registration of this.#registrations) {
      await registration.attach(model);
    }
    this.#publisher = publisher;
    this.#events.emit("ready");
  }

  async #publisherChannel(): Promise<ConfirmChannel> {
    if (this.#closed) {
      throw new Error("message bus is closed");
    }
    if (this.#publisher !== null) {
      return this.#publisher;
    }
    const timeout = AbortSignal.timeout(this.#publishTimeoutMs);
    try {
      await once(this.#events, "ready", { signal: timeout });
    } catch {
      throw new Error(`message broker unavailable for ${this.#publishTimeoutMs / 1000} s`);
    }
    return this.#publisherChannel();
  }

  async publish(topic: string, body: unknown): Promise<void> {
    const channel = await this.#publisherChannel();
    channel.publish(this.#exchange, topic, encode(body), {
      persistent: true,
      contentType: "application/json",
    });
    await channel.waitForConfirms();
  }

  async enqueue(queue: string, task: unknown): Promise<void> {
    const channel = await this.#publisherChannel();
    await channel.assertQueue(queue, { durable: true });
    channel.sendToQueue(queue, encode(task), { persistent: true, contentType: "application/json" });
    await channel.waitForConfirms();
  }

  async subscribe(
    pattern: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const exchange = this.#exchange;
    return this.#register(
      `subscription ${pattern}`,
      async (channel) => {
        const queue =
          options.queue === undefined
            ? (await channel.assertQueue("", { exclusive: true, autoDelete: true })).queue
            : (await channel.assertQueue(options.queue, { durable: true })).queue;
        await channel.bindQueue(queue, exchange, pattern);
        await channel.prefetch(16);
        return queue;
      },
      handler,
    );
  }

  async consume(
    queue: string,
    handler: MessageHandler,
    options: ConsumeOptions = {},
  ): Promise<Subscription> {
    return this.#register(
      `consumer of ${queue}`,
      async (channel) => {
        await channel.assertQueue(queue, { durable: true });
        await channel.prefetch(options.prefetch ?? 1);
        return queue;
      },
      handler,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const registration of this.#registrations) {
      await registration.detach();
    }
    this.#registrations.clear();
    await this.#model?.close().catch(() => undefined);
  }

  async #register(
    describe: string,
    declare: (channel: Channel) => Promise<string>,
    handler: MessageHandler,
  ): Promise<Subscription> {
    let channel: Channel | null = null;
    const logger = this.#logger;
    const registration: Registration = {
      describe,
      attach: async (model) => {
        const current = await model.createChannel();
        const queue = await declare(current);
        await current.consume(queue, (message) => {
          if (message !== null) {
            void deliver(current, message, handler, logger);
          }
        });
        channel = current;
      },
      detach: async () => {
        await channel?.close().catch(() => undefined);
        channel = null;
      },
    };
    this.#registrations.add(registration);
    const model = this.#model;
    if (model !== null && this.#publisher !== null) {
      await registration.attach(model as unknown as ChannelModel);
    }
    return {
      close: async () => {
        this.#registrations.delete(registration);
        await registration.detach();
      },
    };
  }
}

async function deliver(
  channel: Channel,
  message: ConsumeMessage,
  handler: MessageHandler,
  logger?: Logger,
) {
  const topic = message.fields.routingKey;
  const redelivered = message.fields.redelivered;
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString("utf8"));
  } catch (error) {
    logger?.error({ err: error, topic }, "message is not valid JSON and is dropped");
    safely(() => channel.nack(message, false, false));
    return;
  }
  try {
    await handler(body, { topic, redelivered });
    safely(() => channel.ack(message));
  } catch (error) {
    if (redelivered) {
      logger?.error({ err: error, topic }, "message failed twice and is dropped");
    } else {
      logger?.warn({ err: error, topic }, "message failed and is delivered once more");
    }
    safely(() => channel.nack(message, false, !redelivered));
  }
}

/** Acknowledging on a channel that has closed throws; the broker redelivers those messages anyway. */
function safely(action: () => void) {
  try {
    action();
  } catch {
    // The channel closed; the broker requeues unacknowledged messages.
  }
}

function encode(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body), "utf8");
}

function connectRecovering(
  url: string,
  initialRetries: number,
  setup: (model: ChannelModel) => Promise<void>,
) {
  return amqplib.connect(url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 5000,
      initialMaxRetries: initialRetries,
      maxRetries: Number.POSITIVE_INFINITY,
      setup,
    },
  });
}
