/** One exposed container port with Docker's IP protocol number. */
export interface ExposedPort {
  proto: number;
  port: number;
}

/** A security group rule range: a protocol and an inclusive port range. */
export interface PortRange {
  protocol: string;
  min: number;
  max: number;
}

/** IANA protocol numbers Docker sends, by the names Neutron rules use. */
const PROTOCOLS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 132: "sctp" };

/** Neutron's protocol name for a protocol number; raises for one Neutron rules cannot express. */
export function protocolName(proto: number): string {
  const name = PROTOCOLS[proto];
  if (name === undefined) {
    throw new Error(`Bad protocol number ${proto} for exposed port.`);
  }
  return name;
}

/**
 * Groups exposed ports into the fewest rules: one per protocol and run of consecutive port
 * numbers, duplicates removed, sorted by protocol then port.
 */
export function portRanges(exposed: ExposedPort[]): PortRange[] {
  const byProtocol = new Map<string, Set<number>>();
  for (const entry of exposed) {
    const protocol = protocolName(entry.proto);
    const ports = byProtocol.get(protocol) ?? new Set<number>();
    ports.add(entry.port);
    byProtocol.set(protocol, ports);
  }
  const ranges: PortRange[] = [];
  for (const protocol of [...byProtocol.keys()].sort()) {
    const sorted = [...(byProtocol.get(protocol) ?? [])].sort((a, b) => a - b);
    let start = sorted[0];
    let previous = start;
    for (const port of sorted.slice(1)) {
      if (previous !== undefined && port === previous + 1) {
        previous = port;
        continue;
      }
      if (start !== undefined && previous !== undefined) {
        ranges.push({ protocol, min: start, max: previous });
      }
      start = port;
      previous = port;
    }
    if (start !== undefined && previous !== undefined) {
      ranges.push({ protocol, min: start, max: previous });
    }
  }
  return ranges;
}
