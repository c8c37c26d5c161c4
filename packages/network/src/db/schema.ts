/**
 * Tables of the network service. Every name starts with `net_` so the service can share a database
 * with the other services. Timestamps are fixed-width ISO text; booleans are read back with
 * `toBoolean` because SQLite returns 0/1.
 */

/** Columns every resource with Neutron's standard attributes has. */
interface StandardColumns {
  id: string;
  project_id: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NetworkTable extends StandardColumns {
  name: string;
  status: string;
  admin_state_up: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  port_security_enabled: boolean;
}

export interface SubnetTable extends StandardColumns {
  network_id: string;
  name: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  subnetpool_id: string | null;
}

export interface AllocationPoolTable {
  subnet_id: string;
  position: number;
  first_ip: string;
  last_ip: string;
}

export interface DnsNameserverTable {
  subnet_id: string;
  position: number;
  address: string;
}

export interface HostRouteTable {
  subnet_id: string;
  position: number;
  destination: string;
  nexthop: string;
}

export interface SubnetPoolTable extends StandardColumns {
  name: string;
  ip_version: number;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  default_quota: number | null;
  shared: boolean;
  is_default: boolean;
}

export interface SubnetPoolPrefixTable {
  subnetpool_id: string;
  cidr: string;
}

export interface PortTable extends StandardColumns {
  network_id: string;
  name: string;
  mac_address: string;
  admin_state_up: boolean;
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: boolean;
  binding_host_id: string;
  binding_vnic_type: string;
  binding_profile: string;
  binding_vif_type: string;
  binding_vif_details: string;
}

/** One address of a port; the primary key (subnet, address) is what makes IPAM race-free. */
export interface IpAllocationTable {
  subnet_id: string;
  ip_address: string;
  port_id: string;
  network_id: string;
}

export interface PortSecurityGroupTable {
  port_id: string;
  security_group_id: string;
}

export interface AllowedAddressPairTable {
  port_id: string;
  mac_address: string;
  ip_address: string;
}

export interface ExtraDhcpOptionTable {
  port_id: string;
  opt_name: string;
  opt_value: string;
  ip_version: number;
}

export interface SecurityGroupTable extends StandardColumns {
  name: string;
  stateful: boolean;
}

/** The default security group of each project; the primary key keeps it unique. */
export interface DefaultSecurityGroupTable {
  project_id: string;
  security_group_id: string;
}

export interface SecurityGroupRuleTable extends StandardColumns {
  security_group_id: string;
  remote_group_id: string | null;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
}

export interface RouterTable extends StandardColumns {
  name: string;
  status: string;
  admin_state_up: boolean;
  enable_snat: boolean;
  gw_port_id: string | null;
}

/** A port that belongs to a router: its interfaces and its gateway. */
export interface RouterPortTable {
  router_id: string;
  port_id: string;
  port_type: string;
}

/** An extra route of a router. */
export interface RouterRouteTable {
  router_id: string;
  destination: string;
  nexthop: string;
}

/** A floating IP: an address on an external network, optionally mapped to a port's address. */
export interface FloatingIpTable extends StandardColumns {
  floating_network_id: string;
  floating_ip_address: string;
  floating_port_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
}

export interface TagTable {
  resource_id: string;
  tag: string;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface NetworkDatabase {
  net_networks: NetworkTable;
  net_subnets: SubnetTable;
  net_allocation_pools: AllocationPoolTable;
  net_dns_nameservers: DnsNameserverTable;
  net_host_routes: HostRouteTable;
  net_subnetpools: SubnetPoolTable;
  net_subnetpool_prefixes: SubnetPoolPrefixTable;
  net_ports: PortTable;
  net_ip_allocations: IpAllocationTable;
  net_port_security_groups: PortSecurityGroupTable;
  net_allowed_address_pairs: AllowedAddressPairTable;
  net_extra_dhcp_options: ExtraDhcpOptionTable;
  net_security_groups: SecurityGroupTable;
  net_default_security_groups: DefaultSecurityGroupTable;
  net_security_group_rules: SecurityGroupRuleTable;
  net_routers: RouterTable;
  net_router_ports: RouterPortTable;
  net_router_routes: RouterRouteTable;
  net_floatingips: FloatingIpTable;
  net_network_tags: TagTable;
  net_subnet_tags: TagTable;
  net_subnetpool_tags: TagTable;
  net_port_tags: TagTable;
  net_security_group_tags: TagTable;
  net_router_tags: TagTable;
  net_floatingip_tags: TagTable;
  net_quotas: QuotaTable;
}

/** Tag tables by the collection they belong to. */
export const TAG_TABLES = {
  networks: "net_network_tags",
  subnets: "net_subnet_tags",
  subnetpools: "net_subnetpool_tags",
  ports: "net_port_tags",
  security_groups: "net_security_group_tags",
  routers: "net_router_tags",
  floatingips: "net_floatingip_tags",
} as const;

export type TaggedCollection = keyof typeof TAG_TABLES;
export type TagTableName = (typeof TAG_TABLES)[TaggedCollection];
