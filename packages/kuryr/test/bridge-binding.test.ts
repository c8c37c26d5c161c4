import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { createBridgeBinding } from "../src/binding/bridge-binding.js";
import { type CommandRunner, execFileRunner } from "../src/binding/command-runner.js";
import type { LinkInfo } from "../src/binding/iproute.js";
import { quietLogger } from "./support/plugin-harness.js";

const run = promisify(execFile);
const skip =
  process.getuid?.() !== 0
    ? "needs root: it creates a network namespace"
    : existsSync("/usr/sbin/ip")
      ? false
      : "iproute2 is not installed";

describe("bridge binding with iproute2", { skip }, () => {
  const namespace = `kt-bind-${randomBytes(3).toString("hex")}`;
  const commands: string[][] = [];
  const inNamespace = execFileRunner();
  // Every command runs inside the test namespace, entered with nsenter like the plugin's own
  // process would be when it shares dockerd's namespace.
  const runner: CommandRunner = (command, args) => {
    commands.push([command, ...args]);
    return inNamespace("nsenter", [`--net=/run/netns/${namespace}`, command, ...args]);
  };
  const binding = createBridgeBinding({
    run: runner,
    logger: quietLogger(),
    ipCommand: "ip",
    iptablesCommand: "iptables",
    ip6tablesCommand: "ip6tables",
    bridgePrefix: "kbr",
    allowBridgeForwarding: true,
  });
  const network = "1b2c3d4e-aaaa-4bbb-8ccc-000000000001";
  const ports = ["5e6f7a8b-0000-4000-8000-000000000001", "6a7b8c9d-0000-4000-8000-000000000002"];

  const links = async () => {
    const { stdout } = await run("ip", ["-n", namespace, "-json", "-details", "link", "show"]);
    return JSON.parse(stdout) as LinkInfo[];
  };

  before(async () => {
    await run("ip", ["netns", "add", namespace]);
  });
  after(async () => {
    await run("ip", ["netns", "delete", namespace]);
  });

  test("plug creates bridge and veth pairs", async () => {
    for (const [index, portId] of ports.entries()) {
      const plugged = await binding.plug({
        portId,
        networkId: network,
        macAddress: `fa:16:3e:00:00:0${index + 1}`,
        mtu: 1450,
      });
      assert.equal(plugged.containerInterface, `t_c${portId}`.slice(0, 14));
    }
    const byName = new Map((await links()).map((link) => [link.ifname, link]));
    const bridge = byName.get("kbr1b2c3d4eaaa");
    assert.equal(bridge?.linkinfo?.info_kind, "bridge");
    const host = byName.get("tap5e6f7a8b-00");
    assert.equal(host?.master, "kbr1b2c3d4eaaa");
    assert.equal(host?.mtu, 1450);
    const peer = byName.get("t_c5e6f7a8b-00");
    assert.equal(peer?.linkinfo?.info_kind, "veth");
    assert.ok(["fa:16:3e:00:00:01", "fa:16:3e:00:00:02"].includes(peer?.address ?? ""));
    assert.ok(
      commands.every(([command]) => command !== "sh" && command !== "bash"),
      "no shell",
    );
  });

  test("plug twice replaces the pair", async () => {
    const portId = ports[0] ?? "";
    await binding.plug({ portId, networkId: network, macAddress: "fa:16:3e:00:00:09" });
    const names = (await links()).map((link) => link.ifname);
    assert.equal(names.filter((name) => name === "tap5e6f7a8b-00").length, 1);
    assert.ok(names.includes("tap6a7b8c9d-00"));
  });

  test("bridge stays while a port is plugged", async () => {
    await binding.unplug(ports[0] ?? "", network);
    await binding.releaseBridge(network);
    assert.ok((await links()).some((link) => link.ifname === "kbr1b2c3d4eaaa"));
  });

  test("last unplug lets the bridge go", async () => {
    await binding.unplug(ports[1] ?? "", network);
    await binding.releaseBridge(network);
    const names = (await links()).map((link) => link.ifname);
    assert.deepEqual(
      names.filter((name) => /^(kbr|tap|t_c)/.test(name)),
      [],
    );
    await binding.unplug(ports[1] ?? "", network);
  });

  test("stale veth pairs are deleted", async () => {
    for (const [index, portId] of ports.entries()) {
      await binding.plug({ portId, networkId: network, macAddress: `fa:16:3e:00:01:0${index}` });
    }
    // Only the first port still exists in Neutron: the pair of the second goes, the bridge stays.
    await binding.removeStale(network, async () => [ports[0] ?? ""]);
    let names = (await links()).map((link) => link.ifname);
    assert.ok(names.includes("tap5e6f7a8b-00"));
    assert.ok(!names.includes("tap6a7b8c9d-00"));
    assert.ok(names.includes("kbr1b2c3d4eaaa"));
    await binding.releaseBridge(network, async () => []);
    names = (await links()).map((link) => link.ifname);
    assert.deepEqual(
      names.filter((name) => /^(kbr|tap|t_c)/.test(name)),
      [],
    );
  });
});
