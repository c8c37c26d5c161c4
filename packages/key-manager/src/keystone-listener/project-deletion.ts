import type { Database, Logger, MessageBus, Subscription } from "@openstack-ts/kernel";
import type { Kysely, Transaction } from "kysely";
import type { KeyManagerDatabase } from "../db/schema.js";
import type { SecretStore } from "../secret-stores/secret-store.js";

/** Topic the identity service publishes when a project is deleted. */
export const PROJECT_DELETED_TOPIC = "identity.project.deleted";

/** Rows removed for a deleted project, by kind. */
export interface ProjectCleanup {
  secrets: number;
  containers: number;
  orders: number;
  consumers: number;
  projectKeys: number;
}

type Trx = Transaction<KeyManagerDatabase>;

/**
 * Deletes every key manager resource of a project, as upstream's keystone listener does. That
 * covers its secrets and containers (with their payloads, metadata, consumers and ACLs), its
 * orders, the consumers it registered on other projects' entities, its quotas, its preferred
 * store and its project keys. Payloads that a store keeps outside the database are released first.
 */
export async function deleteProjectResources(
  database: Pick<Database<KeyManagerDatabase>, "db">,
  store: Pick<SecretStore, "deletePayload">,
  projectId: string,
): Promise<ProjectCleanup> {
  const db = database.db;
  await releaseExternalPayloads(db, store, projectId);
  return db.transaction().execute(async (trx) => {
    const secretIds = trx.selectFrom("km_secrets").select("id").where("project_id", "=", projectId);
    const containerIds = trx
      .selectFrom("km_containers")
      .select("id")
      .where("project_id", "=", projectId);
    await trx
      .deleteFrom("km_acls")
      .where((eb) =>
        eb.or([
          eb.and([eb("entity_kind", "=", "secret"), eb("entity_id", "in", secretIds)]),
          eb.and([eb("entity_kind", "=", "container"), eb("entity_id", "in", containerIds)]),
        ]),
      )
      .execute();
    const consumers =
      (await deleteCount(
        trx
          .deleteFrom("km_secret_consumers")
          .where((eb) =>
            eb.or([eb("project_id", "=", projectId), eb("secret_id", "in", secretIds)]),
          ),
      )) +
      (await deleteCount(
        trx
          .deleteFrom("km_container_consumers")
          .where((eb) =>
            eb.or([eb("project_id", "=", projectId), eb("container_id", "in", containerIds)]),
          ),
      ));
    await trx
      .deleteFrom("km_container_secrets")
      .where("container_id", "in", containerIds)
      .execute();
    const containers = await deleteCount(
      trx.deleteFrom("km_containers").where("project_id", "=", projectId),
    );
    await trx.deleteFrom("km_secret_metadata").where("secret_id", "in", secretIds).execute();
    await trx.deleteFrom("km_secret_payloads").where("secret_id", "in", secretIds).execute();
    await trx.deleteFrom("km_container_secrets").where("secret_id", "in", secretIds).execute();
    const secrets = await deleteCount(
      trx.deleteFrom("km_secrets").where("project_id", "=", projectId),
    );
    const orders = await deleteOrders(trx, projectId);
    await trx.deleteFrom("km_project_quotas").where("project_id", "=", projectId).execute();
    await trx.deleteFrom("km_project_secret_stores").where("project_id", "=", projectId).execute();
    const projectKeys =
      (await deleteCount(trx.deleteFrom("km_project_keys").where("project_id", "=", projectId))) +
      (await deleteCount(
        trx.deleteFrom("km_hsm_project_keys").where("project_id", "=", projectId),
      ));
    return { secrets, containers, orders, consumers, projectKeys };
  });
}

/**
 * Subscribes to project deletions on a durable queue shared by every key manager process, so each
 * event is handled once and events published while every listener is down wait in the queue.
 */
export async function subscribeToProjectDeletions(dependencies: {
  bus: Pick<MessageBus, "subscribe">;
  database: Pick<Database<KeyManagerDatabase>, "db">;
  store: Pick<SecretStore, "deletePayload">;
  queue: string;
  logger: Logger;
}): Promise<Subscription> {
  const { logger } = dependencies;
  return dependencies.bus.subscribe(
    PROJECT_DELETED_TOPIC,
    async (body) => {
      const projectId = projectIdOf(body);
      if (projectId === undefined) {
        logger.error({ body }, "project deletion event without a project id is ignored");
        return;
      }
      const removed = await deleteProjectResources(
        dependencies.database,
        dependencies.store,
        projectId,
      );
      logger.info({ project_id: projectId, ...removed }, "deleted project's key manager resources");
    },
    { queue: dependencies.queue },
  );
}

/** Reads the project id from an event body: `project_id`, or Keystone's `resource_info`. */
function projectIdOf(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") {
    return undefined;
  }
  const fields = body as { project_id?: unknown; resource_info?: unknown };
  const id = fields.project_id ?? fields.resource_info;
  return typeof id === "string" && id !== "" ? id : undefined;
}

async function releaseExternalPayloads(
  db: Kysely<KeyManagerDatabase>,
  store: Pick<SecretStore, "deletePayload">,
  projectId: string,
): Promise<void> {
  const payloads = await db
    .selectFrom("km_secret_payloads")
    .innerJoin("km_secrets", "km_secrets.id", "km_secret_payloads.secret_id")
    .select([
      "km_secrets.id as secret_id",
      "km_secret_payloads.store_name",
      "km_secret_payloads.key_id",
      "km_secret_payloads.key_version",
      "km_secret_payloads.data",
    ])
    .where("km_secrets.project_id", "=", projectId)
    .execute();
  for (const payload of payloads) {
    await store.deletePayload(
      { secretId: payload.secret_id, projectId },
      {
        storeName: payload.store_name,
        keyId: payload.key_id,
        keyVersion: Number(payload.key_version),
        data: Buffer.from(payload.data),
      },
    );
  }
}

async function deleteOrders(trx: Trx, projectId: string): Promise<number> {
  const orderIds = trx.selectFrom("km_orders").select("id").where("project_id", "=", projectId);
  await trx.deleteFrom("km_order_retry_tasks").where("order_id", "in", orderIds).execute();
  return deleteCount(trx.deleteFrom("km_orders").where("project_id", "=", projectId));
}

async function deleteCount(query: { executeTakeFirst(): Promise<{ numDeletedRows: bigint }> }) {
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
