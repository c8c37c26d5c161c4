import {
  type Database,
  type Logger,
  MemoryBus,
  type MessageBus,
  type Subscription,
} from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { createAclsRepo } from "./acls/acls-repo.js";
import { registerAclRoutes } from "./acls/acls-routes.js";
import { createAclsService } from "./acls/acls-service.js";
import type { HrefSettings } from "./api/hrefs.js";
import type { PagingLimits } from "./api/paging.js";
import type { KeyManagerConfig } from "./config.js";
import { createConsumersRepo } from "./consumers/consumers-repo.js";
import { registerConsumerRoutes } from "./consumers/consumers-routes.js";
import { createConsumersService } from "./consumers/consumers-service.js";
import { createContainersRepo } from "./containers/containers-repo.js";
import { registerContainerRoutes } from "./containers/containers-routes.js";
import { createContainersService } from "./containers/containers-service.js";
import type { KeyManagerDatabase } from "./db/schema.js";
import { subscribeToProjectDeletions } from "./keystone-listener/project-deletion.js";
import { createOrdersRepo } from "./orders/orders-repo.js";
import { registerOrderRoutes } from "./orders/orders-routes.js";
import { createOrdersService } from "./orders/orders-service.js";
import type { Authorizer } from "./policy/authorizer.js";
import { createQuotasRepo } from "./quotas/quotas-repo.js";
import { registerQuotaRoutes } from "./quotas/quotas-routes.js";
import { createQuotasService, type QuotasService } from "./quotas/quotas-service.js";
import type { EffectiveQuotas } from "./quotas/quotas-types.js";
import type { SecretStore } from "./secret-stores/secret-store.js";
import { createSecretStoresRepo } from "./secret-stores/secret-stores-repo.js";
import { registerSecretStoreRoutes } from "./secret-stores/secret-stores-routes.js";
import type { SecretsRepo } from "./secrets/secrets-repo.js";
import type { SecretsService } from "./secrets/secrets-service.js";
import { createTransportKeysRepo } from "./transport-keys/transport-keys-repo.js";
import { registerTransportKeyRoutes } from "./transport-keys/transport-keys-routes.js";
import { registerNulGuard } from "./validation/nul-guard.js";
import { createOrderWorker } from "./workers/order-worker.js";
import { createRetryScheduler } from "./workers/retry-scheduler.js";
import { startWorkerRuntime, type WorkerRuntime } from "./workers/worker-runtime.js";

export interface DomainDependencies {
  config: KeyManagerConfig;
  database: Database<KeyManagerDatabase>;
  authorizer: Authorizer;
  secrets: SecretsService;
  secretsRepo: Pick<SecretsRepo, "findVisible">;
  store: SecretStore;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
  /** The message bus; an in-process one is created when absent. */
  bus?: MessageBus;
  logger: Logger;
}

/** Returns the configured default quotas. */
export function defaultQuotas(config: KeyManagerConfig): EffectiveQuotas {
  return {
    secrets: config.quotas.quota_secrets,
    orders: config.quotas.quota_orders,
    containers: config.quotas.quota_containers,
    consumers: config.quotas.quota_consumers,
    cas: config.quotas.quota_cas,
  };
}

/** Builds the quota service with its counters, for the secrets routes and the other domains. */
export function createQuotaEnforcement(
  database: Database<KeyManagerDatabase>,
  config: KeyManagerConfig,
  logger: Logger,
): { quotas: QuotasService; countSecrets(projectId: string): Promise<number> } {
  const repo = createQuotasRepo(database.db);
  return {
    quotas: createQuotasService({ repo, defaults: defaultQuotas(config), logger }),
    countSecrets: (projectId) => repo.countSecrets(projectId, new Date()),
  };
}

/**
 * Registers the routes of containers, consumers, ACLs, orders, quotas, secret stores and
 * transport keys, and ties order workers and the project-deletion listener to the app's
 * lifecycle: they start when the app is ready and stop when it closes.
 */
export function registerDomains(app: FastifyInstance, dependencies: DomainDependencies): void {
  const { config, database, authorizer, hrefs, paging, maxRequestBytes, logger } = dependencies;
  const db = database.db;
  registerNulGuard(app);
  const quotasRepo = createQuotasRepo(db);
  const quotas = createQuotasService({ repo: quotasRepo, defaults: defaultQuotas(config), logger });
  const aclsRepo = createAclsRepo(db);
  const acls = createAclsService({ repo: aclsRepo, logger });
  const consumersRepo = createConsumersRepo(db);
  const containers = createContainersService({
    repo: createContainersRepo(db),
    secrets: dependencies.secretsRepo,
    authorizer,
    aclFor: (id, userId) => aclsRepo.decisionFor("container", id, userId),
    quotas,
    countContainers: (projectId) => quotasRepo.countLive("km_containers", projectId),
    logger,
  });
  const consumers = createConsumersService({
    repo: consumersRepo,
    quotas,
    countConsumers: (kind, projectId) =>
      quotasRepo.countConsumers(
        kind === "secret" ? "km_secret_consumers" : "km_container_consumers",
        projectId,
      ),
    logger,
  });
  const ownBus = dependencies.bus === undefined ? new MemoryBus(logger) : undefined;
  const bus = dependencies.bus ?? (ownBus as MessageBus);
  const ordersRepo = createOrdersRepo(db);
  const orders = createOrdersService({
    repo: ordersRepo,
    bus,
    authorizer,
    quotas,
    countOrders: (projectId) => quotasRepo.countLive("km_orders", projectId),
    logger,
  });

  registerContainerRoutes(app, {
    service: containers,
    consumersOf: async (id) =>
      (await consumersRepo.all("container", id)).map((consumer) => ({
        name: consumer.fields[0] ?? "",
        URL: consumer.fields[1] ?? "",
      })),
    hrefs,
    paging,
    maxRequestBytes,
  });
  registerConsumerRoutes(app, {
    consumers,
    containers,
    secrets: dependencies.secrets,
    hrefs,
    paging,
    maxRequestBytes,
  });
  registerAclRoutes(app, {
    acls,
    hrefs,
    maxRequestBytes,
    targets: [
      { kind: "secret", collection: "secrets", label: "Secret", load: dependencies.secrets.load },
      { kind: "container", collection: "containers", label: "Container", load: containers.load },
    ],
  });
  registerOrderRoutes(app, { service: orders, hrefs, paging, maxRequestBytes });
  registerQuotaRoutes(app, { quotas, authorizer, hrefs, paging, maxRequestBytes });
  registerSecretStoreRoutes(app, {
    repo: createSecretStoresRepo(db),
    authorizer,
    hrefs,
    multipleStoresEnabled: config.secret_stores.enable_multiple,
    logger,
  });
  registerTransportKeyRoutes(app, {
    repo: createTransportKeysRepo(db),
    authorizer,
    hrefs,
    paging,
    maxRequestBytes,
    logger,
  });

  registerBackgroundWork(app, { ...dependencies, bus, ownBus, ordersRepo });
}

/** Starts order workers (in-process mode) and the identity listener with the app; stops them on close. */
function registerBackgroundWork(
  app: FastifyInstance,
  dependencies: DomainDependencies & {
    bus: MessageBus;
    ownBus: MessageBus | undefined;
    ordersRepo: ReturnType<typeof createOrdersRepo>;
  },
): void {
  const { config, bus, logger } = dependencies;
  let runtime: WorkerRuntime | undefined;
  let listener: Subscription | undefined;

  app.addHook("onReady", async () => {
    if (runsWorkersInProcess(config, bus)) {
      runtime = await startOrderRuntime({ ...dependencies, repo: dependencies.ordersRepo });
    } else {
      logger.info(
        { in_process: config.workers.in_process },
        "orders are fulfilled by separate workers: run openstack-ts serve key-manager-worker",
      );
    }
    if (config.keystone_notifications.enable) {
      listener = await subscribeToProjectDeletions({
        bus,
        database: dependencies.database,
        store: dependencies.store,
        queue: config.keystone_notifications.queue,
        logger,
      });
    }
  });
  app.addHook("onClose", async () => {
    await runtime?.close();
    await listener?.close();
    await dependencies.ownBus?.close();
  });
}

/** Returns true when this process should run order workers next to the API. */
export function runsWorkersInProcess(config: KeyManagerConfig, bus: MessageBus): boolean {
  if (config.workers.in_process === "always") {
    return true;
  }
  if (config.workers.in_process === "never") {
    return false;
  }
  return bus instanceof MemoryBus;
}

/** Starts order consumers and the retry scheduler with the configured settings. */
export function startOrderRuntime(dependencies: {
  config: KeyManagerConfig;
  bus: MessageBus;
  store: SecretStore;
  repo: ReturnType<typeof createOrdersRepo>;
  logger: Logger;
}): Promise<WorkerRuntime> {
  const { config, bus, repo, logger } = dependencies;
  const worker = createOrderWorker({
    repo,
    store: dependencies.store,
    logger,
    retryDelaySeconds: config.workers.retry_delay_seconds,
    maxAttempts: config.workers.max_attempts,
  });
  const scheduler = createRetryScheduler({
    repo,
    bus,
    logger,
    intervalSeconds: config.workers.scheduler_interval_seconds,
    pendingTimeoutSeconds: config.workers.pending_timeout_seconds,
  });
  return startWorkerRuntime({
    bus,
    worker,
    scheduler,
    concurrency: config.workers.concurrency,
    logger,
  });
}
