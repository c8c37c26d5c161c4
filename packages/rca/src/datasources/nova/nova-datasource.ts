import type { Logger } from "@openstack-ts/kernel";
import { redactUrl } from "@openstack-ts/kernel";
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import type { Datasource, DatasourceSink, EntityEvent } from "../../processor/processor-types.js";
import { interpretNovaNotification, type NovaChange, openEnvelope } from "./nova-notifications.js";

/** Keeps the entities a push datasource has reported, so they survive a restart. */
export interface EntityMemory {
  load(): Promise<EntityEvent[]>;
  save(events: EntityEvent[]): Promise<void>;
}

export interface NovaDatasourceOptions {
  /** amqp:// URL of the RabbitMQ that Nova notifies. */
  url: string;
  exchange: string;
  /** Routing key, `versioned_notifications.info`. */
  topic: string;
  queue: string;
  memory: EntityMemory;
  logger: Logger;
  /** Seconds between reconnection attempts after the broker is lost. */
  reconnectSeconds?: number;
}

/**
 * Creates the Nova datasource, which reads instances and compute hosts from Nova's versioned
 * notifications on RabbitMQ, in the oslo.messaging envelope. An instance is `contained` in the nova.host named
 * by its `host` field; `instance.delete.end` deletes it; `service.update` of nova-compute reports
 * the host's state. Nova sends each change once, so the last known entities are stored and
 * returned as the listing at the next start.
 */
export function createNovaDatasource(options: NovaDatasourceOptions): Datasource {
  const { logger } = options;
  const known = new Map<string, EntityEvent>();
  let connection: ChannelModel | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let saving = Promise.resolve();

  const remember = (event: EntityEvent) => {
    const key = `${event.type}\u0000${event.id}`;
    if (event.action === "delete") {
      known.delete(key);
    } else {
      known.set(key, { ...event, action: "snapshot" });
    }
    const copy = [...known.values()];
    saving = saving
      .then(() => options.memory.save(copy))
      .catch((error: unknown) => logger.warn({ err: error }, "Nova entities could not be saved"));
  };

  const handle = (sink: DatasourceSink, channel: Channel, message: ConsumeMessage) => {
    try {
      const notification = openEnvelope(JSON.parse(message.content.toString("utf8")));
      const change =
        notification === undefined
          ? undefined
          : interpretNovaNotification(notification, new Date().toISOString());
      if (change !== undefined) {
        const event = toEntityEvent(change);
        remember(event);
        sink.update([event]);
      }
    } catch (error) {
      logger.warn({ err: error }, "Nova notification is not valid JSON; dropped");
    }
    channel.ack(message);
  };

  const connect = async (sink: DatasourceSink): Promise<void> => {
    try {
      connection = await amqplib.connect(options.url);
      connection.on("error", (error: Error) => logger.warn({ err: error }, "Nova broker error"));
      connection.on("close", () => {
        connection = undefined;
        if (!stopped) {
          logger.warn({ broker: redactUrl(options.url) }, "Nova broker connection lost");
          scheduleReconnect(sink);
        }
      });
      const channel = await connection.createChannel();
      await declareExchange(connection, options.exchange);
      await channel.assertQueue(options.queue, { durable: false, autoDelete: false });
      await channel.bindQueue(options.queue, options.exchange, options.topic);
      await channel.prefetch(64);
      await channel.consume(options.queue, (message) => {
        if (message !== null) {
          handle(sink, channel, message);
        }
      });
      logger.info(
        { broker: redactUrl(options.url), exchange: options.exchange, topic: options.topic },
        "consuming Nova notifications",
      );
    } catch (error) {
      logger.warn({ err: error, broker: redactUrl(options.url) }, "Nova broker unavailable");
      await connection?.close().catch(() => undefined);
      connection = undefined;
      scheduleReconnect(sink);
    }
  };

  const scheduleReconnect = (sink: DatasourceSink) => {
    if (stopped || retry !== undefined) {
      return;
    }
    retry = setTimeout(
      () => {
        retry = undefined;
        void connect(sink);
      },
      (options.reconnectSeconds ?? 5) * 1000,
    );
  };

  return {
    name: "nova",
    deletesVanishedEntities: false,

    async getAll() {
      const events = await options.memory.load();
      for (const event of events) {
        known.set(`${event.type}\u0000${event.id}`, event);
      }
      return events;
    },

    async start(sink: DatasourceSink) {
      stopped = false;
      await connect(sink);
    },

    async stop() {
      stopped = true;
      clearTimeout(retry);
      retry = undefined;
      await connection?.close().catch(() => undefined);
      connection = undefined;
      await saving;
    },
  };
}

/**
 * Declares Nova's topic exchange unless it exists. oslo.messaging declares it non-durable; a
 * declaration with other flags would close the channel, so an existing exchange is only checked.
 */
async function declareExchange(connection: ChannelModel, exchange: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on("error", () => undefined);
  try {
    await probe.checkExchange(exchange);
    await probe.close();
  } catch {
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, "topic", { durable: false });
    await channel.close();
  }
}

/** Turns an interpreted notification into an entity event. */
export function toEntityEvent(change: NovaChange): EntityEvent {
  if (change.kind === "host") {
    return {
      action: "update",
      datasource: "nova",
      category: "RESOURCE",
      type: "nova.host",
      id: change.host.id,
      name: change.host.id,
      state: change.host.state,
      sampleTimestamp: change.timestamp,
      properties: {},
    };
  }
  const { instance } = change;
  return {
    action: change.action,
    datasource: "nova",
    category: "RESOURCE",
    type: "nova.instance",
    id: instance.id,
    name: instance.name,
    state: instance.state,
    ...(instance.projectId === null ? {} : { projectId: instance.projectId }),
    sampleTimestamp: change.timestamp,
    properties: {
      host_id: instance.host,
      power_state: instance.properties.power_state,
      task_state: instance.properties.task_state,
    },
    relationships:
      instance.host === null
        ? []
        : [
            {
              relationshipType: "contains",
              direction: "incoming",
              neighbor: { type: "nova.host", id: instance.host },
            },
          ],
  };
}
