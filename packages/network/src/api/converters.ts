import { invalidInput } from "../errors.js";
import { formatCidr, formatIp, parseIp } from "../ipam/ip-address.js";
import { normalizeMac } from "../ipam/mac-address.js";
import { pythonStr } from "./python-format.js";
import { parseCidrLoose, toPythonInt } from "./validators.js";

/**
 * Attribute converters with neutron-lib's semantics. A converter either returns the converted value
 * or throws Neutron's InvalidInput, which clients see as "Invalid input for operation: ...".
 */
export type Converter = (value: unknown) => unknown;

const TRUE_WORDS = new Set(["1", "t", "true", "on", "y", "yes"]);
const FALSE_WORDS = new Set(["0", "f", "false", "off", "n", "no"]);

/** Reads a boolean the way oslo's strict `bool_from_string` does. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") {
    return value;
  }
  const text = pythonStr(value).trim().toLowerCase();
  if (TRUE_WORDS.has(text)) {
    return true;
  }
  if (FALSE_WORDS.has(text)) {
    return false;
  }
  return undefined;
}

export const convertToBoolean: Converter = (value) => {
  const parsed = parseBoolean(value);
  if (parsed === undefined) {
    throw invalidInput(`'${pythonStr(value)}' cannot be converted to boolean`);
  }
  return parsed;
};

export const convertToInt: Converter = (value) => {
  const parsed = toPythonInt(value);
  if (parsed === undefined) {
    throw invalidInput(`'${pythonStr(value)}' is not an integer`);
  }
  return parsed;
};

export const convertToIntOrNone: Converter = (value) =>
  value === null ? null : convertToInt(value);

export const convertNoneToEmptyList: Converter = (value) => (value === null ? [] : value);

export const convertNoneToEmptyDict: Converter = (value) => (value === null ? {} : value);

/** Rewrites IPv6 addresses in compact form; anything else passes through for the validator. */
export const convertIpToCanonical: Converter = (value) => {
  if (typeof value !== "string") {
    return value;
  }
  const parsed = parseIp(value);
  return parsed?.version === 6 ? formatIp(parsed) : value;
};

/** Rewrites the address of every allocation pool in compact form. */
export const convertPoolsToCanonical: Converter = (value) => {
  if (!Array.isArray(value)) {
    return value;
  }
  return value.map((pool) => {
    if (typeof pool !== "object" || pool === null || Array.isArray(pool)) {
      return pool;
    }
    const record = pool as Record<string, unknown>;
    return {
      ...record,
      ...("start" in record ? { start: convertIpToCanonical(record.start) } : {}),
      ...("end" in record ? { end: convertIpToCanonical(record.end) } : {}),
    };
  });
};

/**
 * Rewrites a prefix with a compact IPv6 address and adds the host length to a bare address,
 * keeping the host bits for the later checks. IPv4 text is otherwise left as written, so the
 * validator still rejects octets with leading zeros.
 */
export const convertCidrToCanonical: Converter = (value) => {
  if (value === null || typeof value !== "string") {
    return value;
  }
  const parsed = parseCidrLoose(value);
  if (parsed === undefined) {
    throw invalidInput(`${value} is not in a CIDR format`);
  }
  if (parsed.version === 4 && value.includes("/")) {
    return value;
  }
  return formatCidr(parsed);
};

/** Writes a MAC address as `aa:bb:cc:dd:ee:ff`; an invalid one is left for the validator. */
export const convertToSanitizedMac: Converter = (value) => normalizeMac(value) ?? value;

/**
 * Turns `key=value` filter strings into a map of value lists, as `convert_kvp_list_to_dict` does
 * for the `fixed_ips` filter (`fixed_ips=ip_address=10.0.0.3&fixed_ips=subnet_id=...`).
 */
export function convertKeyValueList(values: string[]): Record<string, string[]> {
  if (values.length === 1 && values[0] === "True") {
    return {};
  }
  const result: Record<string, string[]> = {};
  for (const text of values) {
    const equals = text.indexOf("=");
    const key = equals < 0 ? "" : text.slice(0, equals).trim();
    if (equals < 0 || key === "") {
      throw invalidInput(`'${text}' is not of the form <key>=[value]`);
    }
    const value = text.slice(equals + 1).trim();
    const list = result[key] ?? [];
    if (!list.includes(value)) {
      list.push(value);
    }
    result[key] = list;
  }
  return result;
}
