import { randomBytes } from "node:crypto";

const COLON_OR_DASH = /^([0-9a-f]{1,2})([:-])([0-9a-f]{1,2})(\2[0-9a-f]{1,2}){4}$/i;
const CISCO = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE = /^[0-9a-f]{12}$/i;
const INVALID = new Set(["00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"]);

/**
 * Returns a MAC address as six lowercase colon-separated octets, or undefined when the value is
 * not a MAC address. Accepts the notations netaddr reads (`aa:bb:..`, `aa-bb-..`, `aabb.ccdd.eeff`,
 * twelve bare hex digits) and rejects the all-zero and broadcast addresses, as Neutron does.
 */
export function normalizeMac(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return undefined;
  }
  let octets: string[];
  if (COLON_OR_DASH.test(value)) {
    octets = value.split(/[:-]/);
  } else if (CISCO.test(value) || BARE.test(value)) {
    octets = value.replaceAll(".", "").match(/../g) ?? [];
  } else {
    return undefined;
  }
  const normalized = octets.map((octet) => octet.toLowerCase().padStart(2, "0")).join(":");
  return INVALID.has(normalized) ? undefined : normalized;
}

/**
 * Generates a random MAC address from a base such as `fa:16:3e:00:00:00`: the first three octets
 * come from the base, and any later octet that is not `00` in the base is kept as well, so
 * operators can reserve a range.
 */
export function randomMac(base: string): string {
  const baseOctets = base.split(":");
  const random = randomBytes(6);
  const octets = baseOctets.map((octet, index) => {
    if (index < 3 || octet !== "00") {
      return octet.toLowerCase();
    }
    return (random[index] ?? 0).toString(16).padStart(2, "0");
  });
  return octets.join(":");
}
