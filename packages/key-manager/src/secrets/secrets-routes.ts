import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings, secretHref } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { versionAtLeast } from "../api/microversion.js";
import { cleanPage, type PagingLimits, pageLinks, queryWithoutPaging } from "../api/paging.js";
import {
  mediaType,
  parseJsonBody,
  queryValue,
  rawBody,
  requireMediaType,
} from "../api/request-body.js";
import { errors } from "../errors.js";
import { parseListFilters } from "./secret-list-query.js";
import { validateNewSecret } from "./secret-validation.js";
import type { SecretsService, SecretWithPayload } from "./secrets-service.js";
import type { SecretRecord } from "./secrets-types.js";
import { secretView } from "./secrets-view.js";

export interface SecretRoutesDependencies {
  service: SecretsService;
  hrefs: HrefSettings;
  paging: PagingLimits;
  limits: { maxRequestBytes: number; maxSecretBytes: number };
  /** Runs `create` unless the caller's project may not create one more secret (403). */
  withQuota?: (projectId: string, create: () => Promise<SecretRecord>) => Promise<SecretRecord>;
}

/** Media types a two-step upload may use. */
const PAYLOAD_MEDIA_TYPES = ["application/octet-stream", "text/plain"];

/** Registers `/v1/secrets`, `/v1/secrets/{id}` and `/v1/secrets/{id}/payload`. */
export function registerSecretRoutes(app: FastifyInstance, dependencies: SecretRoutesDependencies) {
  const { service, hrefs } = dependencies;

  app.post("/v1/secrets", async (request, reply) => {
    service.authorizeCollection(request.auth, "secrets:post", "Secret creation");
    requireMediaType(request, ["application/json"]);
    const body = parseJsonBody(request, dependencies.limits.maxRequestBytes);
    const secretRequest = validateNewSecret(body, dependencies.limits);
    const create = () => service.create(request.auth, secretRequest);
    const secret =
      dependencies.withQuota === undefined
        ? await create()
        : await dependencies.withQuota(request.auth.projectId ?? "", create);
    const href = secretHref(baseUrlFor(hrefs, request), secret.id);
    return reply.code(201).header("location", href).send({ secret_ref: href });
  });

  app.get("/v1/secrets", async (request) => {
    service.authorizeCollection(request.auth, "secrets:get", "Secret(s) retrieval");
    const query = firstValues(request);
    const filters = parseListFilters(query, request.auth.projectId ?? "", request.auth.userId);
    const page = cleanPage(query.offset, query.limit, dependencies.paging);
    const result = await service.list(filters, page);
    const base = baseUrlFor(hrefs, request);
    if (result.secrets.length === 0) {
      return { secrets: [], total: result.total };
    }
    const withConsumers = versionAtLeast(request.apiVersion, 1, 1);
    const secrets = await Promise.all(
      result.secrets.map(async (secret) =>
        secretView(secret, base, withConsumers ? await service.consumersOf(secret) : undefined),
      ),
    );
    const links = pageLinks(
      `${base}/v1/secrets`,
      page,
      result.total,
      queryWithoutPaging(request.url),
    );
    return { secrets, ...links, total: result.total };
  });
  rejectOtherMethods(app, "/v1/secrets", ["GET", "POST"]);

  app.get<{ Params: { id: string } }>("/v1/secrets/:id", async (request, reply) => {
    if (!acceptsJson(request)) {
      const loaded = await service.loadWithPayload(
        request.auth,
        request.params.id,
        "secret:decrypt",
        "Secret retrieval",
      );
      return sendPayload(reply, request, loaded, "Secret retrieval");
    }
    const secret = await service.load(
      request.auth,
      request.params.id,
      "secret:get",
      "Secret retrieval",
    );
    const withConsumers = versionAtLeast(request.apiVersion, 1, 1);
    const consumers = withConsumers ? await service.consumersOf(secret) : undefined;
    return secretView(secret, baseUrlFor(hrefs, request), consumers);
  });

  app.put<{ Params: { id: string } }>("/v1/secrets/:id", async (request, reply) => {
    const secret = await service.load(
      request.auth,
      request.params.id,
      "secret:put",
      "Secret update",
    );
    requireMediaType(request, PAYLOAD_MEDIA_TYPES);
    if (queryValue(request, "transport_key_id") !== undefined) {
      throw errors.create("TRANSPORT_KEY_NOT_FOUND", { operation: "Secret update" });
    }
    const encoding = request.headers["content-encoding"];
    await service.addPayload(
      secret,
      { body: rawBody(request), mediaType: mediaType(request), contentEncoding: encoding },
      "Secret update",
    );
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>("/v1/secrets/:id", async (request, reply) => {
    const secret = await service.load(
      request.auth,
      request.params.id,
      "secret:delete",
      "Secret deletion",
    );
    if (versionAtLeast(request.apiVersion, 1, 2)) {
      await refuseIfConsumed(service, secret, queryValue(request, "force"));
    }
    await service.delete(secret);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/secrets/:id", ["GET", "PUT", "DELETE"]);

  app.get<{ Params: { id: string } }>("/v1/secrets/:id/payload", async (request, reply) => {
    const loaded = await service.loadWithPayload(
      request.auth,
      request.params.id,
      "secret:decrypt",
      "Secret payload retrieval",
    );
    return sendPayload(reply, request, loaded, "Secret payload retrieval");
  });
  app.route<{ Params: { id: string } }>({
    method: ["POST", "PUT", "DELETE", "PATCH"],
    url: "/v1/secrets/:id/payload",
    handler: async (request) => {
      await service.load(
        request.auth,
        request.params.id,
        "secret:decrypt",
        "Secret payload retrieval",
      );
      throw errors.create("METHOD_NOT_ALLOWED");
    },
  });

  async function sendPayload(
    reply: FastifyReply,
    request: FastifyRequest,
    loaded: SecretWithPayload,
    operation: string,
  ) {
    checkTransportKeyQuery(request, operation);
    const payload = await service.readPayload(loaded, request.headers.accept, operation);
    return reply.code(200).header("content-type", payload.contentType).send(payload.body);
  }
}

/**
 * Returns true when the secret's metadata is wanted: no Accept header, or exactly
 * `application/json` or `* / *`. Any other Accept requests the payload, as in upstream.
 */
function acceptsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept === undefined || accept === "application/json" || accept === "*/*";
}

/** Raises upstream's errors for transport-key parameters, which the software store never supports. */
function checkTransportKeyQuery(request: FastifyRequest, operation: string): void {
  if (queryValue(request, "trans_wrapped_session_key") === undefined) {
    return;
  }
  if (queryValue(request, "transport_key_id") === undefined) {
    throw errors.create("TRANSPORT_KEY_ID_MISSING");
  }
  throw errors.create("TRANSPORT_KEY_NOT_FOUND", { operation });
}

/** From microversion 1.2, a secret with consumers is only deleted with `?force=true`. */
async function refuseIfConsumed(
  service: SecretsService,
  secret: SecretRecord,
  forceText: string | undefined,
): Promise<void> {
  const force = forceText === undefined ? false : parseStrictBoolean(forceText);
  if (force === undefined) {
    throw errors.create("INVALID_QUERY");
  }
  const consumers = await service.consumersOf(secret);
  if (consumers.length > 0 && !force) {
    throw errors.create("SECRET_HAS_CONSUMERS", { operation: "Secret deletion" });
  }
}

/** Parses a boolean as oslo's strict `bool_from_string`, or returns undefined. */
function parseStrictBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (["1", "t", "true", "on", "y", "yes"].includes(value)) {
    return true;
  }
  if (["0", "f", "false", "off", "n", "no"].includes(value)) {
    return false;
  }
  return undefined;
}

function firstValues(request: FastifyRequest): Record<string, string | undefined> {
  const query = request.query as Record<string, string | string[] | undefined>;
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(query)) {
    values[key] = Array.isArray(value) ? value[0] : value;
  }
  return values;
}
