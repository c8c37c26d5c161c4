import type { Logger } from "pino";
import { AmqpBus } from "./amqp-bus.js";
import { MemoryBus } from "./memory-bus.js";
import type { MessageBus } from "./message-bus.js";

/**
 * Opens the bus named by a URL: empty for the in-process bus, `amqp://user:password@host:5672/vhost`
 * for RabbitMQ.
 */
export async function createMessageBus(url: string, logger?: Logger): Promise<MessageBus> {
  if (url === "" || url === "memory:") {
    return new MemoryBus(logger);
  }
  if (url.startsWith("amqp://") || url.startsWith("amqps://")) {
    return AmqpBus.connect(url, logger === undefined ? {} : { logger });
  }
  throw new Error(`unsupported message bus URL "${url}": use an empty value or amqp://`);
}
