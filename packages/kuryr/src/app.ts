import { createHttpServer, type Logger } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { createBridgeBinding, type HostBinding } from "./binding/bridge-binding.js";
import { type CommandRunner, execFileRunner } from "./binding/command-runner.js";
import { bindingHostId, type KuryrConfig } from "./config.js";
import { createEndpointService } from "./endpoint/endpoint-service.js";
import { createExposureService } from "./exposure/exposure-service.js";
import { createIpamService } from "./ipam/ipam-service.js";
import { createReservationSweep, type ReservationSweep } from "./ipam/reservation-sweep.js";
import { ReservedPorts } from "./ipam/reserved-ports.js";
import { createNetworkService } from "./network/network-service.js";
import type { NeutronAccess } from "./neutron/neutron-access.js";
import { NeutronClient } from "./neutron/neutron-client.js";
import {
  DockerResourceLookup,
  type FeatureProbe,
  featureProbe,
} from "./neutron/neutron-lookups.js";
import { RecentSubnets } from "./neutron/recent-subnets.js";
import { formatPluginError, registerPluginRoutes } from "./protocol/plugin-routes.js";

/** Parts the plugin app is built from; tests pass their own binding or command runner. */
export interface KuryrAppDependencies {
  config: KuryrConfig;
  logger: Logger;
  access: NeutronAccess;
  /** Host binding; defaults to the veth and bridge binding with `runCommand`. */
  binding?: HostBinding;
  /** Runs `ip` and `iptables`; defaults to execFile. */
  runCommand?: CommandRunner;
}

/** The plugin app and the startup check of Neutron's extensions. */
export interface KuryrApp {
  app: FastifyInstance;
  features: FeatureProbe;
  /** Release of reservations that no endpoint took. The service starts it once listening. */
  reservations: ReservationSweep;
}

/** Builds the plugin's fastify app: every libnetwork endpoint, `/healthcheck` and `/metrics`. */
export function buildKuryrApp(deps: KuryrAppDependencies): KuryrApp {
  const { config, logger } = deps;
  const neutron = new NeutronClient(deps.access, config.neutron.timeout_seconds, fetch, logger);
  const features = featureProbe(neutron, logger);
  const lookup = new DockerResourceLookup(neutron, features);
  const recent = new RecentSubnets(neutron);
  const reserved = new ReservedPorts();
  const binding = deps.binding ?? defaultBinding(config, logger, deps.runCommand);
  const hostId = bindingHostId(config);
  const reservations = createReservationSweep({
    neutron,
    logger,
    graceSeconds: config.reservation_grace_seconds,
  });

  const app = createHttpServer({ service: "kuryr", logger, formatError: formatPluginError });
  registerPluginRoutes(
    app,
    {
      network: createNetworkService({ neutron, features, lookup, binding, config, logger }),
      endpoint: createEndpointService({
        neutron,
        features,
        lookup,
        recent,
        reserved,
        binding,
        config,
        hostId,
        logger,
      }),
      exposure: createExposureService({
        neutron,
        lookup,
        enabled: config.process_external_connectivity,
        logger,
      }),
      ipam: createIpamService({
        neutron,
        features,
        recent,
        reserved,
        reservations,
        config,
        hostId,
        logger,
      }),
    },
    config,
  );
  return { app, features, reservations };
}

function defaultBinding(
  config: KuryrConfig,
  logger: Logger,
  runCommand: CommandRunner | undefined,
): HostBinding {
  return createBridgeBinding({
    run: runCommand ?? execFileRunner(10_000, logger),
    logger,
    ipCommand: config.binding.ip_command,
    iptablesCommand: config.binding.iptables_command,
    ip6tablesCommand: config.binding.ip6tables_command,
    bridgePrefix: config.binding.bridge_prefix,
    allowBridgeForwarding: config.binding.allow_bridge_forwarding,
  });
}
