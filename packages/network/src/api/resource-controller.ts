import type { ApiError } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { badRequest, neutronError } from "../errors.js";
import type { NetworkPolicy, PolicyExtras } from "../policy/network-policy.js";
import {
  type AttributeSpec,
  NOT_SPECIFIED,
  type ParsedItem,
  parseResourceBody,
  type ResourceDefinition,
} from "./attributes.js";
import {
  type ListQuery,
  type ListQueryOptions,
  paginationLinks,
  parseListQuery,
} from "./list-query.js";
import { selectFields } from "./render.js";
import type { RequestContext } from "./request-context.js";

/** An item as the API shows it. */
export type ResourceItem = Record<string, unknown> & { id: string };

/**
 * Operations a resource implements behind the generic REST controller. `show` and `list` limit rows
 * to those the caller's project may read, and the controller applies the policy rules.
 */
export interface ResourceService {
  readonly definition: ResourceDefinition;
  create(context: RequestContext, items: ParsedItem[]): Promise<ResourceItem[]>;
  show(context: RequestContext, id: string): Promise<ResourceItem>;
  list(context: RequestContext, query: ListQuery): Promise<ResourceItem[]>;
  update(
    context: RequestContext,
    id: string,
    changes: ParsedItem,
    original: ResourceItem,
  ): Promise<ResourceItem>;
  remove(context: RequestContext, id: string, original: ResourceItem): Promise<void>;
  /**
   * Related facts the policy rules need (the parent network, the group's owner). On create it also
   * checks, as Neutron does before any policy, that the caller may use the parent resource.
   */
  policyExtras(
    context: RequestContext,
    item: Record<string, unknown>,
    action: "create" | "get" | "update" | "delete",
  ): Promise<PolicyExtras>;
}

/** Application parts the controller uses. */
export interface ControllerDependencies {
  policy: NetworkPolicy;
  context: (request: FastifyRequest) => RequestContext;
  baseUrl: (request: FastifyRequest) => string;
  listOptions: ListQueryOptions;
}

/** Removes the `.json` suffix Neutron accepts after a resource id or a collection. */
export function stripJsonSuffix(value: string): string {
  return value.endsWith(".json") ? value.slice(0, -5) : value;
}

/**
 * Registers the five REST operations of a resource under `/v2.0/<path>`: list, create (single or
 * bulk), show, update and delete, each also reachable with a `.json` suffix. Other methods on these
 * paths get 405.
 */
export function registerResourceRoutes(
  app: FastifyInstance,
  service: ResourceService,
  dependencies: ControllerDependencies,
): void {
  const controller = new ResourceController(service, dependencies);
  const { path } = service.definition;
  for (const collection of [`/v2.0/${path}`, `/v2.0/${path}.json`]) {
    app.get(collection, (request, reply) => controller.list(request, reply));
    app.post(collection, (request, reply) => controller.create(request, reply));
    app.route({
      method: ["PUT", "DELETE", "PATCH"],
      url: collection,
      handler: async () => {
        throw neutronError("HTTPMethodNotAllowed");
      },
    });
  }
  const member = `/v2.0/${path}/:id`;
  app.get(member, (request, reply) => controller.show(request, reply));
  app.put(member, (request, reply) => controller.update(request, reply));
  app.delete(member, (request, reply) => controller.remove(request, reply));
  app.route({
    method: ["POST", "PATCH"],
    url: member,
    handler: async () => {
      throw neutronError("HTTPMethodNotAllowed");
    },
  });
}

class ResourceController {
  readonly #service: ResourceService;
  readonly #dependencies: ControllerDependencies;
  readonly #enforced: string[];

  constructor(service: ResourceService, dependencies: ControllerDependencies) {
    this.#service = service;
    this.#dependencies = dependencies;
    this.#enforced = Object.entries(service.definition.attributes)
      .filter(([, spec]) => spec.enforcePolicy === true)
      .map(([name]) => name);
  }

  get #singular(): string {
    return this.#service.definition.singular;
  }

  get #plural(): string {
    return this.#service.definition.plural;
  }

  async list(request: FastifyRequest, reply: FastifyReply) {
    const context = this.#dependencies.context(request);
    const search = searchParameters(request);
    const query = parseListQuery(this.#service.definition, search, this.#dependencies.listOptions);
    const items = await this.#service.list(context, query);
    const visible: Record<string, unknown>[] = [];
    for (const item of items) {
      const extras = await this.#service.policyExtras(context, item, "get");
      if (!this.#dependencies.policy.check(context, `get_${this.#singular}`, item, extras)) {
        continue;
      }
      visible.push(selectFields(this.#filtered(context, item, extras), query.fields));
    }
    const body: Record<string, unknown> = { [this.#plural]: visible };
    const links = paginationLinks(this.#collectionUrl(request), search, query, items);
    if (links.length > 0) {
      body[`${this.#plural}_links`] = links;
    }
    return reply.send(body);
  }

  async show(request: FastifyRequest, reply: FastifyReply) {
    const context = this.#dependencies.context(request);
    const id = memberId(request);
    const item = await this.#service.show(context, id);
    const extras = await this.#service.policyExtras(context, item, "get");
    if (!this.#dependencies.policy.check(context, `get_${this.#singular}`, item, extras)) {
      throw this.#notFound();
    }
    const fields = searchParameters(request)
      .getAll("fields")
      .filter((field) => field !== "");
    return reply.send({
      [this.#singular]: selectFields(this.#filtered(context, item, extras), fields),
    });
  }

  async create(request: FastifyRequest, reply: FastifyReply) {
    const context = this.#dependencies.context(request);
    const parsed = parseResourceBody(context, this.#service.definition, request.body, true);
    for (const item of parsed) {
      const extras = await this.#service.policyExtras(context, item.values, "create");
      this.#dependencies.policy.enforce(context, `create_${this.#singular}`, item.values, extras, {
        enforced: this.#enforced,
        explicit: explicitlySet(item, this.#service.definition.attributes),
      });
    }
    const created = await this.#service.create(context, parsed);
    const rendered: Record<string, unknown>[] = [];
    for (const item of created) {
      const extras = await this.#service.policyExtras(context, item, "get");
      rendered.push(this.#filtered(context, item, extras));
    }
    const isBulk = isBulkBody(request.body, this.#service.definition);
    reply.code(201);
    return reply.send(isBulk ? { [this.#plural]: rendered } : { [this.#singular]: rendered[0] });
  }

  async update(request: FastifyRequest, reply: FastifyReply) {
    const context = this.#dependencies.context(request);
    const id = memberId(request);
    const [changes] = parseResourceBody(context, this.#service.definition, request.body, false);
    const original = await this.#service.show(context, id);
    const target = { ...original, ...(changes as ParsedItem).values };
    const extras = await this.#service.policyExtras(context, target, "update");
    this.#authorize(context, `update_${this.#singular}`, target, extras, original, {
      enforced: this.#enforced,
      explicit: (changes as ParsedItem).explicit,
    });
    const updated = await this.#service.update(context, id, changes as ParsedItem, original);
    const shownExtras = await this.#service.policyExtras(context, updated, "get");
    return reply.send({ [this.#singular]: this.#filtered(context, updated, shownExtras) });
  }

  async remove(request: FastifyRequest, reply: FastifyReply) {
    const context = this.#dependencies.context(request);
    const id = memberId(request);
    if (hasBody(request)) {
      throw badRequest("Request body is not supported in DELETE.");
    }
    const original = await this.#service.show(context, id);
    const extras = await this.#service.policyExtras(context, original, "delete");
    this.#authorize(context, `delete_${this.#singular}`, original, extras, original);
    await this.#service.remove(context, id, original);
    return reply.code(204).send();
  }

  /**
   * Enforces an update or delete rule. A caller who may not even read the item gets 404, so its
   * existence stays hidden; one who may read it gets 403.
   */
  #authorize(
    context: RequestContext,
    action: string,
    target: Record<string, unknown>,
    extras: PolicyExtras,
    original: ResourceItem,
    attributes?: { enforced: string[]; explicit: ReadonlySet<string> },
  ): void {
    const policy = this.#dependencies.policy;
    if (policy.check(context, action, target, extras, attributes)) {
      return;
    }
    if (!policy.check(context, `get_${this.#singular}`, original, extras)) {
      throw this.#notFound();
    }
    policy.enforce(context, action, target, extras, attributes);
  }

  #filtered(
    context: RequestContext,
    item: Record<string, unknown>,
    extras: PolicyExtras,
  ): Record<string, unknown> {
    const visible = visibleAttributes(item, this.#service.definition.attributes);
    return this.#dependencies.policy.filterAttributes(context, this.#singular, visible, extras);
  }

  #notFound(): ApiError {
    return neutronError("HTTPNotFound");
  }

  #collectionUrl(request: FastifyRequest): string {
    return `${this.#dependencies.baseUrl(request)}/v2.0/${this.#service.definition.path}`;
  }
}

/** Attributes a response may carry: visible ones, plus any the resource adds outside the map. */
function visibleAttributes(
  item: Record<string, unknown>,
  attributes: Record<string, AttributeSpec>,
): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (attributes[name]?.visible === false) {
      continue;
    }
    shown[name] = value;
  }
  return shown;
}

/**
 * Attributes set explicitly on create, as Neutron's policy engine counts them: present in the body
 * with a value different from the attribute's default.
 */
function explicitlySet(
  item: ParsedItem,
  attributes: Record<string, AttributeSpec>,
): ReadonlySet<string> {
  const explicit = new Set<string>();
  for (const name of item.explicit) {
    const spec = attributes[name];
    const value = item.values[name];
    if (value === NOT_SPECIFIED) {
      continue;
    }
    if (spec !== undefined && "default" in spec && sameValue(value, spec.default)) {
      continue;
    }
    explicit.add(name);
  }
  return explicit;
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

function isBulkBody(body: unknown, definition: ResourceDefinition): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    definition.plural in body &&
    !(definition.singular in body)
  );
}

function memberId(request: FastifyRequest): string {
  return stripJsonSuffix((request.params as { id: string }).id);
}

/** Returns the query parameters with repeated keys kept, as Neutron reads them. */
export function searchParameters(request: FastifyRequest): URLSearchParams {
  const question = request.url.indexOf("?");
  return new URLSearchParams(question < 0 ? "" : request.url.slice(question + 1));
}

function hasBody(request: FastifyRequest): boolean {
  const body = request.body;
  if (body === undefined || body === null) {
    return false;
  }
  return !(typeof body === "object" && Object.keys(body).length === 0);
}
