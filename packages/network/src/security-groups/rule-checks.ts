import { neutronError } from "../errors.js";
import { parseCidr } from "../ipam/ip-address.js";
import { IP_PROTOCOL_NUMBERS } from "./security-group-types.js";

/** The attributes of a rule that its checks read and rewrite. */
export interface RuleValues {
  security_group_id: string;
  remote_group_id: string | null;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
}

/** Protocols whose rules may carry a port range. */
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
const PORT_PROTOCOL_NAMES = "DCCP, SCTP, TCP, UDP, UDPLITE";
const IPV6_ONLY_PROTOCOLS = new Set([
  "ipv6-encap",
  "ipv6-frag",
  "ipv6-icmp",
  "icmpv6",
  "ipv6-nonxt",
  "ipv6-opts",
  "ipv6-route",
  "41",
  "44",
  "58",
  "59",
  "60",
  "43",
]);
const NUMBER_TO_NAME = new Map(
  Object.entries(IP_PROTOCOL_NUMBERS)
    .filter(([name]) => name !== "icmpv6" && name !== "hopopt")
    .map(([name, number]) => [String(number), name]),
);

/** IP protocol number of a protocol name or number text. */
export function protocolNumber(protocol: string): number {
  const known = IP_PROTOCOL_NUMBERS[protocol];
  return known ?? Number.parseInt(protocol, 10);
}

/**
 * Rewrites a rule into Neutron's canonical form and checks it, in Neutron's order. Legacy IPv6
 * ICMP names become `ipv6-icmp` and the full port range 1-65535 becomes no range. Then the port
 * range, the remote prefix's version and the protocol's version are checked.
 */
export function canonicalizeAndCheck(rule: RuleValues): void {
  if (rule.ethertype === "IPv6") {
    if (rule.protocol === "icmp" || rule.protocol === "icmpv6") {
      rule.protocol = "ipv6-icmp";
    } else if (rule.protocol === "1") {
      rule.protocol = "58";
    }
  }
  if (rule.port_range_min === 1 && rule.port_range_max === 65535) {
    rule.port_range_min = null;
    rule.port_range_max = null;
  }
  checkPortRange(rule);
  checkRemotePrefix(rule);
  if (
    rule.ethertype === "IPv4" &&
    rule.protocol !== null &&
    IPV6_ONLY_PROTOCOLS.has(rule.protocol)
  ) {
    throw neutronError("SecurityGroupEthertypeConflictWithProtocol", {
      ethertype: rule.ethertype,
      protocol: rule.protocol,
    });
  }
  if (rule.remote_ip_prefix !== null && rule.remote_group_id !== null) {
    throw neutronError("SecurityGroupMultipleRemoteEntites");
  }
}

function checkPortRange(rule: RuleValues): void {
  const { port_range_min: min, port_range_max: max } = rule;
  if (min === null && max === null) {
    return;
  }
  if (rule.protocol === null) {
    throw neutronError("SecurityGroupProtocolRequiredWithPorts");
  }
  const number = protocolNumber(rule.protocol);
  if (PORT_PROTOCOLS.has(number)) {
    if (min === 0 || max === 0) {
      throw neutronError("SecurityGroupInvalidPortValue", { port: 0 });
    }
    if (min === null || max === null || min > max) {
      throw neutronError("SecurityGroupInvalidPortRange");
    }
    return;
  }
  if (number === 1 || number === 58) {
    for (const [attribute, field, value] of [
      ["port_range_min", "type", min],
      ["port_range_max", "code", max],
    ] as const) {
      if (value !== null && (value < 0 || value > 255)) {
        throw neutronError("SecurityGroupInvalidIcmpValue", { field, attr: attribute, value });
      }
    }
    if (min === null && max !== null) {
      throw neutronError("SecurityGroupMissingIcmpType", { value: max });
    }
    return;
  }
  throw neutronError("SecurityGroupInvalidProtocolForPort", {
    protocol: number,
    valid_port_protocols: PORT_PROTOCOL_NAMES,
  });
}

function checkRemotePrefix(rule: RuleValues): void {
  if (rule.remote_ip_prefix === null) {
    return;
  }
  const prefix = parseCidr(rule.remote_ip_prefix);
  if (prefix !== undefined && rule.ethertype !== `IPv${prefix.version}`) {
    throw neutronError("SecurityGroupRuleParameterConflict", {
      ethertype: rule.ethertype,
      cidr: rule.remote_ip_prefix,
    });
  }
}

/**
 * Returns a key that is equal for rules Neutron treats as duplicates: same direction, ethertype,
 * ports, protocol (by name and number), remote and group. `0.0.0.0/0` and `::/0` count as no prefix.
 */
export function ruleKey(rule: RuleValues): string {
  const none = "+";
  const prefix =
    rule.remote_ip_prefix === null ||
    rule.remote_ip_prefix === "0.0.0.0/0" ||
    rule.remote_ip_prefix === "::/0"
      ? none
      : rule.remote_ip_prefix;
  const parts = [
    rule.direction,
    rule.ethertype,
    rule.port_range_max === null ? none : String(rule.port_range_max),
    rule.port_range_min === null ? none : String(rule.port_range_min),
    rule.protocol === null ? none : protocolNameAndNumber(rule.protocol, rule.ethertype),
    rule.remote_group_id ?? none,
    none,
    prefix,
    rule.security_group_id,
  ];
  return parts.join("_");
}

function protocolNameAndNumber(protocol: string, ethertype: string): string {
  let value = protocol;
  if (ethertype === "IPv6") {
    if (value === "icmp" || value === "icmpv6") {
      value = "ipv6-icmp";
    } else if (value === "1") {
      value = "58";
    }
  }
  if (value in IP_PROTOCOL_NUMBERS) {
    return `${value}/${IP_PROTOCOL_NUMBERS[value]}`;
  }
  const name = NUMBER_TO_NAME.get(value);
  return name === undefined ? `${value}/${value}` : `${name}/${value}`;
}
