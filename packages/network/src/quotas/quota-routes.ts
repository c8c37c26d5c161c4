import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ResourceDefinition } from "../api/attributes.js";
import { parseResourceBody } from "../api/attributes.js";
import { convertToInt } from "../api/converters.js";
import type { RequestContext } from "../api/request-context.js";
import { stripJsonSuffix } from "../api/resource-controller.js";
import { isPlainObject, validateRange } from "../api/validators.js";
import { neutronError } from "../errors.js";
import type { NetworkPolicy } from "../policy/network-policy.js";
import { QUOTA_RESOURCES, type QuotaResource } from "./quota-repo.js";
import type { QuotaDefaults, QuotaService } from "./quota-service.js";

export interface QuotaRouteDependencies {
  quotas: Pick<
    QuotaService,
    "limits" | "defaults" | "details" | "listNonDefault" | "update" | "reset"
  >;
  policy: NetworkPolicy;
  context: (request: FastifyRequest) => RequestContext;
}

/** Largest value of a signed 32-bit column, the upper bound of a quota limit. */
const MAX_LIMIT = 2_147_483_647;

const quotaDefinition: ResourceDefinition = {
  singular: "quota",
  plural: "quotas",
  path: "quotas",
  attributes: Object.fromEntries(
    QUOTA_RESOURCES.map((resource) => [
      resource,
      {
        post: false,
        put: true,
        visible: true,
        convert: convertToInt,
        validate: validateRange(-1, MAX_LIMIT),
      },
    ]),
  ),
};

/**
 * Registers the quota API of the `quotas` and `quota_details` extensions. Projects read their own
 * limits. Reading another project's limits, listing, changing and resetting limits follow the
 * `get_quota`, `update_quota` and `delete_quota` rules (admin only by default).
 */
export function registerQuotaRoutes(
  app: FastifyInstance,
  dependencies: QuotaRouteDependencies,
): void {
  const { quotas, policy, context } = dependencies;
  const requireRule = (request: FastifyRequest, rule: string, projectId?: string) => {
    const caller = context(request);
    if (projectId !== undefined && projectId === caller.projectId) {
      return;
    }
    policy.enforce(caller, rule, { project_id: projectId ?? caller.projectId ?? "" });
  };
  const projectParameter = (request: FastifyRequest) =>
    stripJsonSuffix((request.params as { project: string }).project);

  for (const path of ["/v2.0/quotas", "/v2.0/quotas.json"]) {
    app.get(path, async (request) => {
      requireRule(request, "get_quota");
      return { quotas: await quotas.listNonDefault() };
    });
  }
  for (const who of ["tenant", "project"] as const) {
    app.get(`/v2.0/quotas/${who}`, async (request) => {
      const projectId = context(request).projectId;
      if (projectId === null) {
        throw neutronError("QuotaMissingTenant");
      }
      return { [who]: { [`${who}_id`]: projectId } };
    });
  }
  app.get("/v2.0/quotas/:project", async (request) => {
    const projectId = projectParameter(request);
    requireRule(request, "get_quota", projectId);
    return { quota: await quotas.limits(projectId) };
  });
  for (const suffix of ["default", "default.json"]) {
    app.get(`/v2.0/quotas/:project/${suffix}`, async (request) => {
      requireRule(request, "get_quota", projectParameter(request));
      return { quota: quotas.defaults() };
    });
  }
  for (const suffix of ["details", "details.json"]) {
    app.get(`/v2.0/quotas/:project/${suffix}`, async (request) => {
      const projectId = projectParameter(request);
      requireRule(request, "get_quota", projectId);
      return { quota: await quotas.details(projectId) };
    });
  }
  app.put("/v2.0/quotas/:project", async (request) => {
    const projectId = projectParameter(request);
    requireRule(request, "update_quota");
    const body = withoutEngineFlags(request.body);
    const [parsed] = parseResourceBody(context(request), quotaDefinition, body, false);
    const changes: Partial<QuotaDefaults> = {};
    for (const [name, value] of Object.entries(parsed?.values ?? {})) {
      if ((QUOTA_RESOURCES as string[]).includes(name)) {
        changes[name as QuotaResource] = value as number;
      }
    }
    return { quota: await quotas.update(projectId, changes) };
  });
  app.delete("/v2.0/quotas/:project", async (request, reply) => {
    const projectId = projectParameter(request);
    requireRule(request, "delete_quota");
    if (!(await quotas.reset(projectId))) {
      throw neutronError("TenantQuotaNotFound", { tenant_id: projectId });
    }
    return reply.code(204).send();
  });
  app.post("/v2.0/quotas", async () => {
    throw neutronError("HTTPMethodNotAllowed");
  });
}

/** Drops `force` and `check_limit`, which clients send to steer the quota engine. */
function withoutEngineFlags(body: unknown): unknown {
  if (!isPlainObject(body) || !isPlainObject(body.quota)) {
    return body;
  }
  const { force: _force, check_limit: _checkLimit, ...quota } = body.quota;
  return { ...body, quota };
}
