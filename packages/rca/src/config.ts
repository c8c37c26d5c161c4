import { join } from "node:path";
import {
  authSchema,
  busSchema,
  databaseSchema,
  dataDirectory,
  listenSchema,
  loadConfig,
  logSchema,
  policySchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import { type Static, Type } from "@sinclair/typebox";

/** Vitrage's API port. */
export const RCA_DEFAULT_PORT = 8999;

/** Datasource names accepted in `datasources.types`. */
export const DATASOURCE_NAMES = [
  "static",
  "nagios",
  "doctor",
  "prometheus",
  "nova",
  "network",
] as const;

export type DatasourceName = (typeof DATASOURCE_NAMES)[number];

const staticSchema = Type.Object(
  {
    directory: Type.String({
      default: join(dataDirectory(), "rca", "static_datasources"),
      description: "folder of static datasource YAML files",
    }),
    interval_seconds: Type.Number({
      default: 30,
      minimum: 0.05,
      description: "seconds between checks of the folder for changed files",
    }),
  },
  { default: {}, additionalProperties: false },
);

const nagiosSchema = Type.Object(
  {
    url: Type.String({
      default: "",
      description:
        "URL of the Nagios status.cgi page, such as http://host/cgi-bin/nagios4/status.cgi",
    }),
    user: Type.String({ default: "", description: "user for HTTP basic authentication" }),
    password: Type.String({ default: "" }),
    config_file: Type.String({
      default: "",
      description:
        "YAML file mapping Nagios host names to graph resources (nagios_conf.yaml format)",
    }),
    interval_seconds: Type.Number({
      default: 20,
      minimum: 0.05,
      description: "seconds between reads of the status page",
    }),
    timeout_seconds: Type.Number({ default: 10, minimum: 0.1 }),
  },
  { default: {}, additionalProperties: false },
);

const prometheusSchema = Type.Object(
  {
    config_file: Type.String({
      default: "",
      description:
        "YAML file mapping alert labels to resource fields (prometheus_conf.yaml format)",
    }),
  },
  { default: {}, additionalProperties: false },
);

const novaSchema = Type.Object(
  {
    url: Type.String({
      default: "",
      description:
        "RabbitMQ URL Nova sends its notifications to; empty uses the service's bus URL when that is amqp",
    }),
    exchange: Type.String({ default: "nova", description: "topic exchange of the notifications" }),
    topic: Type.String({
      default: "versioned_notifications.info",
      description: "routing key of the versioned notifications",
    }),
    queue: Type.String({
      default: "vitrage_notifications.nova",
      description: "durable queue bound to the topic, shared by every RCA process",
    }),
  },
  { default: {}, additionalProperties: false },
);

const networkSchema = Type.Object(
  {
    url: Type.String({
      default: "",
      description:
        "base URL of the Neutron-compatible network service for periodic listings; empty follows its bus events only",
    }),
    interval_seconds: Type.Number({
      default: 600,
      minimum: 0.05,
      description: "seconds between full snapshots of networks and ports",
    }),
    timeout_seconds: Type.Number({ default: 10, minimum: 0.1 }),
    event_topic: Type.String({
      default: "network.#",
      description: "bus topic pattern of the network service's change events",
    }),
  },
  { default: {}, additionalProperties: false },
);

const datasourcesSchema = Type.Object(
  {
    types: Type.Array(Type.Union(DATASOURCE_NAMES.map((name) => Type.Literal(name))), {
      default: ["static", "doctor", "prometheus", "network"],
      description: "datasources to run",
    }),
    static: staticSchema,
    nagios: nagiosSchema,
    prometheus: prometheusSchema,
    nova: novaSchema,
    network: networkSchema,
  },
  { default: {}, additionalProperties: false },
);

const webhookSchema = Type.Object(
  {
    max_retries: Type.Integer({
      default: 3,
      minimum: 0,
      description: "extra attempts of a webhook POST that failed to connect",
    }),
    timeout_seconds: Type.Number({ default: 10, minimum: 0.1 }),
  },
  { default: {}, additionalProperties: false },
);

const persistencySchema = Type.Object(
  {
    snapshot_interval_seconds: Type.Number({
      default: 60,
      minimum: 0.05,
      description: "seconds between saved copies of the entity graph, used to rebuild it at start",
    }),
  },
  { default: {}, additionalProperties: false },
);

/** The `rca` configuration section. */
export const rcaConfigSchema = serviceSchema({
  listen: listenSchema(RCA_DEFAULT_PORT),
  database: databaseSchema("rca"),
  auth: authSchema,
  bus: busSchema,
  log: logSchema,
  policy: policySchema,
  datasources: datasourcesSchema,
  webhook: webhookSchema,
  persistency: persistencySchema,
  states_directory: Type.String({
    default: "",
    description: "folder of YAML state tables, each replacing its type's built-in table",
  }),
  templates_directory: Type.String({
    default: "",
    description: "folder of template YAML files loaded at start, in addition to stored templates",
  }),
});

export type RcaConfig = Static<typeof rcaConfigSchema>;

/** Loads the `rca` section: file, `OSTS_RCA__*` variables, then explicit overrides. */
export function loadRcaConfig(options: ServiceConfigOptions = {}): RcaConfig {
  return loadConfig(rcaConfigSchema, {
    section: "rca",
    file: options.file,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
}
