import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import { DEFAULT_DOMAIN_ID } from "../domains/domain-types.js";
import { invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { ProjectService } from "./project-service.js";
import type { Project } from "./project-types.js";

const KNOWN = [
  "name",
  "domain_id",
  "description",
  "enabled",
  "parent_id",
  "is_domain",
  "tags",
  "options",
] as const;
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "\\S" });
const Description = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 255, pattern: "^[^,/]*$" }), {
  maxItems: 80,
});
const Id = Type.String({ minLength: 1, maxLength: 64 });

const CreateProjectSchema = Type.Object({
  project: Type.Object({
    name: Name,
    domain_id: Type.Optional(Type.Union([Id, Type.Null()])),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
    parent_id: Type.Optional(Type.Union([Id, Type.Null()])),
    is_domain: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Tags),
    options: Type.Optional(Type.Object({})),
  }),
});

const UpdateProjectSchema = Type.Object({
  project: Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      enabled: Type.Optional(Type.Boolean()),
      tags: Type.Optional(Tags),
      options: Type.Optional(Type.Object({})),
    },
    { minProperties: 1 },
  ),
});

/** Renders a project as Keystone does; a top-level project names its domain as its parent. */
export function renderProject(project: Project, linker: Linker, request: FastifyRequest) {
  return {
    ...project.extra,
    id: project.id,
    name: project.name,
    domain_id: project.domainId,
    description: project.description,
    enabled: project.enabled,
    parent_id: project.parentId ?? project.domainId,
    is_domain: false,
    tags: project.tags,
    options: {},
    links: { self: linker.v3(request, `/projects/${project.id}`) },
  };
}

export interface ProjectRouteDependencies {
  projects: ProjectService;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/projects`: create, read, update, delete and list projects. */
export function registerProjectRoutes(
  app: FastifyInstance,
  dependencies: ProjectRouteDependencies,
) {
  const { projects, linker, authorize } = dependencies;
  const render = (project: Project, request: FastifyRequest) =>
    renderProject(project, linker, request);

  app.get("/v3/projects", async (request) => {
    authorize(request, "identity:list_projects");
    const list =
      queryBoolean(request, "is_domain") === true
        ? []
        : await projects.list({
            name: queryValue(request, "name"),
            domainId: queryValue(request, "domain_id"),
            enabled: queryBoolean(request, "enabled"),
            parentId: queryValue(request, "parent_id"),
          });
    return {
      projects: list.map((project) => render(project, request)),
      links: linker.collection(request),
    };
  });

  app.post("/v3/projects", async (request, reply) => {
    authorize(request, "identity:create_project");
    const { project: input } = parseBody(CreateProjectSchema, request.body);
    if (input.is_domain === true) {
      throw invalidRequest("Projects that act as domains (is_domain: true) are not supported.");
    }
    const project = await projects.create({
      name: input.name,
      domainId: input.domain_id ?? callerDomain(request),
      description: input.description ?? "",
      enabled: input.enabled,
      parentId: input.parent_id,
      tags: input.tags,
      extra: extraAttributes(input, KNOWN),
    });
    return reply.code(201).send({ project: render(project, request) });
  });

  app.get("/v3/projects/:project_id", async (request) => {
    const id = param(request, "project_id");
    authorize(request, "identity:get_project", { project_id: id, target: { project: { id } } });
    return { project: render(await projects.get(id), request) };
  });

  app.patch("/v3/projects/:project_id", async (request) => {
    const id = param(request, "project_id");
    authorize(request, "identity:update_project", { project_id: id, target: { project: { id } } });
    const { project: input } = parseBody(UpdateProjectSchema, request.body);
    const extra = extraAttributes(input, KNOWN);
    const project = await projects.update(id, {
      name: input.name,
      description: input.description === null ? "" : input.description,
      enabled: input.enabled,
      tags: input.tags,
      extra: Object.keys(extra).length === 0 ? undefined : extra,
    });
    return { project: render(project, request) };
  });

  app.delete("/v3/projects/:project_id", async (request, reply) => {
    const id = param(request, "project_id");
    authorize(request, "identity:delete_project", { project_id: id, target: { project: { id } } });
    await projects.delete(id);
    return reply.code(204).send();
  });
}

/** Domain of a new project or user given without one: the caller's domain, else `default`. */
export function callerDomain(request: FastifyRequest): string {
  return request.auth.domainId ?? request.auth.projectDomainId ?? DEFAULT_DOMAIN_ID;
}
