import { LRUCache } from "lru-cache";

/** Id and MAC of a port that RequestAddress reserved. */
export interface ReservedPort {
  id: string;
  macAddress: string;
}

/**
 * Ports that RequestAddress reserved in the last minute, by network and address. CreateEndpoint
 * takes the entry of its address to start making the veth pair before it has listed the port in
 * Neutron. An entry is a prediction only: CreateEndpoint checks it against the listed port.
 */
export class ReservedPorts {
  readonly #ports = new LRUCache<string, ReservedPort>({ max: 4096, ttl: 60_000 });

  remember(networkId: string, address: string, port: ReservedPort): void {
    this.#ports.set(`${networkId} ${address}`, port);
  }

  /** Removes and returns the port reserved for an address on a network, if any. */
  take(networkId: string, address: string): ReservedPort | undefined {
    const key = `${networkId} ${address}`;
    const port = this.#ports.get(key);
    this.#ports.delete(key);
    return port;
  }
}
