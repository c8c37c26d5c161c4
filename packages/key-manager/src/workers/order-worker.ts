import { randomUUID } from "node:crypto";
import { type Logger, nowTimestamp, toTimestamp } from "@openstack-ts/kernel";
import type { ContainerRecord } from "../containers/containers-types.js";
import {
  generateAsymmetricKeyPair,
  generateSymmetricKey,
  UnsupportedGenerationError,
} from "../orders/key-generation.js";
import type { Fulfilment, GeneratedSecret, OrdersRepo } from "../orders/orders-repo.js";
import type { GenerationSpec, OrderRecord, OrderTask } from "../orders/orders-types.js";
import type { SecretStore } from "../secret-stores/secret-store.js";
import { normalizeContentType } from "../secrets/payload-encoding.js";
import type { SecretRecord } from "../secrets/secrets-types.js";

export interface OrderWorkerDependencies {
  repo: Pick<OrdersRepo, "find" | "fulfil" | "markError" | "scheduleRetry">;
  store: SecretStore;
  logger: Logger;
  /** Seconds before the first retry of a failed attempt; each later retry waits twice as long. */
  retryDelaySeconds: number;
  /** Failed attempts after which the order is marked ERROR. */
  maxAttempts: number;
}

/** Largest wait between two attempts, whatever the attempt count. */
const MAX_RETRY_DELAY_SECONDS = 3600;

/**
 * Fulfils orders: generates the key or key pair, protects the payloads with the secret store, and
 * stores the secrets (and the container of a key pair) together with the order's new status.
 *
 * An order that cannot be fulfilled as asked (an unsupported algorithm or length) becomes ERROR
 * with code 400. Any other failure is retried through a retry task, and after `maxAttempts`
 * failures the order becomes ERROR with code 500. `process` throws only when even the retry task
 * cannot be written (the database is down), so the message bus redelivers the task.
 */
export function createOrderWorker(dependencies: OrderWorkerDependencies) {
  const { repo, store, logger } = dependencies;

  async function failAttempt(order: OrderRecord, error: unknown): Promise<void> {
    const failures = await repo.scheduleRetry(
      order.id,
      (count) => retryAt(retryDelay(count)),
      nowTimestamp(),
    );
    if (failures >= dependencies.maxAttempts) {
      logger.error({ err: error, order_id: order.id, failures }, "order failed; giving up");
      await repo.markError(
        order.id,
        500,
        `Order processing failed after ${failures} attempts`,
        nowTimestamp(),
      );
      return;
    }
    logger.warn(
      { err: error, order_id: order.id, failures, retry_in_seconds: retryDelay(failures) },
      "order attempt failed; retrying later",
    );
  }

  function retryDelay(failures: number): number {
    return Math.min(dependencies.retryDelaySeconds * 2 ** (failures - 1), MAX_RETRY_DELAY_SECONDS);
  }

  async function generate(order: OrderRecord): Promise<Fulfilment> {
    const spec = generationSpec(order);
    if (order.type !== "key") {
      return generateKeyPairFulfilment(order, spec);
    }
    const key = generateSymmetricKey(spec);
    const secret = await protect(order, spec, "symmetric", spec.contentType, key);
    return { secrets: [secret], container: null, secretId: secret.secret.id };
  }

  /** Generates a key pair and wraps its secrets (and the passphrase) in a container. */
  async function generateKeyPairFulfilment(
    order: OrderRecord,
    spec: GenerationSpec,
  ): Promise<Fulfilment> {
    const pair = await generateAsymmetricKeyPair(spec);
    const binary = "application/octet-stream";
    const privateKey = await protect(order, spec, "private", binary, pair.privateKey);
    const publicKey = await protect(order, spec, "public", binary, pair.publicKey);
    const secrets: GeneratedSecret[] = [privateKey, publicKey];
    const refs = [
      { name: "private_key", secretId: privateKey.secret.id },
      { name: "public_key", secretId: publicKey.secret.id },
    ];

    if (spec.passphrase !== null && spec.passphrase !== "") {
      const phrase = Buffer.from(spec.passphrase, "utf8");
      const passphrase = await protect(order, spec, "passphrase", "text/plain", phrase);
      secrets.push(passphrase);
      refs.push({ name: "private_key_passphrase", secretId: passphrase.secret.id });
    }

    const now = nowTimestamp();
    const container: ContainerRecord = {
      id: randomUUID(),
      projectId: order.projectId,
      creatorId: order.creatorId,
      name: spec.name,
      type: pair.algorithm,
      status: "ACTIVE",
      createdAt: now,
      updatedAt: now,
      secretRefs: refs,
    };
    return { secrets, container, secretId: null };
  }

  async function protect(
    order: OrderRecord,
    spec: GenerationSpec,
    secretType: string,
    contentType: string,
    plaintext: Buffer,
  ): Promise<GeneratedSecret> {
    const now = nowTimestamp();
    const secret: SecretRecord = {
      id: randomUUID(),
      projectId: order.projectId,
      creatorId: order.creatorId,
      name: spec.name,
      secretType,
      algorithm: spec.algorithm,
      bitLength: spec.bitLength,
      mode: spec.mode,
      expiration: spec.expiration,
      status: "ACTIVE",
      contentType,
      createdAt: now,
      updatedAt: now,
    };
    const payload = await store.storePayload(
      { secretId: secret.id, projectId: order.projectId },
      plaintext,
    );
    return { secret, payload };
  }

  return {
    /** Processes one order task; see the factory's description for the failure handling. */
    async process(task: OrderTask): Promise<void> {
      const order = await repo.find(task.order_id);
      if (order === undefined || order.status !== "PENDING") {
        logger.debug({ order_id: task.order_id }, "order is gone or already processed");
        return;
      }
      let fulfilment: Fulfilment;
      try {
        fulfilment = await generate(order);
      } catch (error) {
        if (error instanceof UnsupportedGenerationError) {
          await repo.markError(order.id, error.statusCode, error.message, nowTimestamp());
          logger.info({ order_id: order.id, reason: error.message }, "order rejected");
          return;
        }
        await failAttempt(order, error);
        return;
      }
      try {
        const stored = await repo.fulfil(order.id, fulfilment, nowTimestamp());
        logger.info(
          { order_id: order.id, project_id: order.projectId, stored },
          stored ? "order fulfilled" : "order was fulfilled or deleted by another attempt",
        );
      } catch (error) {
        await failAttempt(order, error);
      }
    },
  };
}

export type OrderWorker = ReturnType<typeof createOrderWorker>;

/** Reads what to generate from an order's meta, which the API validated. */
function generationSpec(order: OrderRecord): GenerationSpec {
  const meta = order.meta;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  const expiration = text(meta.expiration);
  const contentType = text(meta.payload_content_type);
  return {
    name: text(meta.name),
    algorithm: String(meta.algorithm ?? ""),
    bitLength: Number(meta.bit_length ?? 0),
    mode: text(meta.mode),
    expiration: expiration === null ? null : toTimestamp(new Date(`${expiration}Z`)),
    contentType:
      contentType === null ? "application/octet-stream" : normalizeContentType(contentType),
    passphrase: text(meta.passphrase),
  };
}

function retryAt(delaySeconds: number): string {
  return toTimestamp(new Date(Date.now() + delaySeconds * 1000));
}
