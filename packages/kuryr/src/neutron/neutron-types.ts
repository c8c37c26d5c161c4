/** The Neutron v2.0 resource fields the plugin reads and writes. */

export interface NeutronNetwork {
  id: string;
  name: string;
  shared: boolean;
  tags?: string[];
  mtu?: number;
  subnets?: string[];
  project_id?: string;
}

export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip: string | null;
  subnetpool_id: string | null;
  enable_dhcp?: boolean;
  host_routes?: { destination: string; nexthop: string }[];
  tags?: string[];
}

export interface NeutronSubnetPool {
  id: string;
  name: string;
  prefixes: string[];
  default_prefixlen?: number | string;
  shared: boolean;
  ip_version?: number;
  tags?: string[];
}

export interface NeutronFixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface NeutronPort {
  id: string;
  name: string;
  network_id: string;
  mac_address: string;
  fixed_ips: NeutronFixedIp[];
  device_owner: string;
  device_id: string;
  status: string;
  admin_state_up?: boolean;
  security_groups?: string[];
  tags?: string[];
  "binding:host_id"?: string;
  "binding:vnic_type"?: string;
  /** Set by Neutron with the standard-attr timestamps, such as `2026-12-04T22:07:03Z`. */
  created_at?: string;
}

export interface NeutronSecurityGroup {
  id: string;
  name: string;
  description?: string;
  security_group_rules?: NeutronSecurityGroupRule[];
  tags?: string[];
}

export interface NeutronSecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: "ingress" | "egress";
  ethertype: "IPv4" | "IPv6";
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
}

/** Query parameters of a Neutron list call; an array repeats the key (`fixed_ips=...&fixed_ips=...`). */
export type NeutronQuery = Record<string, string | number | boolean | string[] | undefined>;

/** Resources that carry tags through `/v2.0/<collection>/<id>/tags/<tag>`. */
export type TaggedCollection = "networks" | "subnets" | "subnetpools" | "ports" | "security-groups";
