import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import type { PostedEvent } from "../../datasources/events/event-types.js";
import { PROMETHEUS_EVENT_TYPE } from "../../datasources/events/event-types.js";
import { rcaErrors } from "../../errors.js";
import { enforce } from "../policy.js";

/** A push datasource that takes posted events; they are offered in order until one accepts. */
export interface EventSink {
  post(event: PostedEvent): boolean;
}

/**
 * `POST /v1/event`: `{time?, type, details}` from monitors such as doctor, or an Alertmanager
 * webhook body (recognised by a User-Agent starting with `Alertmanager`, or by the type
 * `prometheus.alarm`). Returns 200 with an empty body; an event no datasource handles is logged.
 */
export function registerEventRoutes(
  app: FastifyInstance,
  dependencies: { sinks: readonly EventSink[]; policy: Pick<PolicyEnforcer, "enforce"> },
): void {
  const { sinks, policy } = dependencies;

  app.post<{ Body: Record<string, unknown> | null }>("/v1/event", async (request, reply) => {
    enforce(policy, request, "event post");
    const body = request.body;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw rcaErrors.create("EVENT_INVALID", { reason: "The event must be a JSON object" });
    }
    const userAgent = request.headers["user-agent"] ?? "";
    const prometheus = userAgent.startsWith("Alertmanager") ? PROMETHEUS_EVENT_TYPE : undefined;
    const type = typeof body.type === "string" ? body.type : prometheus;
    const details = body.details === undefined ? body : body.details;
    if (type === undefined) {
      throw rcaErrors.create("EVENT_INVALID", { reason: "The event has no type" });
    }
    if (typeof details !== "object" || details === null || Array.isArray(details)) {
      throw rcaErrors.create("EVENT_INVALID", { reason: "The event details must be an object" });
    }
    const time =
      typeof body.time === "string" && body.time !== "" ? body.time : new Date().toISOString();
    const event: PostedEvent = { time, type, details: details as Record<string, unknown> };
    const handled = sinks.some((sink) => sink.post(event));
    if (!handled) {
      request.log.info({ type }, "posted event has no datasource; ignored");
    }
    return reply.code(200).send();
  });
}
