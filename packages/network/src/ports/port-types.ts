import {
  NOT_SPECIFIED,
  projectAttributes,
  type ResourceDefinition,
  standardAttributes,
} from "../api/attributes.js";
import {
  convertIpToCanonical,
  convertKeyValueList,
  convertNoneToEmptyList,
  convertToBoolean,
  convertToInt,
  convertToSanitizedMac,
} from "../api/converters.js";
import { booleanFilter } from "../api/filters.js";
import { pythonStr } from "../api/python-format.js";
import {
  isPlainObject,
  validateDictOrNone,
  validateFixedIps,
  validateIpAddress,
  validateListOfUniqueStrings,
  validateMacAddress,
  validateOneLineNotEmptyString,
  validateString,
  validateSubnet,
  validateUuid,
  validateUuidList,
  validateValues,
} from "../api/validators.js";
import { badRequest, neutronError } from "../errors.js";

/** One address of a port as the API shows it. */
export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

/** A port as the API shows it. */
export interface Port extends Record<string, unknown> {
  id: string;
  name: string;
  network_id: string;
  tenant_id: string;
  project_id: string;
  mac_address: string;
  admin_state_up: boolean;
  status: string;
  device_id: string;
  device_owner: string;
  fixed_ips: FixedIp[];
  allowed_address_pairs: { ip_address: string; mac_address: string }[];
  extra_dhcp_opts: { opt_name: string; opt_value: string; ip_version: number }[];
  security_groups: string[];
  port_security_enabled: boolean;
  "binding:host_id": string;
  "binding:vnic_type": string;
  "binding:profile": Record<string, unknown>;
  "binding:vif_type": string;
  "binding:vif_details": Record<string, unknown>;
}

export const VNIC_TYPES = [
  "normal",
  "direct",
  "macvtap",
  "baremetal",
  "direct-physical",
  "virtio-forwarder",
  "smart-nic",
  "vdpa",
  "accelerator-direct",
  "accelerator-direct-physical",
  "remote-managed",
];

/** Checks allowed address pairs with the exceptions Neutron raises for each problem. */
export function createAddressPairConverter(maxPairs: number) {
  return (value: unknown): unknown => {
    const pairs = convertNoneToEmptyList(value);
    if (!Array.isArray(pairs)) {
      throw badRequest("Allowed address pairs must be a list.");
    }
    if (pairs.length > maxPairs) {
      throw neutronError("AllowedAddressPairExhausted", { quota: maxPairs });
    }
    const seen = new Set<string>();
    return pairs.map((pair) => checkAddressPair(pair, seen));
  };
}

/** Checks one allowed address pair, rejects a repeat of an earlier pair, and returns it in canonical form. */
function checkAddressPair(pair: unknown, seen: Set<string>): Record<string, unknown> {
  if (!isPlainObject(pair)) {
    throw badRequest(
      `Invalid input for allowed_address_pairs. Reason: '${pythonStr(pair)}' is not a dictionary.`,
    );
  }
  if ("mac_address" in pair) {
    const message = validateMacAddress(pair.mac_address);
    if (message !== undefined) {
      throw badRequest(message);
    }
  }

  if (!("ip_address" in pair)) {
    throw neutronError("AllowedAddressPairsMissingIP");
  }

  const mac = "mac_address" in pair ? pair.mac_address : null;
  const key = `${String(mac)} ${String(pair.ip_address)}`;
  if (seen.has(key)) {
    throw neutronError("DuplicateAddressPairInRequest", {
      mac_address: pythonStr(mac),
      ip_address: pythonStr(pair.ip_address),
    });
  }
  seen.add(key);

  const unknown = Object.keys(pair).filter(
    (name) => name !== "mac_address" && name !== "ip_address",
  );
  if (unknown.length > 0) {
    throw badRequest(`Unrecognized attribute(s) '${unknown.join(", ")}'`);
  }

  const address = pair.ip_address;
  const message =
    typeof address === "string" && address.includes("/")
      ? validateSubnet(address)
      : validateIpAddress(address);
  if (message !== undefined) {
    throw badRequest(message);
  }
  return {
    ...pair,
    ip_address: convertIpToCanonical(address),
    ...(mac === null ? {} : { mac_address: convertToSanitizedMac(mac) }),
  };
}

/** Checks extra DHCP options against the two key specs Neutron accepts. */
function validateExtraDhcpOptions(value: unknown): string | undefined {
  if (value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    return `'${pythonStr(value)}' is not a list`;
  }
  for (const option of value) {
    if (!isPlainObject(option)) {
      return `'${pythonStr(option)}' is not a dictionary`;
    }
    const keys = Object.keys(option);
    const unexpected = keys.filter((key) => !["opt_name", "opt_value", "ip_version"].includes(key));
    const valid =
      unexpected.length === 0 &&
      "opt_name" in option &&
      "opt_value" in option &&
      validateOneLineNotEmptyString(64)(option.opt_name) === undefined &&
      (option.opt_value === null ||
        validateOneLineNotEmptyString(255)(option.opt_value) === undefined) &&
      (!("ip_version" in option) || [4, 6].includes(Number(option.ip_version)));
    if (!valid) {
      return `No valid key specs matched for: ${pythonStr(option)}`;
    }
  }
  return undefined;
}

const canonicalMacFilter = { convert: (value: string) => convertToSanitizedMac(value) };

/** Returns the `ports` resource with the binding, security, address pair and DHCP option extensions. */
export function portDefinition(maxAddressPairs: number): ResourceDefinition {
  return {
    singular: "port",
    plural: "ports",
    path: "ports",
    attributes: {
      id: { post: false, put: false, visible: true, filter: {}, sortable: true },
      name: {
        post: true,
        put: true,
        visible: true,
        default: "",
        validate: validateString(255),
        filter: {},
        sortable: true,
      },
      network_id: {
        post: true,
        put: false,
        visible: true,
        validate: validateUuid,
        filter: {},
        sortable: true,
      },
      admin_state_up: {
        post: true,
        put: true,
        visible: true,
        default: true,
        convert: convertToBoolean,
        filter: booleanFilter,
        sortable: true,
      },
      mac_address: {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        convert: convertToSanitizedMac,
        validate: validateMacAddress,
        filter: canonicalMacFilter,
        sortable: true,
        enforcePolicy: true,
      },
      fixed_ips: {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        validate: validateFixedIps,
        filter: {},
        enforcePolicy: true,
      },
      device_id: {
        post: true,
        put: true,
        visible: true,
        default: "",
        validate: validateString(255),
        filter: {},
        sortable: true,
      },
      device_owner: {
        post: true,
        put: true,
        visible: true,
        default: "",
        validate: validateString(255),
        filter: {},
        sortable: true,
        enforcePolicy: true,
      },
      ...projectAttributes(),
      status: { post: false, put: false, visible: true, filter: {}, sortable: true },
      "binding:vif_type": { post: false, put: false, visible: true, enforcePolicy: true },
      "binding:vif_details": { post: false, put: false, visible: true, enforcePolicy: true },
      "binding:vnic_type": {
        post: true,
        put: true,
        visible: true,
        default: "normal",
        validate: validateValues(VNIC_TYPES),
        filter: {},
        enforcePolicy: true,
      },
      "binding:host_id": {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        validate: (value) => (value === null ? undefined : validateString(255)(value)),
        filter: {},
        enforcePolicy: true,
      },
      "binding:profile": {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        validate: validateDictOrNone,
        enforcePolicy: true,
      },
      allowed_address_pairs: {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        convert: createAddressPairConverter(maxAddressPairs),
        enforcePolicy: true,
      },
      port_security_enabled: {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        convert: convertToBoolean,
        enforcePolicy: true,
      },
      security_groups: {
        post: true,
        put: true,
        visible: true,
        default: NOT_SPECIFIED,
        convert: convertNoneToEmptyList,
        validate: validateUuidList,
        filter: {},
      },
      extra_dhcp_opts: {
        post: true,
        put: true,
        visible: true,
        default: null,
        validate: validateExtraDhcpOptions,
      },
      ...standardAttributes(),
      tags: {
        post: true,
        put: false,
        visible: true,
        default: [],
        validate: validateListOfUniqueStrings(255),
        filter: {},
      },
    },
  };
}

/** Reads the `fixed_ips` filter (`ip_address=...`, `subnet_id=...`, `ip_address_substr=...`). */
export function parseFixedIpsFilter(values: unknown[]): Record<string, string[]> {
  const parsed = convertKeyValueList(values.map(String));
  if (parsed.ip_address !== undefined) {
    parsed.ip_address = parsed.ip_address.map((address) => String(convertIpToCanonical(address)));
  }
  return parsed;
}

/** Reads an extra DHCP option's IP version, 4 when it is left out. */
export function dhcpOptionVersion(option: Record<string, unknown>): number {
  return "ip_version" in option && option.ip_version !== null
    ? (convertToInt(option.ip_version) as number)
    : 4;
}
