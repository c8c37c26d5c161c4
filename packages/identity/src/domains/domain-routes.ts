import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { extraAttributes } from "../common/extras.js";
import { type Linker, param, queryBoolean, queryValue } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { DomainService } from "./domain-service.js";
import type { Domain } from "./domain-types.js";

const KNOWN = ["name", "description", "enabled"] as const;
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "\\S" });
const Description = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);

const CreateDomainSchema = Type.Object({
  domain: Type.Object({
    name: Name,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  }),
});

const UpdateDomainSchema = Type.Object({
  domain: Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      enabled: Type.Optional(Type.Boolean()),
    },
    { minProperties: 1 },
  ),
});

/** Renders a domain as Keystone does, with its extra attributes and a self link. */
export function renderDomain(domain: Domain, linker: Linker, request: FastifyRequest) {
  return {
    ...domain.extra,
    id: domain.id,
    name: domain.name,
    description: domain.description,
    enabled: domain.enabled,
    tags: [],
    options: {},
    links: { self: linker.v3(request, `/domains/${domain.id}`) },
  };
}

export interface DomainRouteDependencies {
  domains: DomainService;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/domains`: create, read, update, delete and list domains. */
export function registerDomainRoutes(app: FastifyInstance, dependencies: DomainRouteDependencies) {
  const { domains, linker, authorize } = dependencies;
  const render = (domain: Domain, request: FastifyRequest) => renderDomain(domain, linker, request);

  app.get("/v3/domains", async (request) => {
    authorize(request, "identity:list_domains");
    const list = await domains.list({
      name: queryValue(request, "name"),
      enabled: queryBoolean(request, "enabled"),
    });
    return {
      domains: list.map((domain) => render(domain, request)),
      links: linker.collection(request),
    };
  });

  app.post("/v3/domains", async (request, reply) => {
    authorize(request, "identity:create_domain");
    const { domain: input } = parseBody(CreateDomainSchema, request.body);
    const domain = await domains.create({
      name: input.name,
      description: input.description ?? "",
      enabled: input.enabled,
      extra: extraAttributes(input, KNOWN),
    });
    return reply.code(201).send({ domain: render(domain, request) });
  });

  app.get("/v3/domains/:domain_id", async (request) => {
    const id = param(request, "domain_id");
    authorize(request, "identity:get_domain", { domain_id: id, target: { domain: { id } } });
    return { domain: render(await domains.get(id), request) };
  });

  app.patch("/v3/domains/:domain_id", async (request) => {
    const id = param(request, "domain_id");
    authorize(request, "identity:update_domain", { domain_id: id, target: { domain: { id } } });
    const { domain: input } = parseBody(UpdateDomainSchema, request.body);
    const extra = extraAttributes(input, KNOWN);
    const domain = await domains.update(id, {
      name: input.name,
      description: input.description === null ? "" : input.description,
      enabled: input.enabled,
      extra: Object.keys(extra).length === 0 ? undefined : extra,
    });
    return { domain: render(domain, request) };
  });

  app.delete("/v3/domains/:domain_id", async (request, reply) => {
    const id = param(request, "domain_id");
    authorize(request, "identity:delete_domain", { domain_id: id, target: { domain: { id } } });
    await domains.delete(id);
    return reply.code(204).send();
  });
}
