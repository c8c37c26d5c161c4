import { type Cidr, parseCidr } from "../cidr.js";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import { SUBNET_NAME_PREFIX } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import { type NeutronFeatures, onlyOne } from "../neutron/neutron-lookups.js";
import type { NeutronSubnet } from "../neutron/neutron-types.js";
import type { RecentSubnets } from "../neutron/recent-subnets.js";
import { type OptionMap, stringOption } from "../options.js";
import { type PoolRef, parsePoolId } from "./pool-id.js";

/**
 * Finds the subnet behind a Docker pool: the subnet allocated from the pool with the pool's CIDR,
 * else a subnet of that CIDR tagged with the pool id (a user's subnet adopted by CreateNetwork).
 * Returns null before CreateNetwork has made the subnet. With `recent`, a subnet found in the last
 * minute is reused.
 */
export async function findPoolSubnet(
  neutron: NeutronClient,
  features: () => Promise<NeutronFeatures>,
  subnetPoolId: string,
  cidr: Cidr,
  recent?: RecentSubnets,
): Promise<NeutronSubnet | null> {
  const poolKey = `${subnetPoolId}/${cidr.text}`;
  const cached = recent?.ofPool(poolKey);
  if (cached !== undefined) {
    return cached;
  }
  const found = await readPoolSubnet(neutron, features, subnetPoolId, cidr);
  if (found !== null) {
    recent?.remember(found, poolKey);
  }
  return found;
}

async function readPoolSubnet(
  neutron: NeutronClient,
  features: () => Promise<NeutronFeatures>,
  subnetPoolId: string,
  cidr: Cidr,
): Promise<NeutronSubnet | null> {
  const own = await neutron.subnets.list({ subnetpool_id: subnetPoolId, cidr: cidr.text });
  const picked = pickSubnet(own, subnetPoolId);
  if (picked !== null || !(await features()).tags) {
    return picked;
  }
  const tagged = await neutron.subnets.list({ cidr: cidr.text, tags: subnetPoolId });
  return pickSubnet(tagged, subnetPoolId);
}

function pickSubnet(subnets: NeutronSubnet[], subnetPoolId: string): NeutronSubnet | null {
  if (subnets.length <= 1) {
    return subnets[0] ?? null;
  }
  const tagged = subnets.filter((subnet) => (subnet.tags ?? []).includes(subnetPoolId));
  const kuryrMade = subnets.filter((subnet) => subnet.name.startsWith(SUBNET_NAME_PREFIX));
  const preferred = tagged.length === 1 ? tagged : kuryrMade;
  return onlyOne(preferred.length > 0 ? preferred : subnets, "subnets", {
    subnetpool_id: subnetPoolId,
  });
}

/**
 * Resolves `neutron.subnet[.v6].uuid` or `.name` to a subnet id; returns "" when neither is set.
 * A name must match exactly one subnet.
 */
export async function resolveSubnetOption(
  neutron: NeutronClient,
  options: OptionMap,
  version: 4 | 6,
): Promise<string> {
  const suffix = version === 6 ? ".v6" : "";
  const subnetId = stringOption(options, `neutron.subnet${suffix}.uuid`);
  if (subnetId !== "") {
    const subnet = await neutron.subnets.show(subnetId);
    if (subnet === null) {
      throw kuryrErrors.create("SUBNET_NOT_FOUND", { what: `id ${subnetId}` });
    }
    return subnet.id;
  }
  const name = stringOption(options, `neutron.subnet${suffix}.name`);
  if (name === "") {
    return "";
  }
  const query = { name };
  const subnet = onlyOne(await neutron.subnets.list(query), "subnets", query);
  if (subnet === null) {
    throw kuryrErrors.create("SUBNET_NAME_NOT_FOUND", { name });
  }
  return subnet.id;
}

/** True for the configured default pool names (`kuryr`, `kuryr6`), which are never deleted. */
export function isDefaultPoolName(config: Pick<KuryrConfig, "neutron">, name: string): boolean {
  return (
    name === config.neutron.default_subnetpool_v4 || name === config.neutron.default_subnetpool_v6
  );
}

/** Resolves a PoolID to its subnet pool id and CIDR, reading the pool for upstream-style ids. */
export async function resolvePoolId(
  neutron: NeutronClient,
  poolId: string,
): Promise<{ ref: PoolRef; cidr: Cidr } | null> {
  const ref = parsePoolId(poolId);
  if (ref.cidr !== null) {
    return { ref, cidr: ref.cidr };
  }
  const pool = await neutron.subnetpools.show(ref.subnetPoolId);
  const cidr = pool === null ? null : parseCidr(pool.prefixes[0] ?? "");
  return cidr === null ? null : { ref, cidr };
}
