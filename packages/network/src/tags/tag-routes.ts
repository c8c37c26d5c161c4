import { ApiError, nowTimestamp } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sql } from "kysely";
import type { RequestContext } from "../api/request-context.js";
import { type ResourceService, stripJsonSuffix } from "../api/resource-controller.js";
import { isPlainObject, validateListOfUniqueStrings, validateString } from "../api/validators.js";
import type { TaggedCollection } from "../db/schema.js";
import type { NetworkStore } from "../db/transaction.js";
import { invalidInput, neutronError } from "../errors.js";
import type { NetworkPolicy } from "../policy/network-policy.js";
import { addTag, loadTags, removeTag, replaceTags } from "./tag-repo.js";

/** A taggable resource: its collection, table and service. */
export interface TaggedResource {
  collection: TaggedCollection;
  table:
    | "net_networks"
    | "net_subnets"
    | "net_subnetpools"
    | "net_ports"
    | "net_security_groups"
    | "net_routers"
    | "net_floatingips";
  service: ResourceService;
}

export interface TagRouteDependencies {
  store: Pick<NetworkStore, "db" | "writeTransaction">;
  policy: NetworkPolicy;
  context: (request: FastifyRequest) => RequestContext;
}

const MAX_TAG_LENGTH = 255;

/**
 * Registers the tag API of the `standard-attr-tag` extension for one resource:
 * `GET/PUT/DELETE /v2.0/<path>/<id>/tags` and `GET/PUT/DELETE /v2.0/<path>/<id>/tags/<tag>`.
 * Reading tags needs the resource to be visible; changing them needs the resource's update rule.
 * A change raises the resource's revision number.
 */
export function registerTagRoutes(
  app: FastifyInstance,
  resource: TaggedResource,
  dependencies: TagRouteDependencies,
): void {
  const base = `/v2.0/${resource.service.definition.path}/:id/tags`;
  const tags = new TagController(resource, dependencies);
  app.get(base, async (request) => ({ tags: await tags.list(request) }));
  app.put(base, async (request) => ({ tags: await tags.replace(request) }));
  app.delete(base, async (request, reply) => {
    await tags.clear(request);
    return reply.code(204).send();
  });
  app.post(base, async () => {
    throw neutronError("HTTPNotFound");
  });
  app.get(`${base}/:tag`, async (request, reply) => {
    await tags.check(request);
    return reply.code(204).send();
  });
  app.put(`${base}/:tag`, async (request, reply) => {
    await tags.add(request);
    return reply.code(201).send();
  });
  app.delete(`${base}/:tag`, async (request, reply) => {
    await tags.remove(request);
    return reply.code(204).send();
  });
}

class TagController {
  readonly #resource: TaggedResource;
  readonly #deps: TagRouteDependencies;

  constructor(resource: TaggedResource, dependencies: TagRouteDependencies) {
    this.#resource = resource;
    this.#deps = dependencies;
  }

  async list(request: FastifyRequest): Promise<string[]> {
    const id = await this.#visibleId(request);
    return (await loadTags(this.#deps.store.db, this.#resource.collection, [id])).get(id) ?? [];
  }

  async check(request: FastifyRequest): Promise<void> {
    const tag = tagParameter(request);
    const tags = await this.list(request);
    if (!tags.includes(tag)) {
      throw neutronError("TagNotFound", { tag });
    }
  }

  async replace(request: FastifyRequest): Promise<string[]> {
    const body = request.body;
    if (!isPlainObject(body) || !("tags" in body)) {
      throw invalidInput("Invalid tags body");
    }
    const message = validateListOfUniqueStrings(MAX_TAG_LENGTH)(body.tags);
    if (message !== undefined) {
      throw invalidInput(message);
    }
    const id = await this.#modifiableId(request);
    const tags = body.tags as string[];
    await this.#change(id, (trx) =>
      replaceTags(trx, this.#resource.collection, id, tags).then(() => true),
    );
    return tags;
  }

  async clear(request: FastifyRequest): Promise<void> {
    const id = await this.#modifiableId(request);
    await this.#change(id, (trx) =>
      replaceTags(trx, this.#resource.collection, id, []).then(() => true),
    );
  }

  async add(request: FastifyRequest): Promise<void> {
    const tag = tagParameter(request);
    const id = await this.#modifiableId(request);
    await this.#change(id, (trx) => addTag(trx, this.#resource.collection, id, tag));
  }

  async remove(request: FastifyRequest): Promise<void> {
    const tag = tagParameter(request);
    const id = await this.#modifiableId(request);
    const removed = await this.#change(id, (trx) =>
      removeTag(trx, this.#resource.collection, id, tag),
    );
    if (!removed) {
      throw neutronError("TagNotFound", { tag });
    }
  }

  /** Runs a tag change and raises the resource's revision when it changed something. */
  async #change(
    id: string,
    work: (trx: Parameters<Parameters<NetworkStore["writeTransaction"]>[0]>[0]) => Promise<boolean>,
  ): Promise<boolean> {
    return this.#deps.store.writeTransaction(async (trx) => {
      const changed = await work(trx);
      if (changed) {
        await sql`update ${sql.table(this.#resource.table)} set revision_number = revision_number + 1, updated_at = ${nowTimestamp()} where id = ${id}`.execute(
          trx,
        );
      }
      return changed;
    });
  }

  async #visibleId(request: FastifyRequest): Promise<string> {
    const context = this.#deps.context(request);
    const id = stripJsonSuffix((request.params as { id: string }).id);
    await this.#visibleItem(context, id);
    return id;
  }

  async #modifiableId(request: FastifyRequest): Promise<string> {
    const context = this.#deps.context(request);
    const id = stripJsonSuffix((request.params as { id: string }).id);
    const item = await this.#visibleItem(context, id);
    const singular = this.#resource.service.definition.singular;
    const extras = await this.#resource.service.policyExtras(context, item, "update");
    this.#deps.policy.enforce(context, `update_${singular}`, item, extras);
    return id;
  }

  async #visibleItem(context: RequestContext, id: string) {
    try {
      return await this.#resource.service.show(context, id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        throw neutronError("TagResourceNotFound", {
          resource: this.#resource.collection,
          resource_id: id,
        });
      }
      throw error;
    }
  }
}

function tagParameter(request: FastifyRequest): string {
  const tag = (request.params as { tag: string }).tag;
  const message = validateString(MAX_TAG_LENGTH)(tag);
  if (message !== undefined) {
    throw invalidInput(message);
  }
  return tag;
}
