import { randomUUID } from "node:crypto";
import type { Logger, MessageBus } from "@openstack-ts/kernel";
import type { RequestContext } from "../api/request-context.js";

/** A change the service announces. */
export type ChangeAction = "create" | "update" | "delete";

/**
 * The body of every change event, published on topic `network.<resource>.<action>.end`
 * (for example `network.port.create.end`). `payload` contains the resource as the API shows it to an
 * admin, under its singular name. A delete also carries `<resource>_id`, as Neutron's notifications do.
 */
export interface ChangeEvent {
  event_type: string;
  message_id: string;
  publisher_id: string;
  timestamp: string;
  project_id: string | null;
  user_id: string | null;
  request_id: string;
  resource_type: string;
  resource_id: string;
  payload: Record<string, unknown>;
}

/** Publishes change events after the change is committed. A bus failure is logged, not raised. */
export class EventPublisher {
  readonly #bus: Pick<MessageBus, "publish">;
  readonly #logger: Logger;
  readonly #publisherId: string;
  readonly #pending = new Set<Promise<void>>();

  constructor(bus: Pick<MessageBus, "publish">, logger: Logger, publisherId: string) {
    this.#bus = bus;
    this.#logger = logger;
    this.#publisherId = publisherId;
  }

  /**
   * Sends one event without waiting for the broker: a slow or absent broker delays no API call.
   * A failure is logged with the event type and resource id.
   */
  publish(
    context: RequestContext,
    resourceType: string,
    action: ChangeAction,
    resource: Record<string, unknown>,
  ): void {
    const event = this.#build(context, resourceType, action, resource);
    const topic = `network.${event.event_type}`;
    // Starting inside then() also turns an exception thrown by publish itself into a logged failure.
    const sending = Promise.resolve()
      .then(() => this.#bus.publish(topic, event))
      .catch((error: unknown) => {
        this.#logger.error(
          { err: error, topic, resource_id: event.resource_id },
          "publishing a change event failed",
        );
      })
      .finally(() => {
        this.#pending.delete(sending);
      });
    this.#pending.add(sending);
  }

  /** Waits until every event published so far has reached the bus or failed. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  #build(
    context: RequestContext,
    resourceType: string,
    action: ChangeAction,
    resource: Record<string, unknown>,
  ): ChangeEvent {
    const resourceId = String(resource.id);
    const payload: Record<string, unknown> = { [resourceType]: resource };
    if (action === "delete") {
      payload[`${resourceType}_id`] = resourceId;
    }
    return {
      event_type: `${resourceType}.${action}.end`,
      message_id: randomUUID(),
      publisher_id: this.#publisherId,
      timestamp: new Date().toISOString(),
      project_id: typeof resource.project_id === "string" ? resource.project_id : context.projectId,
      user_id: context.userId,
      request_id: context.requestId,
      resource_type: resourceType,
      resource_id: resourceId,
      payload,
    };
  }
}
