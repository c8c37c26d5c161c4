import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { enforce, parseFlag } from "../policy.js";
import { tenantContext } from "../tenant-context.js";
import type { WebhookInput, WebhookService } from "./webhook-service.js";

/** `/v1/webhook`: register, list, show and delete webhooks. */
export function registerWebhookRoutes(
  app: FastifyInstance,
  dependencies: { webhooks: WebhookService; policy: Pick<PolicyEnforcer, "enforce"> },
): void {
  const { webhooks, policy } = dependencies;

  app.post<{ Body: WebhookInput | null }>("/v1/webhook", async (request) => {
    enforce(policy, request, "webhook add");
    return webhooks.add(request.body ?? {}, tenantContext(request.auth));
  });

  app.get<{ Querystring: { all_tenants?: string } }>("/v1/webhook", async (request) => {
    const allTenants = parseFlag(request.query.all_tenants);
    enforce(policy, request, allTenants ? "webhook list:all_tenants" : "webhook list");
    return webhooks.list(allTenants, tenantContext(request.auth));
  });

  app.get<{ Params: { id: string } }>("/v1/webhook/:id", async (request) => {
    enforce(policy, request, "webhook show");
    return webhooks.show(request.params.id, tenantContext(request.auth));
  });

  app.delete<{ Params: { id: string } }>("/v1/webhook/:id", async (request) => {
    enforce(policy, request, "webhook delete");
    return webhooks.delete(request.params.id, tenantContext(request.auth));
  });
}
