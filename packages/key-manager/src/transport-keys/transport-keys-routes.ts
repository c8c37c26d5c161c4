import { randomUUID } from "node:crypto";
import { isoSeconds, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { cleanPage, type PagingLimits, pageLinks } from "../api/paging.js";
import { parseJsonBody, queryValue, requireMediaType } from "../api/request-body.js";
import { errors } from "../errors.js";
import type { Authorizer } from "../policy/authorizer.js";
import { invalidObject } from "../secrets/secret-validation.js";
import { isUuidV4 } from "../validation/ids.js";
import { checkJson, type JsonRule } from "../validation/json-checks.js";
import type { TransportKeyRecord, TransportKeysRepo } from "./transport-keys-repo.js";

export interface TransportKeyRoutesDependencies {
  repo: TransportKeysRepo;
  authorizer: Authorizer;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
  logger: Logger;
}

/** Upstream's `Transport Key` schema; both fields must also be non-blank. */
const TRANSPORT_KEY_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["plugin_name", { types: ["string"] }],
    ["transport_key", { types: ["string"] }],
  ],
};

type Params = { Params: { id: string } };

/**
 * Registers `/v1/transport_keys` and `/v1/transport_keys/{id}`. Transport keys are stored and
 * listed as upstream does; no secret store here wraps payloads with them.
 */
export function registerTransportKeyRoutes(
  app: FastifyInstance,
  dependencies: TransportKeyRoutesDependencies,
): void {
  const { repo, authorizer, hrefs } = dependencies;
  const hrefOf = (base: string, id: string) => `${base}/v1/transport_keys/${id}`;

  app.post("/v1/transport_keys", async (request, reply) => {
    authorizer.authorize(request.auth, "transport_keys:post", "Transport Key Creation");
    requireMediaType(request, ["application/json"]);
    const [pluginName, transportKey] = validateTransportKey(
      parseJsonBody(request, dependencies.maxRequestBytes),
    );
    const now = nowTimestamp();
    const key: TransportKeyRecord = {
      id: randomUUID(),
      pluginName,
      transportKey,
      status: "ACTIVE",
      createdAt: now,
      updatedAt: now,
    };
    await repo.insert(key);
    dependencies.logger.info({ transport_key_id: key.id }, "transport key created");
    const href = hrefOf(baseUrlFor(hrefs, request), key.id);
    return reply.code(201).header("location", href).send({ transport_key_ref: href });
  });

  app.get("/v1/transport_keys", async (request) => {
    authorizer.authorize(request.auth, "transport_keys:get", "Transport Key(s) retrieval");
    const page = cleanPage(
      queryValue(request, "offset"),
      queryValue(request, "limit"),
      dependencies.paging,
    );
    const plugin = queryValue(request, "plugin_name");
    const { keys, total } = await repo.list(plugin, page);
    if (keys.length === 0) {
      return { transport_keys: [], total };
    }
    const base = baseUrlFor(hrefs, request);
    const filter = plugin === undefined ? "" : `plugin_name=${encodeURIComponent(plugin)}`;
    const links = pageLinks(`${base}/v1/transport_keys`, page, total, filter);
    return { transport_keys: keys.map((key) => hrefOf(base, key.id)), ...links, total };
  });
  rejectOtherMethods(app, "/v1/transport_keys", ["GET", "POST"]);

  app.get<Params>("/v1/transport_keys/:id", async (request) => {
    const key = await findKey(repo, request.params.id);
    authorizer.authorize(request.auth, "transport_key:get", "Transport Key retrieval");
    if (key === undefined) {
      throw errors.create("TRANSPORT_KEY_MISSING");
    }
    return {
      created: isoSeconds(key.createdAt),
      updated: isoSeconds(key.updatedAt),
      status: key.status,
      transport_key_id: key.id,
      plugin_name: key.pluginName,
      transport_key: key.transportKey,
      transport_key_ref: hrefOf(baseUrlFor(hrefs, request), key.id),
    };
  });

  app.delete<Params>("/v1/transport_keys/:id", async (request, reply) => {
    await findKey(repo, request.params.id);
    authorizer.authorize(request.auth, "transport_key:delete", "Transport Key deletion");
    if (!(await repo.softDelete(request.params.id, nowTimestamp()))) {
      throw errors.create("TRANSPORT_KEY_MISSING");
    }
    dependencies.logger.info({ transport_key_id: request.params.id }, "transport key deleted");
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/transport_keys/:id", ["GET", "DELETE"]);
}

/** Checks the id's form (404 when malformed) and returns the key, if it exists. */
async function findKey(repo: TransportKeysRepo, id: string) {
  if (!isUuidV4(id)) {
    throw errors.create("INVALID_TRANSPORT_KEY_ID");
  }
  return repo.find(id);
}

function validateTransportKey(body: unknown): [string, string] {
  checkJson(body, "Transport Key", TRANSPORT_KEY_RULE);
  const fields = body as { plugin_name?: string; transport_key?: string };
  const pluginName = fields.plugin_name ?? "";
  if (pluginName === "") {
    throw invalidObject("Transport Key", "plugin_name must be provided", "plugin_name");
  }
  const transportKey = fields.transport_key ?? "";
  if (transportKey === "") {
    throw invalidObject("Transport Key", "transport_key must be provided", "transport_key");
  }
  if (pluginName.length > 255) {
    throw invalidObject(
      "Transport Key",
      `${JSON.stringify(pluginName)} is too long`,
      "plugin_name",
    );
  }
  return [pluginName, transportKey];
}
