import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { cleanPage, type PagingLimits, pageLinks } from "../api/paging.js";
import { parseJsonBody, queryValue, requireMediaType } from "../api/request-body.js";
import { errors } from "../errors.js";
import type { Authorizer } from "../policy/authorizer.js";
import { checkJson, type JsonRule } from "../validation/json-checks.js";
import type { QuotasService } from "./quotas-service.js";
import { QUOTA_RESOURCES, type QuotaValues } from "./quotas-types.js";

export interface QuotaRoutesDependencies {
  quotas: QuotasService;
  authorizer: Authorizer;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
}

const MAX_PROJECT_ID_LENGTH = 255;

/** Largest value an integer column holds on every dialect. */
const MAX_QUOTA = 2_147_483_647;
const MIN_QUOTA = -2_147_483_648;

/** Upstream's `Project Quota` schema. */
const PROJECT_QUOTA_RULE: JsonRule = {
  types: ["object"],
  properties: [
    [
      "project_quotas",
      {
        types: ["object"],
        properties: QUOTA_RESOURCES.map((resource) => [resource, { types: ["integer"] }]),
        additionalProperties: false,
      },
    ],
  ],
  required: ["project_quotas"],
  additionalProperties: false,
};

type ProjectParams = { Params: { project_id: string } };

/** Registers `/v1/quotas` and `/v1/project-quotas[/{project_id}]`. */
export function registerQuotaRoutes(app: FastifyInstance, dependencies: QuotaRoutesDependencies) {
  const { quotas, authorizer, hrefs } = dependencies;

  app.get("/v1/quotas", async (request) => {
    authorizer.authorize(request.auth, "quotas:get", "Quotas");
    return { quotas: await quotas.effective(request.auth.projectId ?? "") };
  });
  rejectOtherMethods(app, "/v1/quotas", ["GET"]);

  app.get("/v1/project-quotas", async (request) => {
    authorizer.authorize(request.auth, "project_quotas:get", "Project Quotas");
    const page = cleanPage(
      queryValue(request, "offset"),
      queryValue(request, "limit"),
      dependencies.paging,
    );
    const { records, total } = await quotas.list(page);
    const project_quotas = records.map((record) => ({
      project_id: record.projectId,
      project_quotas: record.quotas,
    }));
    if (project_quotas.length === 0) {
      return { project_quotas, total };
    }
    const links = pageLinks(`${baseUrlFor(hrefs, request)}/v1/project-quotas`, page, total, "");
    return { project_quotas, ...links, total };
  });
  rejectOtherMethods(app, "/v1/project-quotas", ["GET"]);

  const item = "/v1/project-quotas/:project_id";
  app.get<ProjectParams>(item, async (request) => {
    authorizer.authorize(request.auth, "project_quotas:get", "Project Quotas");
    return { project_quotas: await quotas.projectQuotas(request.params.project_id) };
  });

  app.put<ProjectParams>(item, async (request, reply) => {
    authorizer.authorize(request.auth, "project_quotas:put", "Project Quotas");
    requireMediaType(request, ["application/json"]);
    // Project ids are stored as varchar(255); a longer one can have no quotas.
    if (request.params.project_id.length > MAX_PROJECT_ID_LENGTH) {
      throw errors.create("INVALID_PROJECT_ID");
    }
    await quotas.save(request.params.project_id, parseQuotaBody(request, dependencies));
    return reply.code(204).send();
  });

  app.delete<ProjectParams>(item, async (request, reply) => {
    authorizer.authorize(request.auth, "project_quotas:delete", "Project Quotas");
    await quotas.delete(request.params.project_id);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, item, ["GET", "PUT", "DELETE"]);
}

/** Parses a `PUT /v1/project-quotas/{id}` body; an empty body is "No data supplied". */
function parseQuotaBody(
  request: FastifyRequest,
  dependencies: QuotaRoutesDependencies,
): Partial<QuotaValues> {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    throw errors.create("NO_DATA", { operation: "Project Quotas" });
  }
  const body = parseJsonBody(request, dependencies.maxRequestBytes);
  checkJson(body, "Project Quota", PROJECT_QUOTA_RULE);
  const values = (body as { project_quotas: Partial<QuotaValues> }).project_quotas;
  for (const [resource, value] of Object.entries(values)) {
    if (typeof value === "number" && (value > MAX_QUOTA || value < MIN_QUOTA)) {
      throw errors.create("INVALID_OBJECT", {
        schema: "Project Quota",
        reason: `${value} is outside the range ${MIN_QUOTA}..${MAX_QUOTA}`,
        property: resource,
      });
    }
  }
  return values;
}
