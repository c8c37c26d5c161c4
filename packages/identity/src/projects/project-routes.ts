import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import { DEFAULT_DOMAIN_ID } from "../domains/domain-types.js";
import { invalidRequest } from "../errors.js";
import type { Authorize } from "../policy/identity-policy.js";
import { MAX_TAGS, type ProjectService } from "./project-service.js";
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
const Tag = Type.String({ minLength: 1, maxLength: 255, pattern: "^[^,/]*$" });
const Tags = Type.Array(Tag, { maxItems: MAX_TAGS });
const ReplaceTagsSchema = Type.Object({ tags: Tags });
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
            tags: tagList(request, "tags"),
            tagsAny: tagList(request, "tags-any"),
            notTags: tagList(request, "not-tags"),
            notTagsAny: tagList(request, "not-tags-any"),
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

  registerTagRoutes(app, dependencies);
}

/** `/v3/projects/{id}/tags`: a project's tags as a resource of their own. */
function registerTagRoutes(app: FastifyInstance, dependencies: ProjectRouteDependencies) {
  const { projects, linker, authorize } = dependencies;
  const target = (request: FastifyRequest) => {
    const id = param(request, "project_id");
    return { project_id: id, target: { project: { id } } };
  };
  const tagParam = (request: FastifyRequest) => {
    const tag = param(request, "tag");
    if (tag === "" || tag.length > 255 || tag.includes(",") || tag.includes("/")) {
      throw invalidRequest(`Invalid tag "${tag}": use 1 to 255 characters without "," or "/".`);
    }
    return tag;
  };

  app.get("/v3/projects/:project_id/tags", async (request) => {
    authorize(request, "identity:list_project_tags", target(request));
    const project = await projects.get(param(request, "project_id"));
    return { tags: project.tags, links: linker.collection(request) };
  });

  app.put("/v3/projects/:project_id/tags", async (request) => {
    authorize(request, "identity:update_project_tags", target(request));
    const { tags } = parseBody(ReplaceTagsSchema, request.body);
    return { tags: await projects.setTags(param(request, "project_id"), tags) };
  });

  app.delete("/v3/projects/:project_id/tags", async (request, reply) => {
    authorize(request, "identity:delete_project_tags", target(request));
    await projects.setTags(param(request, "project_id"), []);
    return reply.code(204).send();
  });

  app.get("/v3/projects/:project_id/tags/:tag", async (request, reply) => {
    authorize(request, "identity:get_project_tag", target(request));
    await projects.checkTag(param(request, "project_id"), tagParam(request));
    return reply.code(204).send();
  });

  app.put("/v3/projects/:project_id/tags/:tag", async (request, reply) => {
    authorize(request, "identity:create_project_tag", target(request));
    const id = param(request, "project_id");
    const tag = tagParam(request);
    await projects.addTag(id, tag);
    const location = linker.v3(request, `/projects/${id}/tags/${encodeURIComponent(tag)}`);
    return reply.code(201).header("location", location).send();
  });

  app.delete("/v3/projects/:project_id/tags/:tag", async (request, reply) => {
    authorize(request, "identity:delete_project_tag", target(request));
    await projects.removeTag(param(request, "project_id"), tagParam(request));
    return reply.code(204).send();
  });
}

/** Reads a comma-separated tag filter such as `?tags-any=a,b`. */
function tagList(request: FastifyRequest, name: string): string[] | undefined {
  const value = queryValue(request, name);
  if (value === undefined) {
    return undefined;
  }
  return value.split(",").filter((tag) => tag !== "");
}

/** Domain of a new project or user given without one: the caller's domain, else `default`. */
export function callerDomain(request: FastifyRequest): string {
  return request.auth.domainId ?? request.auth.projectDomainId ?? DEFAULT_DOMAIN_ID;
}
