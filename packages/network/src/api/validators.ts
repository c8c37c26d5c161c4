import { invalidInput } from "../errors.js";
import {
  formatIp,
  type IpAddress,
  type IpNetwork,
  isLoopback,
  networkAddress,
  parseCidr,
  parseIp,
} from "../ipam/ip-address.js";
import { normalizeMac } from "../ipam/mac-address.js";
import { pythonRepr, pythonStr } from "./python-format.js";

/**
 * Attribute validators with neutron-lib's semantics and messages. Each returns undefined when the
 * value is valid, or the reason that goes into "Invalid input for <attr>. Reason: <reason>.".
 */
export type Validator = (value: unknown) => string | undefined;

const UUID_TEXT = /^[0-9a-f]{32}$/;

/** Accepts what oslo's `is_uuid_like` accepts: 32 hex digits with optional dashes and braces. */
export function isUuidLike(value: unknown): boolean {
  if (typeof value !== "string") {
    return false;
  }
  const bare = value
    .toLowerCase()
    .replace(/^urn:/, "")
    .replace(/^uuid:/, "")
    .replace(/[{}-]/g, "");
  return UUID_TEXT.test(bare);
}

export function validateUuid(value: unknown): string | undefined {
  return isUuidLike(value) ? undefined : `'${pythonStr(value)}' is not a valid UUID`;
}

export function validateUuidOrNone(value: unknown): string | undefined {
  return value === null ? undefined : validateUuid(value);
}

export function validateString(maxLength?: number): Validator {
  return (value) => {
    if (typeof value !== "string") {
      return `'${pythonStr(value)}' is not a valid string`;
    }
    if (maxLength !== undefined && [...value].length > maxLength) {
      return `'${value}' exceeds maximum length of ${maxLength}`;
    }
    return undefined;
  };
}

export function validateStringOrNone(maxLength?: number): Validator {
  const validate = validateString(maxLength);
  return (value) => (value === null ? undefined : validate(value));
}

export function validateNotEmptyString(maxLength?: number): Validator {
  const validate = validateString(maxLength);
  return (value) => {
    const message = validate(value);
    if (message !== undefined) {
      return message;
    }
    return (value as string).trim() === ""
      ? `'${value as string}' Blank strings are not permitted`
      : undefined;
  };
}

export function validateOneLineNotEmptyString(maxLength?: number): Validator {
  const validate = validateNotEmptyString(maxLength);
  return (value) => {
    const message = validate(value);
    if (message !== undefined) {
      return message;
    }
    return /[\r\n]/.test((value as string).trim())
      ? `Multi-line string is not allowed: '${value as string}'`
      : undefined;
  };
}

export function validateValues(allowed: readonly unknown[]): Validator {
  return (value) =>
    allowed.includes(value) ? undefined : `${pythonStr(value)} is not in valid_values`;
}

export function validateNonNegative(value: unknown): string | undefined {
  const parsed = toPythonInt(value);
  if (parsed === undefined) {
    return `'${pythonStr(value)}' is not an integer`;
  }
  return parsed < 0 ? `'${pythonStr(value)}' should be non-negative` : undefined;
}

export function validateRange(min: number, max: number): Validator {
  return (value) => {
    const parsed = toPythonInt(value);
    if (parsed === undefined) {
      return `'${pythonStr(value)}' is not an integer`;
    }
    if (parsed < min) {
      return `'${parsed}' is too small - must be at least '${min}'`;
    }
    if (parsed > max) {
      return `'${parsed}' is too large - must be no larger than '${max}'`;
    }
    return undefined;
  };
}

/** Mirrors Python's `int()` on the JSON types: integral numbers, booleans and integer strings. */
export function toPythonInt(value: unknown): number | undefined {
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? Math.trunc(value) : undefined;
  }
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) {
    const parsed = Number.parseInt(value.trim(), 10);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

export function validateMacAddress(value: unknown): string | undefined {
  return normalizeMac(value) === undefined
    ? `'${pythonStr(value)}' is not a valid MAC address`
    : undefined;
}

/** Checks an IP address as neutron-lib does, rejecting IPv4 octets with leading zeros. */
export function validateIpAddress(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `'${pythonStr(value)}' is not a valid IP address`;
  }
  const parsed = parseIp(value);
  if (parsed === undefined) {
    return `'${value}' is not a valid IP address`;
  }
  const canonical = formatIp(parsed);
  if (parsed.version === 4 && canonical !== value) {
    return `'${value}' is not an accepted IP address, '${canonical}' is recommended`;
  }
  return undefined;
}

export function validateIpAddressOrNone(value: unknown): string | undefined {
  return value === null ? undefined : validateIpAddress(value);
}

/** Checks a prefix in CIDR form; an IPv4 prefix must be written canonically. */
export function validateSubnet(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `'${pythonStr(value)}' is not a valid IP subnet`;
  }
  const parsed = parseCidrLoose(value);
  if (parsed === undefined) {
    return `'${value}' is not a valid IP subnet`;
  }
  if (!value.includes("/") || (parsed.version === 4 && cidrText(parsed) !== value)) {
    return `'${value}' isn't a recognized IP subnet cidr, '${networkText(parsed)}' is recommended`;
  }
  return undefined;
}

export function validateSubnetOrNone(value: unknown): string | undefined {
  return value === null ? undefined : validateSubnet(value);
}

/** Checks a route destination: a prefix without host bits that is not a loopback prefix. */
export function validateRouteCidr(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `'${pythonStr(value)}' is not a valid CIDR`;
  }
  const parsed = parseCidrLoose(value);
  if (parsed === undefined) {
    return `'${value}' is not a valid CIDR`;
  }
  if (!value.includes("/") || networkAddress(parsed) !== parsed.address) {
    return `'${value}' is not a recognized CIDR, '${networkText(parsed)}' is recommended`;
  }
  if (isLoopback(parsed)) {
    return `'${value}' is not a routable CIDR`;
  }
  return undefined;
}

export function validateSubnetList(value: unknown): string | undefined {
  return validateListOfItems(validateSubnet, value);
}

export function validateUuidList(value: unknown): string | undefined {
  return validateListOfItems(validateUuid, value);
}

export function validateListOfUniqueStrings(maxLength?: number): Validator {
  return (value) => validateListOfItems(validateString(maxLength), value);
}

/** Checks that a value is a list whose items pass `item` and contain no duplicates. */
export function validateListOfItems(item: Validator, value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `'${pythonStr(value)}' is not a list`;
  }
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const entry of value) {
    const key = JSON.stringify(entry);
    if (seen.has(key) && !duplicates.includes(pythonStr(entry))) {
      duplicates.push(pythonStr(entry));
    }
    seen.add(key);
  }
  if (duplicates.length > 0) {
    return `Duplicate items in the list: '${duplicates.join(", ")}'`;
  }
  for (const entry of value) {
    const message = item(entry);
    if (message !== undefined) {
      return message;
    }
  }
  return undefined;
}

export function validateDict(value: unknown): string | undefined {
  return isPlainObject(value) ? undefined : `'${pythonStr(value)}' is not a dictionary`;
}

export function validateDictOrNone(value: unknown): string | undefined {
  return value === null ? undefined : validateDict(value);
}

/** Checks that each expected key is present, as neutron-lib's `_verify_dict_keys` does. */
export function verifyDictKeys(
  expected: string[],
  value: unknown,
  strict = true,
): string | undefined {
  if (!isPlainObject(value)) {
    return `Invalid input. '${pythonStr(value)}' must be a dictionary with keys: ${pythonRepr(expected)}`;
  }
  const keys = Object.keys(value);
  const missing = expected.some((key) => !keys.includes(key));
  const extra = strict && keys.some((key) => !expected.includes(key));
  if (missing || extra) {
    return `Validation of dictionary's keys failed. Expected keys: ${pythonSet(expected)} Provided keys: ${pythonSet(keys)}`;
  }
  return undefined;
}

export function validateIpPools(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `Invalid data format for IP pool: '${pythonStr(value)}'`;
  }
  for (const pool of value) {
    const message = verifyDictKeys(["start", "end"], pool);
    if (message !== undefined) {
      return message;
    }
    const record = pool as Record<string, unknown>;
    const invalid = validateIpAddress(record.start) ?? validateIpAddress(record.end);
    if (invalid !== undefined) {
      return invalid;
    }
  }
  return undefined;
}

export function validateFixedIps(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `Invalid data format for fixed IP: '${pythonStr(value)}'`;
  }
  const addresses: unknown[] = [];
  for (const fixedIp of value) {
    if (!isPlainObject(fixedIp)) {
      return `Invalid data format for fixed IP: '${pythonStr(fixedIp)}'`;
    }
    if ("ip_address" in fixedIp) {
      const address = fixedIp.ip_address;
      if (addresses.includes(address)) {
        return `Duplicate IP address '${pythonStr(address)}'`;
      }
      const message = validateIpAddress(address);
      if (message !== undefined) {
        return message;
      }
      addresses.push(address);
    }
    if ("subnet_id" in fixedIp) {
      const message = validateUuid(fixedIp.subnet_id);
      if (message !== undefined) {
        return message;
      }
    }
  }
  return undefined;
}

export function validateNameservers(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `Invalid data format for nameserver: '${pythonStr(value)}'`;
  }
  const hosts: unknown[] = [];
  for (const host of value) {
    const message = validateIpAddress(host);
    if (message !== undefined) {
      return `'${pythonStr(host)}' is not a valid nameserver. ${message}`;
    }
    if (hosts.includes(host)) {
      return `Duplicate nameserver '${pythonStr(host)}'`;
    }
    hosts.push(host);
  }
  return undefined;
}

export function validateHostRoutes(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `Invalid data format for hostroute: '${pythonStr(value)}'`;
  }
  const seen = new Set<string>();
  for (const route of value) {
    const keys = verifyDictKeys(["destination", "nexthop"], route);
    if (keys !== undefined) {
      return keys;
    }
    const record = route as Record<string, unknown>;
    const invalid = validateRouteCidr(record.destination) ?? validateIpAddress(record.nexthop);
    if (invalid !== undefined) {
      return invalid;
    }
    const key = `${String(record.destination)} ${String(record.nexthop)}`;
    if (seen.has(key)) {
      return `Duplicate hostroute '${pythonRepr(route)}'`;
    }
    seen.add(key);
  }
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a prefix or a bare address (as a host prefix), as netaddr's IPNetwork does. */
export function parseCidrLoose(text: string): IpNetwork | undefined {
  if (/\s/.test(text)) {
    return undefined;
  }
  if (text.includes("/")) {
    return parseCidr(text);
  }
  const address: IpAddress | undefined = parseIp(text);
  if (address === undefined) {
    return undefined;
  }
  return {
    version: address.version,
    address: address.value,
    prefixlen: address.version === 4 ? 32 : 128,
  };
}

/** Formats keys as Python prints a set of strings. */
function pythonSet(keys: string[]): string {
  return `{${[...keys]
    .sort()
    .map((key) => pythonRepr(key))
    .join(", ")}}`;
}

function cidrText(net: IpNetwork): string {
  return `${formatIp({ version: net.version, value: net.address })}/${net.prefixlen}`;
}

function networkText(net: IpNetwork): string {
  return `${formatIp({ version: net.version, value: networkAddress(net) })}/${net.prefixlen}`;
}

/** Throws Neutron's InvalidInput when a value contains whitespace. */
export function rejectWhitespace(value: string): string {
  if (/\s/.test(value)) {
    throw invalidInput(`'${value}' contains whitespace`);
  }
  return value;
}
