import { randomUUID } from "node:crypto";
import { type AuthContext, type Logger, nowTimestamp, toTimestamp } from "@openstack-ts/kernel";
import { floorToSecond } from "../api/iso-time.js";
import { errors } from "../errors.js";
import type { Authorizer, PolicyEntity } from "../policy/authorizer.js";
import type { SecretStore, StoredPayload } from "../secret-stores/secret-store.js";
import {
  BINARY_TYPES,
  decodeBase64Leniently,
  isSupportedContentType,
  normalizeContentType,
  PLAIN_TEXT_TYPES,
} from "./payload-encoding.js";
import type { SecretRelations } from "./secret-relations.js";
import type { SecretsRepo } from "./secrets-repo.js";
import type {
  NewSecretRequest,
  SecretListFilters,
  SecretPage,
  SecretRecord,
} from "./secrets-types.js";

/** Ids the API generates: lower-case version 4 UUIDs, the only form upstream accepts in paths. */
const SECRET_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export interface SecretsServiceDependencies {
  repo: Pick<
    SecretsRepo,
    | "insert"
    | "findVisible"
    | "findVisibleWithPayload"
    | "findPayload"
    | "addPayload"
    | "softDelete"
    | "list"
  >;
  store: SecretStore;
  authorizer: Authorizer;
  relations: SecretRelations;
  limits: { maxSecretBytes: number };
  logger: Logger;
}

/** A payload sent with `PUT /v1/secrets/{id}`. */
export interface PayloadUpload {
  body: Buffer;
  /** Media type of the request, without parameters. */
  mediaType: string;
  /** The `Content-Encoding` header, if any. */
  contentEncoding: string | undefined;
}

/** A payload ready to send: the bytes and the `Content-Type` to send them with. */
export interface PayloadDownload {
  body: Buffer;
  contentType: string;
}

/**
 * Secrets: creation with an encrypted payload, listing, payload retrieval, the second step of a
 * two-step upload, and deletion. Callers first `load` a secret, which applies the policy action
 * with the secret's stored owner and ACL as the target.
 */
export function createSecretsService(dependencies: SecretsServiceDependencies) {
  const { repo, store, authorizer, relations, logger } = dependencies;

  async function policyEntity(secret: SecretRecord, caller: AuthContext): Promise<PolicyEntity> {
    const acl = await relations.aclFor(secret.id, caller.userId);
    return {
      kind: "secret",
      projectId: secret.projectId,
      creatorId: secret.creatorId,
      readProjectAccess: acl.readProjectAccess,
      callerInReadAcl: acl.callerInReadAcl,
    };
  }

  return {
    /** Applies a policy action that has no target, such as `secrets:post`. */
    authorizeCollection(caller: AuthContext, action: string, operation: string): void {
      authorizer.authorize(caller, action, operation);
    },

    /**
     * Returns a visible secret after checking `action` on it. A malformed id or a missing,
     * deleted or expired secret gets 404 before the policy check, as upstream does, so another
     * project's secret gets 403.
     */
    async load(
      caller: AuthContext,
      secretId: string,
      action: string,
      operation: string,
    ): Promise<SecretRecord> {
      checkSecretId(secretId);
      const secret = await repo.findVisible(secretId, new Date());
      if (secret === undefined) {
        throw errors.create("SECRET_NOT_FOUND");
      }
      authorizer.authorize(caller, action, operation, await policyEntity(secret, caller));
      return secret;
    },

    /** Does what `load` does and also returns the stored payload record, in one query. */
    async loadWithPayload(
      caller: AuthContext,
      secretId: string,
      action: string,
      operation: string,
    ): Promise<SecretWithPayload> {
      checkSecretId(secretId);
      const found = await repo.findVisibleWithPayload(secretId, new Date());
      if (found === undefined) {
        throw errors.create("SECRET_NOT_FOUND");
      }
      authorizer.authorize(caller, action, operation, await policyEntity(found.secret, caller));
      return found;
    },

    /** Creates a secret in the caller's project, encrypting its payload when it has one. */
    async create(caller: AuthContext, request: NewSecretRequest): Promise<SecretRecord> {
      const projectId = caller.projectId;
      if (projectId === null) {
        throw errors.create("FORBIDDEN", { operation: "Secret creation" });
      }
      if (request.payload !== null && request.transportKeyId !== null) {
        throw errors.create("TRANSPORT_KEY_NOT_FOUND", { operation: "Secret creation" });
      }
      const now = nowTimestamp();
      const secret: SecretRecord = {
        id: randomUUID(),
        projectId,
        creatorId: caller.userId,
        name: request.name,
        secretType: request.secretType,
        algorithm: request.algorithm,
        bitLength: request.bitLength,
        mode: request.mode,
        expiration:
          request.expiration === null ? null : toTimestamp(floorToSecond(request.expiration)),
        status: "ACTIVE",
        contentType: request.payload === null ? null : request.contentType,
        createdAt: now,
        updatedAt: now,
      };
      const stored =
        request.payload === null
          ? null
          : await store.storePayload({ secretId: secret.id, projectId }, request.payload);
      await repo.insert(secret, stored);
      logger.info({ secret_id: secret.id, project_id: projectId }, "secret created");
      return secret;
    },

    /** Returns one page of the caller's secrets. */
    async list(
      filters: SecretListFilters,
      page: { offset: number; limit: number },
    ): Promise<SecretPage> {
      return repo.list(filters, page, new Date());
    },

    /** Returns the consumers to show with a secret. */
    consumersOf(secret: SecretRecord) {
      return relations.consumersOf(secret.id);
    },

    /**
     * Decrypts a secret's payload for the `Accept` header given, with upstream's rules: no Accept
     * means octet-stream, `* / *` means the stored type, and text needs the bytes to be UTF-8.
     */
    async readPayload(
      loaded: SecretWithPayload,
      accept: string | undefined,
      operation: string,
    ): Promise<PayloadDownload> {
      const { secret, payload: stored } = loaded;
      const requested = accept === undefined || accept === "" ? "application/octet-stream" : accept;
      if (secret.contentType === null || stored === undefined) {
        throw errors.create("SECRET_PAYLOAD_NOT_FOUND");
      }
      const wanted = requested === "*/*" ? secret.contentType : requested;
      if (!isSupportedContentType(wanted)) {
        throw errors.create("PAYLOAD_NOT_ACCEPTABLE", { operation });
      }
      const context = { secretId: secret.id, projectId: secret.projectId };
      const plaintext = await store.retrievePayload(context, stored);
      if (PLAIN_TEXT_TYPES.includes(wanted)) {
        if (!isUtf8(plaintext)) {
          throw errors.create("PAYLOAD_NOT_ACCEPTABLE", { operation });
        }
      } else if (!BINARY_TYPES.includes(wanted)) {
        throw errors.create("CONTENT_TYPE_NOT_SUPPORTED", { operation, contentType: wanted });
      }
      return { body: plaintext, contentType: responseContentType(requested) };
    },

    /** Stores the payload of a metadata-only secret (the second step of a two-step upload). */
    async addPayload(
      secret: SecretRecord,
      upload: PayloadUpload,
      operation: string,
    ): Promise<void> {
      if (upload.body.length === 0) {
        throw errors.create("NO_DATA", { operation });
      }
      if (upload.body.length > dependencies.limits.maxSecretBytes) {
        throw errors.create("PAYLOAD_TOO_LARGE_IN_OPERATION", { operation });
      }
      if (secret.contentType !== null) {
        throw errors.create("SECRET_ALREADY_HAS_DATA");
      }
      const contentType = normalizeContentType(upload.mediaType);
      const plaintext = decodeUpload(upload, contentType, operation);
      const context = { secretId: secret.id, projectId: secret.projectId };
      const stored = await store.storePayload(context, plaintext);
      const added = await repo.addPayload(secret.id, contentType, stored, nowTimestamp());
      if (!added) {
        throw errors.create("SECRET_ALREADY_HAS_DATA");
      }
      logger.info({ secret_id: secret.id, project_id: secret.projectId }, "secret payload stored");
    },

    /** Deletes a secret and its payload. A concurrent delete of the same secret gets 404. */
    async delete(secret: SecretRecord): Promise<void> {
      const stored = await repo.findPayload(secret.id);
      if (stored !== undefined) {
        await store.deletePayload({ secretId: secret.id, projectId: secret.projectId }, stored);
      }
      if (!(await repo.softDelete(secret.id, nowTimestamp()))) {
        throw errors.create("SECRET_NOT_FOUND");
      }
      logger.info({ secret_id: secret.id, project_id: secret.projectId }, "secret deleted");
    },
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;

/** A secret with its stored payload record, which is undefined while it has no payload. */
export interface SecretWithPayload {
  secret: SecretRecord;
  payload: StoredPayload | undefined;
}

function checkSecretId(secretId: string): void {
  if (!SECRET_ID_PATTERN.test(secretId)) {
    throw errors.create("INVALID_SECRET_ID");
  }
}

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Returns the bytes to store for a two-step upload; only binary types honour Content-Encoding. */
function decodeUpload(upload: PayloadUpload, contentType: string, operation: string): Buffer {
  if (PLAIN_TEXT_TYPES.includes(contentType) || upload.contentEncoding === undefined) {
    return upload.body;
  }
  if (upload.contentEncoding.toLowerCase() !== "base64") {
    throw errors.create("ENCODING_MUST_BE_BASE64", { operation });
  }
  // Upstream keeps undecodable base64 as it was sent and returns those bytes on read.
  return decodeBase64Leniently(upload.body.toString("latin1")) ?? upload.body;
}

/** Returns the Content-Type of a payload response: the Accept value, with a charset for text. */
function responseContentType(accept: string): string {
  if (accept.startsWith("text/") && !/charset=/i.test(accept)) {
    return `${accept}; charset=UTF-8`;
  }
  return accept;
}
