import type { FastifyInstance } from "fastify";
import { baseUrlFor, type HrefSettings, secretHref } from "../api/hrefs.js";
import { parseJsonBody, requireMediaType } from "../api/request-body.js";
import { errors } from "../errors.js";
import type { SecretsService } from "../secrets/secrets-service.js";
import type { SecretMetadataService } from "./secret-metadata-service.js";
import { validateMetadata, validateMetadatum } from "./secret-metadata-validation.js";

export interface SecretMetadataRoutesDependencies {
  secrets: Pick<SecretsService, "load">;
  metadata: SecretMetadataService;
  hrefs: HrefSettings;
  maxRequestBytes: number;
}

type SecretParams = { Params: { id: string } };
type MetadatumParams = { Params: { id: string; key: string } };

/** Registers `/v1/secrets/{id}/metadata` and `/v1/secrets/{id}/metadata/{key}`. */
export function registerSecretMetadataRoutes(
  app: FastifyInstance,
  dependencies: SecretMetadataRoutesDependencies,
): void {
  const { secrets, metadata, hrefs, maxRequestBytes } = dependencies;
  const collection = "/v1/secrets/:id/metadata";
  const item = "/v1/secrets/:id/metadata/:key";

  app.get<SecretParams>(collection, async (request) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:get",
      "Secret metadata retrieval",
    );
    return { metadata: await metadata.list(secret) };
  });

  app.put<SecretParams>(collection, async (request, reply) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:put",
      "Secret metadata creation",
    );
    requireMediaType(request, ["application/json"]);
    await metadata.replace(secret, validateMetadata(parseJsonBody(request, maxRequestBytes)));
    const href = `${secretHref(baseUrlFor(hrefs, request), secret.id)}/metadata`;
    return reply.code(201).send({ metadata_ref: href });
  });

  app.post<SecretParams>(collection, async (request, reply) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:post",
      "Secret metadatum creation",
    );
    requireMediaType(request, ["application/json"]);
    const pair = validateMetadatum(parseJsonBody(request, maxRequestBytes));
    await metadata.add(secret, pair);
    const href = `${secretHref(baseUrlFor(hrefs, request), secret.id)}/metadata/${pair.key}`;
    return reply.code(201).header("location", href).send({ key: pair.key, value: pair.value });
  });

  app.route<SecretParams>({
    method: ["DELETE", "PATCH"],
    url: collection,
    handler: async (request) => {
      await secrets.load(
        request.auth,
        request.params.id,
        "secret_meta:get",
        "Secret metadata retrieval",
      );
      throw errors.create("METHOD_NOT_ALLOWED");
    },
  });

  app.get<MetadatumParams>(item, async (request) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:get",
      "Secret metadatum retrieval",
    );
    return metadata.get(secret, request.params.key);
  });

  app.put<MetadatumParams>(item, async (request) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:put",
      "Secret metadatum update",
    );
    requireMediaType(request, ["application/json"]);
    const pair = validateMetadatum(parseJsonBody(request, maxRequestBytes));
    return metadata.update(secret, request.params.key, pair);
  });

  app.delete<MetadatumParams>(item, async (request, reply) => {
    const secret = await secrets.load(
      request.auth,
      request.params.id,
      "secret_meta:delete",
      "Secret metadatum removal",
    );
    await metadata.remove(secret, request.params.key);
    return reply.code(204).send();
  });

  app.route<MetadatumParams>({
    method: ["POST", "PATCH"],
    url: item,
    handler: async (request) => {
      await secrets.load(
        request.auth,
        request.params.id,
        "secret_meta:get",
        "Secret metadatum retrieval",
      );
      throw errors.create("METHOD_NOT_ALLOWED");
    },
  });
}
