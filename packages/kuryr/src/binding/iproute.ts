import { CommandError, type CommandRunner } from "./command-runner.js";

/** One entry of `ip -json -details link show`. */
export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string };
}

/** The iproute2 `ip` operations the binding needs, each one `ip` run with an argument array. */
export class IpRoute {
  readonly #run: CommandRunner;
  readonly #ip: string;

  constructor(run: CommandRunner, ipCommand = "ip") {
    this.#run = run;
    this.#ip = ipCommand;
  }

  /** Returns the link, or null when no link has that name. */
  async link(name: string): Promise<LinkInfo | null> {
    try {
      const { stdout } = await this.#run(this.#ip, [
        "-json",
        "-details",
        "link",
        "show",
        "dev",
        name,
      ]);
      const links = JSON.parse(stdout) as LinkInfo[];
      return links[0] ?? null;
    } catch (error) {
      if (isMissingDevice(error)) {
        return null;
      }
      throw error;
    }
  }

  /** Lists every link of the namespace with its kind and master. */
  async links(): Promise<LinkInfo[]> {
    const { stdout } = await this.#run(this.#ip, ["-json", "-details", "link", "show"]);
    return JSON.parse(stdout) as LinkInfo[];
  }

  /** Lists the names of the links enslaved to a bridge. */
  async bridgePorts(bridge: string): Promise<string[]> {
    const { stdout } = await this.#run(this.#ip, ["-json", "link", "show", "master", bridge]);
    const links = JSON.parse(stdout === "" ? "[]" : stdout) as LinkInfo[];
    return links.map((link) => link.ifname);
  }

  /** Creates a bridge and brings it up. A bridge that already exists is only brought up. */
  async addBridge(name: string): Promise<void> {
    try {
      await this.#run(this.#ip, ["link", "add", "name", name, "up", "type", "bridge"]);
    } catch (error) {
      if (!isExisting(error)) {
        throw error;
      }
      await this.#run(this.#ip, ["link", "set", "dev", name, "up"]);
    }
  }

  /**
   * Creates a veth pair whose peer side gets the MAC `peerAddress`. With `master`, the first side
   * joins that bridge and comes up in the same command.
   */
  async addVethPair(
    name: string,
    peer: string,
    peerAddress: string,
    mtu?: number,
    master?: string,
  ): Promise<void> {
    const mtuArgs = mtu === undefined ? [] : ["mtu", String(mtu)];
    const masterArgs = master === undefined ? [] : ["master", master, "up"];
    const peerArgs = ["name", peer, ...(peerAddress === "" ? [] : ["address", peerAddress])];
    await this.#run(this.#ip, [
      "link",
      "add",
      name,
      ...mtuArgs,
      ...masterArgs,
      "type",
      "veth",
      "peer",
      ...peerArgs,
      ...mtuArgs,
    ]);
  }

  /** Enslaves a link to a bridge and brings it up. */
  async attach(name: string, bridge: string): Promise<void> {
    await this.#run(this.#ip, ["link", "set", "dev", name, "master", bridge, "up"]);
  }

  /** Deletes a link; returns false when it did not exist. */
  async deleteLink(name: string): Promise<boolean> {
    try {
      await this.#run(this.#ip, ["link", "delete", "dev", name]);
      return true;
    } catch (error) {
      if (isMissingDevice(error)) {
        return false;
      }
      throw error;
    }
  }
}

/** True for `ip` failing because the named device does not exist. */
export function isMissingDevice(error: unknown): boolean {
  return (
    error instanceof CommandError &&
    /does not exist|Cannot find device|No such device/i.test(error.stderr)
  );
}

function isExisting(error: unknown): boolean {
  return error instanceof CommandError && /File exists/i.test(error.stderr);
}
