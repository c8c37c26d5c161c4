import { issueToken, type Logger, type MessageBus } from "@openstack-ts/kernel";
import type { RcaConfig } from "../config.js";
import type { EntityGraphReader } from "../graph/graph-types.js";
import type { Datasource } from "../processor/processor-types.js";
import type { SnapshotRepo } from "../storage/snapshot-repo.js";
import { createDoctorDatasource, type PushDatasource } from "./events/doctor-datasource.js";
import { createPrometheusDatasource, loadAlertMappings } from "./events/prometheus-datasource.js";
import { createNagiosDatasource } from "./nagios/nagios-datasource.js";
import { loadNagiosMappings } from "./nagios/nagios-mapping.js";
import { createNetworkDatasource } from "./network/network-datasource.js";
import { createNovaDatasource } from "./nova/nova-datasource.js";
import { createStaticDatasource } from "./static/static-datasource.js";

/** The datasources of a service and the push ones that `POST /v1/event` feeds. */
export interface ConfiguredDatasources {
  all: Datasource[];
  eventSinks: PushDatasource[];
}

/**
 * Builds the datasources listed in `datasources.types`. Throws when a datasource's settings are
 * unusable (a mapping file that cannot be read, Nova without a broker URL), so a bad
 * configuration fails at start.
 */
export function buildDatasources(
  config: RcaConfig,
  dependencies: {
    logger: Logger;
    bus: MessageBus;
    graph: Pick<EntityGraphReader, "queryVertices">;
    snapshots: Pick<SnapshotRepo, "load" | "save">;
  },
): ConfiguredDatasources {
  const { logger, snapshots } = dependencies;
  const settings = config.datasources;
  const all: Datasource[] = [];
  const eventSinks: PushDatasource[] = [];
  const types = new Set(settings.types);

  if (types.has("static")) {
    all.push(
      createStaticDatasource({
        directory: settings.static.directory,
        intervalSeconds: settings.static.interval_seconds,
        logger: logger.child({ datasource: "static" }),
      }),
    );
  }
  if (types.has("nagios")) {
    all.push(
      createNagiosDatasource({
        url: settings.nagios.url,
        user: settings.nagios.user,
        password: settings.nagios.password,
        mappings:
          settings.nagios.config_file === "" ? [] : loadNagiosMappings(settings.nagios.config_file),
        intervalSeconds: settings.nagios.interval_seconds,
        timeoutSeconds: settings.nagios.timeout_seconds,
        logger: logger.child({ datasource: "nagios" }),
      }),
    );
  }
  if (types.has("doctor")) {
    const doctor = createDoctorDatasource();
    all.push(doctor);
    eventSinks.push(doctor);
  }
  if (types.has("prometheus")) {
    const file = settings.prometheus.config_file;
    const prometheus = createPrometheusDatasource(
      file === "" ? [] : loadAlertMappings(file),
      dependencies.graph,
    );
    all.push(prometheus);
    eventSinks.push(prometheus);
  }
  if (types.has("nova")) {
    const url = settings.nova.url !== "" ? settings.nova.url : config.bus.url;
    if (!url.startsWith("amqp")) {
      throw new Error(
        "the nova datasource needs datasources.nova.url (or bus.url) set to an amqp:// URL",
      );
    }
    all.push(
      createNovaDatasource({
        url,
        exchange: settings.nova.exchange,
        topic: settings.nova.topic,
        queue: settings.nova.queue,
        logger: logger.child({ datasource: "nova" }),
        memory: {
          load: async () => ((await snapshots.load("datasource:nova"))?.snapshot ?? []) as never,
          save: (events) => snapshots.save("datasource:nova", events, new Date().toISOString()),
        },
      }),
    );
  }
  if (types.has("network")) {
    all.push(
      createNetworkDatasource({
        url: settings.network.url,
        intervalSeconds: settings.network.interval_seconds,
        timeoutSeconds: settings.network.timeout_seconds,
        eventTopic: settings.network.event_topic,
        bus: dependencies.bus,
        authToken: serviceToken(config),
        logger: logger.child({ datasource: "network" }),
      }),
    );
  }
  return { all, eventSinks };
}

/**
 * Returns a function that gives a token of the service user in `auth` (renewed a minute before
 * it expires), or undefined when the service runs without Keystone or has no service user.
 */
function serviceToken(config: RcaConfig): (() => Promise<string | undefined>) | undefined {
  const auth = config.auth;
  if (auth.mode !== "keystone" || auth.username === "") {
    return undefined;
  }
  let current: { value: string; expiresAt: number } | undefined;
  return async () => {
    if (current === undefined || current.expiresAt - Date.now() < 60_000) {
      current = await issueToken({
        authUrl: auth.auth_url,
        username: auth.username,
        password: auth.password,
        projectName: auth.project_name,
        userDomainName: auth.user_domain_name,
        projectDomainName: auth.project_domain_name,
      });
    }
    return current.value;
  };
}
