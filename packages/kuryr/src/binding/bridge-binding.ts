import type { Logger } from "@openstack-ts/kernel";
import { KeyedLock } from "../keyed-lock.js";
import { bridgeName, containerVethName, hostVethName } from "../naming.js";
import { CommandError, type CommandRunner } from "./command-runner.js";
import { IpRoute, isMissingDevice } from "./iproute.js";

/** Settings of the veth and bridge binding. */
export interface BridgeBindingOptions {
  run: CommandRunner;
  logger: Logger;
  ipCommand: string;
  iptablesCommand: string;
  ip6tablesCommand: string;
  bridgePrefix: string;
  allowBridgeForwarding: boolean;
}

/** Fields of a Neutron port that the binding uses. */
export interface PortToPlug {
  portId: string;
  networkId: string;
  macAddress: string;
  mtu?: number | undefined;
}

/** Plugs container ports into per-network Linux bridges on this host. */
export interface HostBinding {
  /** Creates the veth pair and plugs its host side into the network's bridge; returns the container side. */
  plug(port: PortToPlug): Promise<{ containerInterface: string; hostInterface: string }>;
  /** Deletes the veth pair of a port (both sides go with the host side). */
  unplug(portId: string, networkId: string): Promise<void>;
  /**
   * Deletes the network's bridge when nothing is plugged into it. With `livePortIds`, the veth
   * pairs of ports not in that list are deleted first.
   */
  releaseBridge(networkId: string, livePortIds?: () => Promise<string[]>): Promise<void>;
  /**
   * Deletes the veth pairs on the network's bridge whose port is not among `livePortIds`, such as
   * the pair of a port deleted in Neutron or of a connect cut short. The list is read under the
   * bridge's lock, so a pair plugged meanwhile is kept.
   */
  removeStale(networkId: string, livePortIds: () => Promise<string[]>): Promise<void>;
}

const FORWARD_CHAIN = "DOCKER-USER";
/** Start of the host side's name, which the port id completes. */
const HOST_VETH_PREFIX = hostVethName("");

/**
 * Creates the veth binding: one Linux bridge per Neutron network on this host, one veth pair per port. The
 * host side (`tap<port id>`) joins the bridge and the other side (`t_c<port id>`) is handed to
 * Docker, which moves it into the container. Containers on one network share a bridge and reach
 * each other; bridges carry no address, so nothing routes between networks.
 *
 * When dockerd manages iptables, its FORWARD policy drops bridged traffic that passes through
 * netfilter, so the binding inserts `-i <bridge> -o <bridge> -j ACCEPT` into DOCKER-USER for each
 * bridge (and deletes it with the bridge) when that chain exists.
 */
export function createBridgeBinding(options: BridgeBindingOptions): HostBinding {
  const ip = new IpRoute(options.run, options.ipCommand);
  const lock = new KeyedLock();
  /** Bridges seen or made by this process, so that plugging skips the existence check. */
  const knownBridges = new Set<string>();

  async function plug(port: PortToPlug) {
    const bridge = bridgeName(options.bridgePrefix, port.networkId);
    const hostInterface = hostVethName(port.portId);
    const containerInterface = containerVethName(port.portId);
    await lock.run(bridge, async () => {
      await ensureBridge(bridge);
      try {
        await addVethPair(hostInterface, containerInterface, port, bridge);
      } catch (error) {
        if (!isMissingDevice(error)) {
          throw error;
        }
        // The bridge was deleted behind the plugin's back: make it again.
        knownBridges.delete(bridge);
        await ensureBridge(bridge);
        await addVethPair(hostInterface, containerInterface, port, bridge);
      }
    });
    return { containerInterface, hostInterface };
  }

  /** Creates the veth pair with one `ip link add`, which also puts the host side into the bridge and brings it up. */
  async function addVethPair(
    hostInterface: string,
    containerInterface: string,
    port: PortToPlug,
    bridge: string,
  ) {
    const add = () =>
      ip.addVethPair(hostInterface, containerInterface, port.macAddress, port.mtu, bridge);
    try {
      await add();
    } catch (error) {
      if (!(error instanceof CommandError && /File exists/i.test(error.stderr))) {
        throw error;
      }
      // A retried CreateEndpoint finds the pair of its first attempt.
      await ip.deleteLink(hostInterface);
      await add();
    }
  }

  async function ensureBridge(bridge: string) {
    if (knownBridges.has(bridge)) {
      return;
    }
    if ((await ip.link(bridge)) !== null) {
      knownBridges.add(bridge);
      return;
    }
    await ip.addBridge(bridge);
    knownBridges.add(bridge);
    options.logger.info({ bridge }, "bridge created");
    if (options.allowBridgeForwarding) {
      await changeForwardRule("-I", bridge);
    }
  }

  async function unplug(portId: string, networkId: string) {
    const bridge = bridgeName(options.bridgePrefix, networkId);
    await lock.run(bridge, async () => {
      await ip.deleteLink(hostVethName(portId));
    });
  }

  /** Deletes the bridge's veth pairs of ports that are not live; returns the links left. */
  async function deleteStale(bridge: string, livePortIds: () => Promise<string[]>) {
    const plugged = await ip.bridgePorts(bridge);
    if (plugged.length === 0) {
      return plugged;
    }
    const live = new Set((await livePortIds()).map(hostVethName));
    const left: string[] = [];
    for (const name of plugged) {
      if (name.startsWith(HOST_VETH_PREFIX) && !live.has(name)) {
        await ip.deleteLink(name);
        options.logger.info({ bridge, link: name }, "veth pair of a missing port deleted");
      } else {
        left.push(name);
      }
    }
    return left;
  }

  async function removeStale(networkId: string, livePortIds: () => Promise<string[]>) {
    const bridge = bridgeName(options.bridgePrefix, networkId);
    await lock.run(bridge, async () => {
      if ((await ip.link(bridge)) === null) {
        knownBridges.delete(bridge);
        return;
      }
      await deleteStale(bridge, livePortIds);
    });
  }

  async function releaseBridge(networkId: string, livePortIds?: () => Promise<string[]>) {
    const bridge = bridgeName(options.bridgePrefix, networkId);
    await lock.run(bridge, async () => {
      if ((await ip.link(bridge)) === null) {
        knownBridges.delete(bridge);
        return;
      }
      const ports =
        livePortIds === undefined
          ? await ip.bridgePorts(bridge)
          : await deleteStale(bridge, livePortIds);
      if (ports.length > 0) {
        options.logger.info({ bridge, ports }, "bridge kept: interfaces are still plugged in");
        return;
      }
      await ip.deleteLink(bridge);
      knownBridges.delete(bridge);
      if (options.allowBridgeForwarding) {
        await changeForwardRule("-D", bridge);
      }
      options.logger.info({ bridge }, "bridge deleted");
    });
  }

  async function changeForwardRule(action: "-I" | "-D", bridge: string) {
    const rule = ["-i", bridge, "-o", bridge, "-j", "ACCEPT"];
    for (const command of [options.iptablesCommand, options.ip6tablesCommand]) {
      try {
        await options.run(command, ["-w", "5", action, FORWARD_CHAIN, ...rule]);
      } catch (error) {
        // No DOCKER-USER chain means dockerd does not manage this firewall: nothing to open.
        if (!(error instanceof CommandError)) {
          throw error;
        }
        options.logger.debug({ command, bridge, err: error.message }, "forward rule not changed");
      }
    }
  }

  return { plug, unplug, releaseBridge, removeStale };
}
