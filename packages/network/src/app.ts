import {
  createHttpServer,
  KeystoneTokenValidator,
  type Logger,
  type MessageBus,
  registerAuth,
  type TokenValidator,
} from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { registerAgentRoutes } from "./agents/agent-routes.js";
import { registerJsonBodies } from "./api/request-body.js";
import { buildRequestContext, type RequestContext } from "./api/request-context.js";
import { registerResourceRoutes } from "./api/resource-controller.js";
import type { NetworkConfig } from "./config.js";
import type { NetworkStore } from "./db/transaction.js";
import { formatNeutronError } from "./errors.js";
import { EventPublisher } from "./events/event-publisher.js";
import { registerDiscoveryRoutes } from "./extensions/extension-routes.js";
import { FloatingIpService } from "./floatingips/floatingip-service.js";
import { NetworkService } from "./networks/network-service.js";
import { NetworkPolicy } from "./policy/network-policy.js";
import { PortService } from "./ports/port-service.js";
import { registerQuotaRoutes } from "./quotas/quota-routes.js";
import { QuotaService } from "./quotas/quota-service.js";
import { registerRouterActions } from "./routers/router-routes.js";
import { RouterService } from "./routers/router-service.js";
import { SecurityGroupRuleService } from "./security-groups/security-group-rule-service.js";
import { SecurityGroupService } from "./security-groups/security-group-service.js";
import { SubnetPoolService } from "./subnetpools/subnetpool-service.js";
import { SubnetService } from "./subnets/subnet-service.js";
import { registerTagRoutes } from "./tags/tag-routes.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The network service's view of the caller, built once per request. */
    networkContext?: RequestContext;
  }
}

/** Roles of a no-auth request without `X-Roles`: Neutron's no-auth mode treats callers as admins. */
const NOAUTH_DEFAULT_ROLES = ["admin"];

export interface NetworkAppDependencies {
  config: NetworkConfig;
  store: NetworkStore;
  bus: Pick<MessageBus, "publish">;
  logger: Logger;
  /** Validates tokens in keystone mode; built from `config.auth` when absent. */
  tokenValidator?: TokenValidator;
  /** Name in `publisher_id` of change events, such as `network.host1`. */
  publisherId: string;
}

/** The built application with the services behind it. */
export interface NetworkApp {
  app: FastifyInstance;
  events: EventPublisher;
  subnetPools: SubnetPoolService;
}

/** Builds the network service's fastify app: every resource, tags, quotas and discovery. */
export function buildNetworkApp(dependencies: NetworkAppDependencies): NetworkApp {
  const { config, store, logger } = dependencies;
  const app = createHttpServer({
    service: "network",
    logger,
    formatError: formatNeutronError,
    bodyLimit: config.max_request_body_size,
    healthCheck: async () => {
      await store.db.selectFrom("net_networks").select("id").limit(1).execute();
    },
  });
  registerJsonBodies(app);
  registerAuthentication(app, dependencies);

  const policy = new NetworkPolicy(config.policy.file);
  const context = (request: FastifyRequest): RequestContext => {
    request.networkContext ??= buildRequestContext(request.auth, request.id, policy);
    return request.networkContext;
  };
  const baseUrl = (request: FastifyRequest) =>
    config.listen.public_url === ""
      ? `${request.protocol}://${request.headers.host ?? `${config.listen.host}:${config.listen.port}`}`
      : config.listen.public_url.replace(/\/+$/, "");

  const services = buildServices(dependencies);
  const controllerDependencies = {
    policy,
    context,
    baseUrl,
    listOptions: { maxPageSize: config.pagination_max_limit },
  };
  for (const service of [
    services.networks,
    services.subnets,
    services.subnetPools,
    services.ports,
    services.securityGroups,
    services.securityGroupRules,
    services.routers,
    services.floatingIps,
  ]) {
    registerResourceRoutes(app, service, controllerDependencies);
  }
  const tagged = [
    { collection: "networks", table: "net_networks", service: services.networks },
    { collection: "subnets", table: "net_subnets", service: services.subnets },
    { collection: "subnetpools", table: "net_subnetpools", service: services.subnetPools },
    { collection: "ports", table: "net_ports", service: services.ports },
    {
      collection: "security_groups",
      table: "net_security_groups",
      service: services.securityGroups,
    },
    { collection: "routers", table: "net_routers", service: services.routers },
    { collection: "floatingips", table: "net_floatingips", service: services.floatingIps },
  ] as const;
  for (const resource of tagged) {
    registerTagRoutes(app, resource, { store, policy, context });
  }
  registerRouterActions(app, { routers: services.routers, policy, context });
  registerQuotaRoutes(app, { quotas: services.quotas, policy, context });
  registerAgentRoutes(app);
  registerDiscoveryRoutes(app, baseUrl);
  return { app, events: services.events, subnetPools: services.subnetPools };
}

/** Wires the services together. Each one gets only the parts of the others that it calls. */
function buildServices(dependencies: NetworkAppDependencies) {
  const { config, store, logger } = dependencies;
  const events = new EventPublisher(dependencies.bus, logger, dependencies.publisherId);
  const quotas = new QuotaService(store, config.quotas);

  const securityGroups = new SecurityGroupService({ store, quotas, events });
  const securityGroupRules = new SecurityGroupRuleService({
    store,
    quotas,
    events,
    groups: securityGroups,
  });
  const subnetPools = new SubnetPoolService({ store, quotas, events });

  // Networks, subnets and ports call each other, so the later ones are reached through closures.
  let ports: PortService | undefined;
  let subnets: SubnetService | undefined;
  const networks = new NetworkService({
    store,
    quotas,
    events,
    maxMtu: config.max_mtu,
    ensureDefaultSecurityGroup: async (context, projectId) => {
      await securityGroups.ensureDefault(context, projectId);
    },
    cascade: () => ({
      deleteAutoDeletePorts: (trx, networkId) =>
        (ports as PortService).deleteAutoDeletePorts(trx, networkId),
      deleteSubnets: (trx, networkId) =>
        (subnets as SubnetService).deleteSubnetsOfNetwork(trx, networkId),
    }),
  });

  subnets = new SubnetService({
    store,
    quotas,
    events,
    networks,
    subnetPools,
    ports: () => ports as PortService,
    limits: {
      maxDnsNameservers: config.max_dns_nameservers,
      maxHostRoutes: config.max_subnet_host_routes,
    },
  });

  let floatingIps: FloatingIpService | undefined;
  ports = new PortService({
    store,
    quotas,
    events,
    floatingIpsChanged: (context, ids) =>
      (floatingIps as FloatingIpService).announceUpdated(context, ids),
    networks,
    subnets,
    securityGroups,
    baseMac: config.base_mac,
    binding: { vifType: config.binding.vif_type, vifDetails: config.binding.vif_details },
    maxAddressPairs: config.max_allowed_address_pair,
  });

  const routers = new RouterService({
    store,
    quotas,
    events,
    ports,
    subnets,
    maxRoutes: config.max_routes,
    enableSnatByDefault: config.enable_snat_by_default,
  });

  floatingIps = new FloatingIpService({ store, quotas, events, ports });

  return {
    events,
    quotas,
    routers,
    floatingIps,
    securityGroups,
    securityGroupRules,
    subnetPools,
    networks,
    subnets,
    ports,
  };
}

/**
 * Keystone mode validates `X-Auth-Token` and responds with 401 as keystonemiddleware does. No-auth
 * mode takes the caller from `X-Project-Id`, `X-User-Id` and `X-Roles`, with admin rights when no
 * role is given, as Neutron's `auth_strategy = noauth`.
 */
function registerAuthentication(app: FastifyInstance, dependencies: NetworkAppDependencies) {
  const { config, logger } = dependencies;
  if (config.auth.mode === "noauth") {
    registerAuth(app, { mode: "noauth", noauthDefaultRoles: NOAUTH_DEFAULT_ROLES });
    return;
  }
  const validator =
    dependencies.tokenValidator ??
    new KeystoneTokenValidator({
      credentials: {
        authUrl: config.auth.auth_url,
        username: config.auth.username,
        password: config.auth.password,
        projectName: config.auth.project_name,
        userDomainName: config.auth.user_domain_name,
        projectDomainName: config.auth.project_domain_name,
      },
      cacheSeconds: config.auth.cache_seconds,
      cacheSize: config.auth.cache_size,
      logger,
    });
  const identityRoot = config.auth.auth_url.replace(/\/+$/, "").replace(/\/v3$/, "");
  registerAuth(app, {
    mode: "keystone",
    validator,
    wwwAuthenticate: `Keystone uri="${identityRoot}"`,
  });
}
