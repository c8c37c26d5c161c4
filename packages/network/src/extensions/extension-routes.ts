import type { FastifyInstance, FastifyRequest } from "fastify";
import { stripJsonSuffix } from "../api/resource-controller.js";
import { errors } from "../errors.js";

/** An API extension as `/v2.0/extensions` lists it. */
export interface ExtensionInfo {
  alias: string;
  name: string;
  description: string;
  updated: string;
  links: [];
}

function extension(
  alias: string,
  name: string,
  updated: string,
  description: string,
): ExtensionInfo {
  return { alias, name, description, updated, links: [] };
}

/**
 * The extensions this service implements, with the aliases, names and dates of Neutron 21's
 * descriptors so that clients probing for an alias find it.
 */
export const EXTENSIONS: ExtensionInfo[] = [
  extension(
    "agent",
    "agent",
    "2013-02-03T10:00:00-00:00",
    "Lists the agents of the deployment. This service runs none, so the list is empty.",
  ),
  extension(
    "allowed-address-pairs",
    "Allowed Address Pairs",
    "2013-07-23T10:00:00-00:00",
    "Lets a port accept traffic for additional IP and MAC address pairs.",
  ),
  extension(
    "binding",
    "Port Binding",
    "2014-02-03T10:00:00-00:00",
    "Shows and sets the host, VNIC type and VIF details a port is bound with.",
  ),
  extension(
    "default-subnetpools",
    "Default Subnetpools",
    "2016-02-18T18:00:00-00:00",
    "Creates subnets from the default subnet pool of their IP version.",
  ),
  extension(
    "empty-string-filtering",
    "Empty String Filtering Extension",
    "2018-05-01T10:00:00-00:00",
    "Filters lists on attributes equal to the empty string.",
  ),
  extension(
    "external-net",
    "Neutron external network",
    "2013-01-14T10:00:00-00:00",
    "Marks networks as external with router:external.",
  ),
  extension(
    "ext-gw-mode",
    "Neutron L3 Configurable external gateway mode",
    "2013-03-28T10:00:00-00:00",
    "Turns SNAT on or off on a router's external gateway.",
  ),
  extension(
    "extra_dhcp_opt",
    "Neutron Extra DHCP options",
    "2013-03-17T12:00:00-00:00",
    "Stores extra DHCP options on ports.",
  ),
  extension(
    "extraroute",
    "Neutron Extra Route",
    "2013-02-01T10:00:00-00:00",
    "Sets extra routes on routers.",
  ),
  extension(
    "filter-validation",
    "Filter parameters validation",
    "2018-07-04T10:00:00-00:00",
    "Rejects list filters on attributes that cannot be filtered.",
  ),
  extension(
    "ip-substring-filtering",
    "IP address substring filtering",
    "2017-11-28T09:00:00-00:00",
    "Filters ports on part of a fixed IP address.",
  ),
  extension("net-mtu", "Network MTU", "2015-03-25T10:00:00-00:00", "Shows the MTU of networks."),
  extension(
    "net-mtu-writable",
    "Network MTU (writable)",
    "2017-07-12T00:00:00-00:00",
    "Sets the MTU of networks.",
  ),
  extension(
    "pagination",
    "Pagination support",
    "2016-06-12T00:00:00-00:00",
    "Pages lists with limit, marker and page_reverse.",
  ),
  extension(
    "port-security",
    "Port Security",
    "2012-07-23T10:00:00-00:00",
    "Turns port security on and off for networks and ports.",
  ),
  extension(
    "port-security-groups-filtering",
    "Port filtering on security groups",
    "2018-01-09T09:00:00-00:00",
    "Filters ports on their security groups.",
  ),
  extension(
    "project-id",
    "project_id field enabled",
    "2016-09-09T09:09:09-09:09",
    "Shows project_id next to tenant_id.",
  ),
  extension(
    "quota_details",
    "Quota details management support",
    "2017-02-10T10:00:00-00:00",
    "Shows the used and reserved amount of each quota.",
  ),
  extension(
    "quotas",
    "Quota management support",
    "2012-07-29T10:00:00-00:00",
    "Sets per-project limits on resources.",
  ),
  extension(
    "router",
    "Neutron L3 Router",
    "2012-07-20T10:00:00-00:00",
    "Records routers (interfaces on internal subnets, a gateway on an external network) and floating IPs.",
  ),
  extension(
    "security-group",
    "security-group",
    "2012-10-05T10:00:00-00:00",
    "Filters traffic to and from ports with security groups and rules.",
  ),
  extension(
    "security-groups-normalized-cidr",
    "Normalized CIDR field for security group rules",
    "2020-07-28T10:00:00-00:00",
    "Shows the remote prefix of rules without host bits.",
  ),
  extension(
    "security-groups-shared-filtering",
    "Security group filtering on the shared field",
    "2021-10-05T09:00:00-00:00",
    "Shows and filters on whether a security group is shared.",
  ),
  extension(
    "sorting",
    "Sorting support",
    "2016-06-12T00:00:00-00:00",
    "Sorts lists with sort_key and sort_dir.",
  ),
  extension(
    "standard-attr-description",
    "standard-attr-description",
    "2016-02-10T10:00:00-00:00",
    "Adds a description to every resource.",
  ),
  extension(
    "standard-attr-revisions",
    "Resource revision numbers",
    "2016-04-11T10:00:00-00:00",
    "Counts the changes of every resource in revision_number.",
  ),
  extension(
    "standard-attr-tag",
    "Tag support for resources with standard attribute: port, subnet, subnetpool, network, security_group, router, floatingip",
    "2017-01-01T00:00:00-00:00",
    "Sets tags on resources and filters lists on them.",
  ),
  extension(
    "standard-attr-timestamp",
    "Resource timestamps",
    "2016-09-12T10:00:00-00:00",
    "Shows when every resource was created and last changed.",
  ),
  extension(
    "stateful-security-group",
    "Stateful security group",
    "2019-11-26T09:00:00-00:00",
    "Marks security groups as stateful or stateless.",
  ),
  extension(
    "subnet_allocation",
    "Subnet Allocation",
    "2015-03-30T10:00:00-00:00",
    "Allocates subnets from subnet pools.",
  ),
  extension(
    "tag-ports-during-bulk-creation",
    "Tag Ports During Bulk Creation",
    "2019-12-29T19:00:00-00:00",
    "Sets tags on ports when they are created.",
  ),
];

/** Core resources `GET /v2.0` lists. */
const CORE_RESOURCES = [
  ["network", "networks"],
  ["subnet", "subnets"],
  ["subnetpool", "subnetpools"],
  ["port", "ports"],
] as const;

/**
 * Registers version discovery (`GET /`, public, and `GET /v2.0`) and the extension list
 * (`GET /v2.0/extensions` and `GET /v2.0/extensions/<alias>`).
 */
export function registerDiscoveryRoutes(
  app: FastifyInstance,
  baseUrl: (request: FastifyRequest) => string,
): void {
  app.get("/", { config: { public: true } }, async (request) => ({
    versions: [
      {
        id: "v2.0",
        status: "CURRENT",
        links: [{ rel: "self", href: `${baseUrl(request)}/v2.0/` }],
      },
    ],
  }));
  app.get("/v2.0", async (request) => ({
    resources: CORE_RESOURCES.map(([name, collection]) => ({
      name,
      collection,
      links: [{ rel: "self", href: `${baseUrl(request)}/v2.0/${collection}` }],
    })),
  }));
  for (const path of ["/v2.0/extensions", "/v2.0/extensions.json"]) {
    app.get(path, async () => ({ extensions: EXTENSIONS }));
  }
  app.get("/v2.0/extensions/:alias", async (request) => {
    const alias = stripJsonSuffix((request.params as { alias: string }).alias);
    const found = EXTENSIONS.find((candidate) => candidate.alias === alias);
    if (found === undefined) {
      throw errors.create("HTTPNotFound", {}, `Extension with alias ${alias} does not exist`);
    }
    return { extension: found };
  });
}
