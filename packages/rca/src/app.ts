import {
  bindService,
  createHttpServer,
  KeystoneTokenValidator,
  type Logger,
  listenOn,
  type MessageBus,
  migrateToLatest,
  openDatabase,
  PolicyEnforcer,
  registerAuth,
  type ServiceInstance,
  type TokenValidator,
} from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { registerAlarmRoutes } from "./api/alarm/alarm-routes.js";
import { registerBodyDepthCheck } from "./api/body-depth.js";
import { registerEventRoutes } from "./api/event/event-routes.js";
import { RCA_POLICY_DEFAULTS } from "./api/policy.js";
import { registerRcaRoutes } from "./api/rca/rca-routes.js";
import { registerResourceRoutes } from "./api/resource/resource-routes.js";
import { registerStatusRoutes, registerVersionRoutes } from "./api/status/status-routes.js";
import { preloadTemplates } from "./api/template/template-preload.js";
import { registerTemplateRoutes } from "./api/template/template-routes.js";
import { registerTopologyRoutes } from "./api/topology/topology-routes.js";
import { registerWebhookRoutes } from "./api/webhook/webhook-routes.js";
import { createWebhookService } from "./api/webhook/webhook-service.js";
import type { RcaConfig } from "./config.js";
import { buildDatasources } from "./datasources/build-datasources.js";
import { rcaMigrations } from "./db/migrations.js";
import { formatRcaError, rcaErrors } from "./errors.js";
import type { RcaNotification } from "./evaluator/evaluator-types.js";
import { createWebhookNotifier } from "./notifier/webhook-notifier.js";
import type { RcaCore, RcaCoreOptions } from "./processor/processor-types.js";
import { ActiveActionRepo } from "./storage/active-action-repo.js";
import { AlarmHistoryRepo } from "./storage/alarm-history-repo.js";
import { createHistoryRecorder } from "./storage/history-recorder.js";
import { SnapshotRepo } from "./storage/snapshot-repo.js";
import type { RcaDatabase } from "./storage/storage-types.js";
import { TemplateRepo } from "./storage/template-repo.js";
import { WebhookRepo } from "./storage/webhook-repo.js";

/** Builds the core (graph, processor, evaluator, templates) from its options. */
export type CoreFactory = (options: RcaCoreOptions) => RcaCore;

export interface RcaServiceDependencies {
  logger: Logger;
  bus: MessageBus;
  tokenValidator?: TokenValidator | undefined;
  createCore: CoreFactory;
}

/** A running RCA service. */
export interface RcaService extends ServiceInstance {
  readonly core: RcaCore;
  /** Resolves once the initial datasource listings are applied and the API reports ready. */
  whenReady(): Promise<void>;
  /** Resolves when every alarm history write and webhook post queued so far has finished. */
  whenIdle(): Promise<void>;
}

/**
 * Builds the RCA service: the database (migrated), the core, the datasources of the
 * configuration, persistence and webhook notification of the core's notifications, and the
 * HTTP API. `listen()` binds the API and then starts the core, which reads the initial listings
 * of the datasources in the background. `/v1/status` returns 503 until that is done.
 */
export async function createRcaService(
  config: RcaConfig,
  dependencies: RcaServiceDependencies,
): Promise<RcaService> {
  const logger = bindService(dependencies.logger, "rca");
  const database = openDatabase<RcaDatabase>(config.database.url, {
    poolSize: config.database.pool_size,
  });
  await migrateToLatest(database.db as Kysely<unknown>, "rca", rcaMigrations(database.dialect));
  const history = new AlarmHistoryRepo(database.db);
  const webhookRepo = new WebhookRepo(database.db);
  const snapshots = new SnapshotRepo(database.db);

  const core = dependencies.createCore({
    logger: logger.child({ component: "core" }),
    templateStore: new TemplateRepo(database.db),
    activeActionStore: new ActiveActionRepo(database.db),
    ...(config.states_directory === "" ? {} : { statesDirectory: config.states_directory }),
    datasourceTypes: datasourceVertexTypes(config),
    createClusterVertex: true,
  });

  const recorder = createHistoryRecorder({ history, logger });
  const notifier = createWebhookNotifier({
    repo: webhookRepo,
    logger: logger.child({ component: "webhook-notifier" }),
    maxRetries: config.webhook.max_retries,
    timeoutSeconds: config.webhook.timeout_seconds,
  });
  let notifications: Promise<void> = Promise.resolve();
  core.onNotification((notification: RcaNotification) => {
    recorder.handle(notification);
    notifications = notifications
      .then(() =>
        notifier.notify(notification.type, notification.payload as Record<string, unknown>),
      )
      .catch((error: unknown) => {
        logger.error({ err: error, type: notification.type }, "webhook notification failed");
      });
  });

  const datasources = buildDatasources(config, {
    logger,
    bus: dependencies.bus,
    graph: core.graph,
    snapshots,
  });
  const policy = new PolicyEnforcer({
    defaults: RCA_POLICY_DEFAULTS,
    overridesFile: config.policy.file,
  });
  const startedAt = new Date();
  const app = createHttpServer({
    service: "rca",
    logger,
    formatError: formatRcaError,
    bodyLimit: 16 * 1024 * 1024,
  });
  registerAuth(app, {
    mode: config.auth.mode,
    ...(config.auth.mode === "keystone"
      ? { validator: dependencies.tokenValidator ?? keystoneValidator(config, logger) }
      : {}),
    unauthorized: () => rcaErrors.create("UNAUTHORIZED"),
    wwwAuthenticate: `Keystone uri="${config.auth.auth_url}"`,
  });
  registerBodyDepthCheck(app);
  registerRoutes(app, {
    config,
    core,
    history,
    policy,
    webhooks: createWebhookService(webhookRepo),
    eventSinks: datasources.eventSinks,
    startedAt,
  });

  let starting: Promise<void> | undefined;
  const start = () => {
    starting ??= (async () => {
      await history.endAll(new Date().toISOString());
      await core.start(datasources.all);
      if (config.templates_directory !== "") {
        await preloadTemplates(config.templates_directory, core.templates, logger);
      }
      logger.info({ datasources: datasources.all.map((source) => source.name) }, "RCA graph ready");
    })().catch((error: unknown) => {
      logger.error({ err: error }, "RCA core failed to start");
      throw error;
    });
    return starting;
  };

  return {
    name: "rca",
    app,
    core,
    async listen() {
      const url = await listenOn(app, config.listen.host, config.listen.port);
      void start().catch(() => undefined);
      return url;
    },
    whenReady: () => start(),
    async whenIdle() {
      await core.processor.whenIdle();
      await recorder.whenIdle();
      await notifications;
    },
    async close() {
      await app.close();
      if (starting !== undefined) {
        await starting.catch(() => undefined);
        await core.stop();
      }
      await recorder.whenIdle();
      await notifications;
      await database.close();
    },
  };
}

function registerRoutes(
  app: FastifyInstance,
  parts: {
    config: RcaConfig;
    core: RcaCore;
    history: AlarmHistoryRepo;
    policy: PolicyEnforcer;
    webhooks: ReturnType<typeof createWebhookService>;
    eventSinks: ReturnType<typeof buildDatasources>["eventSinks"];
    startedAt: Date;
  },
): void {
  const { core, history, policy } = parts;
  registerVersionRoutes(app, parts.config.listen.public_url);
  registerTopologyRoutes(app, { graph: core.graph, policy });
  registerAlarmRoutes(app, { graph: core.graph, history, policy });
  registerRcaRoutes(app, { history, policy });
  registerResourceRoutes(app, { graph: core.graph, policy });
  registerTemplateRoutes(app, { templates: core.templates, policy });
  registerEventRoutes(app, { sinks: parts.eventSinks, policy });
  registerWebhookRoutes(app, { webhooks: parts.webhooks, policy });
  registerStatusRoutes(app, { isReady: () => core.ready, startedAt: parts.startedAt, policy });
}

function keystoneValidator(config: RcaConfig, logger: Logger): TokenValidator {
  const auth = config.auth;
  return new KeystoneTokenValidator({
    credentials: {
      authUrl: auth.auth_url,
      username: auth.username,
      password: auth.password,
      projectName: auth.project_name,
      userDomainName: auth.user_domain_name,
      projectDomainName: auth.project_domain_name,
    },
    cacheSeconds: auth.cache_seconds,
    cacheSize: auth.cache_size,
    logger,
  });
}

/** Lists the vertex types of the configured datasources, upstream's `[datasources] types`. */
function datasourceVertexTypes(config: RcaConfig): string[] {
  const types: string[] = [];
  for (const name of config.datasources.types) {
    switch (name) {
      case "nova":
        types.push("nova.host", "nova.instance");
        break;
      case "network":
        types.push("neutron.network", "neutron.port");
        break;
      default:
        types.push(name);
    }
  }
  return types;
}
