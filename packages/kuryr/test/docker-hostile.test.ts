import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LinkInfo } from "../src/binding/iproute.js";
import {
  type DockerEnvironment,
  dockerSkipReason,
  startDockerEnvironment,
} from "./support/docker-environment.js";

function skipReason(): string | false {
  const docker = dockerSkipReason();
  if (docker !== null) {
    return docker;
  }
  if (process.env.OSTS_TEST_SLOW !== "1") {
    return "slow suite (about a minute); set OSTS_TEST_SLOW=1 to run it";
  }
  return false;
}

describe("Kuryr under concurrent and failing Docker calls", { skip: skipReason() }, () => {
  let env: DockerEnvironment;

  before(async () => {
    env = await startDockerEnvironment();
  });

  after(async () => {
    if (env === undefined) {
      return;
    }
    try {
      await removeEverything(env);
    } finally {
      await env.close();
    }
  });

  const createNetwork = (name: string, subnet: string) =>
    env.docker(
      "network",
      "create",
      "--driver",
      env.driver,
      "--ipam-driver",
      env.driver,
      "--subnet",
      subnet,
      name,
    );

  const runContainer = (name: string, network: string) =>
    env.docker("run", "-d", "--name", name, "--net", network, env.image, "sleep", "600");

  const addressOf = (container: string, network: string) =>
    env.docker(
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
      container,
    );

  test("twenty parallel runs on one network", async () => {
    await createNetwork("crowd", "10.110.0.0/24");
    const names = Array.from({ length: 20 }, (_, index) => `crowd${index}`);
    await Promise.all(names.map((name) => runContainer(name, "crowd")));
    const addresses = await Promise.all(names.map((name) => addressOf(name, "crowd")));
    assert.equal(new Set(addresses).size, names.length, "every container has its own address");
    const ports = await env.neutron.ports.list({ device_owner: "compute:kuryr" });
    assert.equal(ports.length, names.length, "one bound port per container");
    await env.docker("exec", "crowd0", "ping", "-c", "1", "-W", "2", addresses[19] ?? "");
    await env.docker("rm", "-f", ...names);
    assert.deepEqual(await env.neutron.ports.list(), []);
  });

  test("connect and disconnect loops across networks", async () => {
    await createNetwork("loop-a", "10.111.0.0/24");
    await createNetwork("loop-b", "10.112.0.0/24");
    const names = ["loop0", "loop1", "loop2", "loop3"];
    await Promise.all(names.map((name) => runContainer(name, "crowd")));
    await Promise.all(
      names.map(async (name) => {
        for (let round = 0; round < 3; round += 1) {
          await env.docker("network", "connect", "loop-a", name);
          await env.docker("network", "connect", "loop-b", name);
          await env.docker("network", "disconnect", "loop-a", name);
          await env.docker("network", "disconnect", "loop-b", name);
        }
      }),
    );
    const ports = await env.neutron.ports.list();
    assert.equal(ports.length, names.length, "only the crowd ports are left");
    await env.docker("rm", "-f", ...names);
    assert.deepEqual(await env.neutron.ports.list(), []);
  });

  test("plugin killed during parallel runs", async () => {
    const names = Array.from({ length: 8 }, (_, index) => `killed${index}`);
    const log = join(env.folder, "plugin.log");
    const created = countInLog(log, "endpoint created");
    const runs = Promise.allSettled(names.map((name) => runContainer(name, "crowd")));
    // Once the first endpoint of these runs is bound, the other runs may still be connecting.
    await waitForLog(log, "endpoint created", created + 1);
    await env.killPlugin();
    await env.startPlugin();
    const outcomes = await runs;
    const started = names.filter((_, index) => outcomes[index]?.status === "fulfilled");
    // Whatever Docker made of the interrupted runs, removing the containers leaves no port: an
    // address reserved by the killed plugin that no endpoint took is released after the grace
    // period the environment sets.
    await env.docker("rm", "-f", ...names).catch(() => "");
    assert.ok(started.length >= 1, "runs before the kill went through");
    assert.deepEqual(await portsOnceSettled(env), []);
    await runContainer("after-kill", "crowd");
    await env.docker("rm", "-f", "after-kill");
  });

  test("port deleted while its container runs", async () => {
    await runContainer("orphan", "crowd");
    const address = await addressOf("orphan", "crowd");
    const [port] = await env.neutron.ports.list({ fixed_ips: [`ip_address=${address}`] });
    assert.ok(port);
    await env.neutron.ports.remove(port.id);
    await env.restartPlugin();
    await env.docker("network", "disconnect", "crowd", "orphan");
    const links = JSON.parse(await env.inNamespace("ip", "-json", "link", "show")) as LinkInfo[];
    assert.deepEqual(
      links
        .map((link) => link.ifname)
        .filter((name) => name.startsWith(`tap${port.id}`.slice(0, 8))),
      [],
      "the veth pair of the deleted port is gone",
    );
    await env.docker("rm", "-f", "orphan");
  });

  test("dockerd restarted with containers running", async () => {
    const names = ["survivor0", "survivor1", "survivor2"];
    await Promise.all(names.map((name) => runContainer(name, "crowd")));
    await env.restartDockerd();
    await Promise.all(names.map((name) => env.docker("start", name)));
    const addresses = await Promise.all(names.map((name) => addressOf(name, "crowd")));
    await env.docker("exec", "survivor0", "ping", "-c", "1", "-W", "2", addresses[2] ?? "");
    await env.docker("rm", "-f", ...names);
    assert.deepEqual(await env.neutron.ports.list(), []);
  });

  test("nothing leaks after everything is removed", async () => {
    await removeEverything(env);
    assert.deepEqual(await env.neutron.networks.list(), []);
    assert.deepEqual(await env.neutron.subnets.list(), []);
    assert.deepEqual(await env.neutron.ports.list(), []);
    const groups = await env.neutron.securityGroups.list();
    assert.deepEqual(
      groups.filter((group) => group.name.endsWith("-exposed_ports")),
      [],
    );
    const pools = (await env.neutron.subnetpools.list()).map((pool) => pool.name);
    assert.deepEqual(
      pools.filter((name) => name.startsWith("kuryrPool-")),
      [],
    );
    const links = JSON.parse(await env.inNamespace("ip", "-json", "link", "show")) as LinkInfo[];
    const leftovers = links
      .map((link) => link.ifname)
      .filter((name) => /^(kbr|tap|t_c)/.test(name));
    assert.deepEqual(leftovers, [], "no bridge or veth made by the plugin remains");
  });
});

/**
 * Lists the ports once no reservation of the plugin is left, or after two minutes. Reservations
 * that no endpoint took go when they are older than the grace period.
 */
async function portsOnceSettled(env: DockerEnvironment) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ports = await env.neutron.ports.list();
    if (!ports.some((port) => port.name === "kuryr-unbound-port") || Date.now() > deadline) {
      return ports;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Counts the occurrences of the text in a log file. */
function countInLog(path: string, text: string): number {
  let content = "";
  try {
    content = readFileSync(path, "utf8");
  } catch {
    // The plugin has not written its log yet.
  }
  return content.split(text).length - 1;
}

/** Waits until the text appears `count` times in the log file, which the plugin appends to. */
async function waitForLog(path: string, text: string, count: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (countInLog(path, text) >= count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`"${text}" never appeared in ${path}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function removeEverything(env: DockerEnvironment) {
  const containers = (await env.docker("ps", "-aq")).split("\n").filter((id) => id !== "");
  if (containers.length > 0) {
    await env.docker("rm", "-f", ...containers);
  }
  const networks = (await env.docker("network", "ls", "-q", "--filter", `driver=${env.driver}`))
    .split("\n")
    .filter((id) => id !== "");
  if (networks.length > 0) {
    await env.docker("network", "rm", ...networks);
  }
}
