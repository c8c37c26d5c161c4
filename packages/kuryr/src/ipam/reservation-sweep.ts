import type { Logger } from "@openstack-ts/kernel";
import { PORT_EXISTING_TAG, UNBOUND_PORT_NAME } from "../naming.js";
import type { NeutronClient } from "../neutron/neutron-client.js";
import type { NeutronPort, NeutronQuery } from "../neutron/neutron-types.js";

export interface ReservationSweepDependencies {
  neutron: NeutronClient;
  logger: Logger;
  /** Age after which a reservation that no endpoint took is released. */
  graceSeconds: number;
  /** Current time in milliseconds, which tests replace with their own clock. */
  now?: () => number;
}

/**
 * Releases the addresses that RequestAddress reserved and no endpoint took. Docker holds a
 * reservation only between RequestAddress and CreateEndpoint, or until ReleaseAddress, but a
 * plugin killed in that window (or a reservation whose response never reached Docker) leaves a
 * `kuryr-unbound-port` that nothing will ever release. Such a port is deleted once Neutron's
 * `created_at` is older than the grace period; a port without `created_at` is left to
 * DeleteNetwork and ReleasePool.
 */
export function createReservationSweep(deps: ReservationSweepDependencies) {
  const { neutron, logger } = deps;
  const now = deps.now ?? Date.now;
  const graceMs = deps.graceSeconds * 1000;

  /**
   * Deletes the stale reservations that match the filter and returns how many were deleted. With
   * `maxAgeMs` 0 every unbound reservation goes, which suits a pool Docker has released.
   */
  async function reclaim(filter: NeutronQuery = {}, maxAgeMs = graceMs): Promise<number> {
    const cutoff = now() - maxAgeMs;
    let removed = 0;
    for (const listed of await neutron.ports.list({ ...filter, name: UNBOUND_PORT_NAME })) {
      if (!isStale(listed, cutoff)) {
        continue;
      }
      // Read the port again so that one CreateEndpoint bound since the listing is kept.
      const port = await neutron.ports.show(listed.id);
      if (port === null || !isStale(port, cutoff)) {
        continue;
      }
      if (await neutron.ports.remove(port.id)) {
        removed += 1;
        logger.warn(
          { port: port.id, network: port.network_id, created_at: port.created_at },
          "reservation that no endpoint took released",
        );
      }
    }
    return removed;
  }

  /** Sweeps now and then every half grace period, until the returned function is called. */
  function start(): () => void {
    const sweep = () => {
      reclaim().catch((error: unknown) => {
        logger.warn({ err: (error as Error).message }, "sweep of unbound reservations failed");
      });
    };
    const timer = setInterval(sweep, Math.max(1000, graceMs / 2));
    timer.unref();
    logger.info({ grace_seconds: deps.graceSeconds }, "sweep of unbound reservations started");
    sweep();
    return () => clearInterval(timer);
  }

  return { reclaim, start };
}

/** Returns true for an unbound `kuryr-unbound-port` created at or before the cutoff. */
function isStale(port: NeutronPort, cutoff: number): boolean {
  if (
    port.name !== UNBOUND_PORT_NAME ||
    port.device_id !== "" ||
    port.device_owner !== "" ||
    (port.tags ?? []).includes(PORT_EXISTING_TAG)
  ) {
    return false;
  }
  const created = Date.parse(port.created_at ?? "");
  return !Number.isNaN(created) && created <= cutoff;
}

export type ReservationSweep = ReturnType<typeof createReservationSweep>;
