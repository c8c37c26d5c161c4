import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { rcaErrors } from "../../errors.js";
import {
  TemplateNotFoundError,
  TemplateRequestError,
  type TemplateService,
  type TemplateUpload,
} from "../../templates/template-service.js";
import { enforce } from "../policy.js";

interface TemplateBody {
  templates?: unknown;
  template_type?: unknown;
  params?: unknown;
  overwrite?: unknown;
  uuid?: unknown;
  id?: unknown;
}

/**
 * `/v1/template`: `GET` lists, `GET /{uuid or name}` shows, `POST` validates, `PUT` adds and
 * `DELETE` deletes templates, over the core's template service.
 */
export function registerTemplateRoutes(
  app: FastifyInstance,
  dependencies: { templates: TemplateService; policy: Pick<PolicyEnforcer, "enforce"> },
): void {
  const { templates, policy } = dependencies;

  app.get("/v1/template", async (request) => {
    enforce(policy, request, "template list");
    return templates.list();
  });

  app.get("/v1/template/versions", async () => templates.versions());

  app.get<{ Params: { id: string } }>("/v1/template/:id", async (request) => {
    enforce(policy, request, "template show");
    try {
      return await templates.show(request.params.id);
    } catch (error) {
      if (error instanceof TemplateNotFoundError) {
        throw rcaErrors.create("TEMPLATE_NOT_FOUND");
      }
      throw error;
    }
  });

  app.post<{ Body: TemplateBody | null }>("/v1/template", async (request) => {
    enforce(policy, request, "template validate");
    const body = request.body ?? {};
    const entries = uploads(body.templates);
    const validation = await translateRequestErrors(() =>
      templates.validate(entries, templateType(body.template_type), params(body.params)),
    );
    return {
      results: validation.results.map((result, index) =>
        entries[index]?.[0] === "" && pathless(body.templates, index)
          ? { ...result, "file path": null }
          : result,
      ),
    };
  });

  app.put<{ Body: TemplateBody | null }>("/v1/template", async (request) => {
    enforce(policy, request, "template add");
    const body = request.body ?? {};
    if (!("template_type" in body)) {
      throw rcaErrors.create("TEMPLATE_INVALID_REQUEST", {
        reason: "Missing field template_type (it may be null)",
      });
    }
    return translateRequestErrors(() =>
      templates.add(
        uploads(body.templates),
        templateType(body.template_type),
        params(body.params),
        {
          overwrite: body.overwrite === true || body.overwrite === "true",
        },
      ),
    );
  });

  app.delete<{ Body: TemplateBody | null }>("/v1/template", async (request, reply) => {
    enforce(policy, request, "template delete");
    const body = request.body ?? {};
    const ids = body.uuid ?? body.id;
    const list = Array.isArray(ids) ? ids : [ids];
    if (ids === undefined || ids === null || !list.every((id) => typeof id === "string")) {
      throw rcaErrors.create("TEMPLATE_INVALID_REQUEST", {
        reason: "Missing field uuid: a template uuid or name, or a list of them",
      });
    }
    await templates.delete(list as string[]);
    return reply.type("application/json").send("null");
  });
}

/**
 * Reads the `[path, template]` pairs. The client library sends a null path for a template given
 * as a string (its `template_str` argument, which tempest uses). The template service takes text
 * paths, so a null path becomes "", and validation results report it as null again, as upstream
 * does.
 */
function uploads(value: unknown): TemplateUpload[] {
  if (!Array.isArray(value)) {
    throw rcaErrors.create("TEMPLATE_INVALID_REQUEST", {
      reason: "templates must be a list of [path, template] pairs",
    });
  }
  return value.map((entry: unknown) =>
    Array.isArray(entry) && entry.length === 2 && entry[0] === null
      ? (["", entry[1]] as const)
      : (entry as TemplateUpload),
  );
}

function pathless(value: unknown, index: number): boolean {
  const entry = Array.isArray(value) ? (value[index] as unknown) : undefined;
  return Array.isArray(entry) && entry[0] === null;
}

function templateType(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function params(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

async function translateRequestErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof TemplateRequestError) {
      throw rcaErrors.create("TEMPLATE_INVALID_REQUEST", { reason: error.message });
    }
    throw error;
  }
}
