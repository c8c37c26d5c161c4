import { type Cidr, parseCidr } from "../cidr.js";
import { kuryrErrors } from "../errors.js";

/**
 * A Docker PoolID as this plugin writes it: `<Neutron subnet pool id>/<CIDR>`. The CIDR is part of
 * the id because one Neutron pool, such as a default pool or a user's pool with several prefixes,
 * can back several Docker networks. Upstream kuryr-libnetwork writes the bare pool id, which is
 * still accepted and then resolved through the pool's first prefix.
 */
export interface PoolRef {
  subnetPoolId: string;
  /** Null for an upstream-style id: the CIDR is then the pool's first prefix. */
  cidr: Cidr | null;
}

/** Writes a PoolID. */
export function formatPoolId(subnetPoolId: string, cidr: Cidr): string {
  return `${subnetPoolId}/${cidr.text}`;
}

/** Reads a PoolID; raises INVALID_POOL_ID for text that is neither form. */
export function parsePoolId(poolId: string): PoolRef {
  const slash = poolId.indexOf("/");
  if (slash === -1) {
    return validated({ subnetPoolId: poolId, cidr: null }, poolId);
  }
  const cidr = parseCidr(poolId.slice(slash + 1));
  if (cidr === null) {
    throw kuryrErrors.create("INVALID_POOL_ID", { pool: poolId });
  }
  return validated({ subnetPoolId: poolId.slice(0, slash), cidr }, poolId);
}

function validated(ref: PoolRef, poolId: string): PoolRef {
  if (!/^[0-9a-fA-F-]{1,64}$/.test(ref.subnetPoolId)) {
    throw kuryrErrors.create("INVALID_POOL_ID", { pool: poolId });
  }
  return ref;
}
