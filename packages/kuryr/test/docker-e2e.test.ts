import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LinkInfo } from "../src/binding/iproute.js";
import {
  type DockerEnvironment,
  dockerSkipReason,
  startDockerEnvironment,
} from "./support/docker-environment.js";

const skip = dockerSkipReason();

describe("Kuryr with a real Docker engine", { skip: skip ?? false }, () => {
  let env: DockerEnvironment;
  let existingNetworkId = "";

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

  const createNetwork = (name: string, ...options: string[]) =>
    env.docker(
      "network",
      "create",
      "--driver",
      env.driver,
      "--ipam-driver",
      env.driver,
      ...options,
      name,
    );

  const runContainer = (name: string, network: string, ...options: string[]) =>
    env.docker(
      "run",
      "-d",
      "--name",
      name,
      "--net",
      network,
      ...options,
      env.image,
      "sleep",
      "600",
    );

  const addressOf = async (
    container: string,
    network: string,
    family: "IPAddress" | "GlobalIPv6Address" = "IPAddress",
  ) =>
    env.docker(
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${network}").${family}}}`,
      container,
    );

  const ping = (container: string, address: string, attempts = 3): Promise<string> =>
    env
      .docker(
        "exec",
        container,
        "ping",
        "-c",
        "1",
        "-W",
        "2",
        ...(address.includes(":") ? ["-6"] : []),
        address,
      )
      .catch(async (error: Error) => {
        if (attempts <= 1) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return ping(container, address, attempts - 1);
      });

  test("network create makes a Neutron network and subnet", async () => {
    const dockerId = await createNetwork("net1", "--subnet", "10.61.0.0/24");
    const [network] = await env.neutron.networks.list({
      name: `kuryr-net-${dockerId.slice(0, 8)}`,
    });
    assert.ok(network, "a Neutron network named after the Docker network");
    assert.ok(network.tags?.includes(`kuryr.net.uuid.lh:${dockerId.slice(0, 32)}`));
    const subnets = await env.neutron.subnets.list({ network_id: network.id });
    assert.deepEqual(
      subnets.map((subnet) => subnet.cidr),
      ["10.61.0.0/24"],
    );
    assert.equal(subnets[0]?.name, "kuryr-subnet-10.61.0.0/24");
  });

  test("containers on one network reach each other", async () => {
    await runContainer("c1", "net1");
    await runContainer("c2", "net1", "--ip", "10.61.0.50");
    const c1 = await addressOf("c1", "net1");
    assert.match(c1, /^10\.61\.0\.\d+$/);
    assert.equal(await addressOf("c2", "net1"), "10.61.0.50");
    const ports = await env.neutron.ports.list({ fixed_ips: ["ip_address=10.61.0.50"] });
    assert.equal(ports.length, 1, "a Neutron port carries the container's address");
    const mac = await env.docker(
      "inspect",
      "-f",
      '{{(index .NetworkSettings.Networks "net1").MacAddress}}',
      "c2",
    );
    assert.equal(ports[0]?.mac_address, mac, "the container uses the port's MAC");
    await ping("c2", c1);
    await ping("c1", "10.61.0.50");
  });

  test("containers on another network are isolated", async () => {
    await createNetwork("net2", "--subnet", "10.62.0.0/24");
    await runContainer("c3", "net2");
    const c1 = await addressOf("c1", "net1");
    await assert.rejects(env.docker("exec", "c3", "ping", "-c", "1", "-W", "1", c1));
  });

  test("exposed and published ports become security group rules", async () => {
    await runContainer("web", "net1", "-p", "8080:80", "--expose", "9090");
    const address = await addressOf("web", "net1");
    const [port] = await env.neutron.ports.list({ fixed_ips: [`ip_address=${address}`] });
    assert.ok(port);
    const [group] = await env.neutron.securityGroups.list({ name: `${port.id}-exposed_ports` });
    assert.ok(group, "the port has an exposed-ports security group");
    assert.ok(port.security_groups?.includes(group.id));
    const rules = (await env.neutron.securityGroupRules.list({ security_group_id: group.id }))
      .filter((rule) => rule.direction === "ingress")
      .map((rule) => `${rule.protocol}:${rule.port_range_min}-${rule.port_range_max}`)
      .sort();
    assert.deepEqual(rules, ["tcp:80-80", "tcp:9090-9090"]);
    await env.docker("stop", "-t", "1", "web");
    assert.deepEqual(
      await env.neutron.securityGroups.list({ name: `${port.id}-exposed_ports` }),
      [],
    );
    await env.docker("rm", "web");
  });

  test("plugin restart between two runs", async () => {
    await runContainer("before-restart", "net1");
    await env.restartPlugin();
    await runContainer("after-restart", "net1");
    await ping("after-restart", await addressOf("before-restart", "net1"));
    await env.docker("rm", "-f", "before-restart", "after-restart");
  });

  test("existing Neutron network is kept after network rm", async () => {
    const network = await env.neutron.networks.create({
      name: "users-network",
      admin_state_up: true,
    });
    existingNetworkId = network.id;
    await createNetwork(
      "reuse",
      "--subnet",
      "10.30.0.0/24",
      "-o",
      `neutron.net.uuid=${network.id}`,
    );
    await runContainer("r1", "reuse");
    await env.docker("rm", "-f", "r1");
    await env.docker("network", "rm", "reuse");
    const kept = await env.neutron.networks.show(network.id);
    assert.ok(kept, "the user's network is still there");
    assert.deepEqual(kept.tags ?? [], []);
    assert.deepEqual(await env.neutron.subnets.list({ network_id: network.id }), []);
  });

  test("network quota error reaches docker", async () => {
    const used = (await env.neutron.networks.list()).length;
    const set = await env.neutronRequest("PUT", `/v2.0/quotas/${env.projectId}`, {
      quota: { network: used },
    });
    assert.ok(set.ok, `setting the quota failed: HTTP ${set.status}`);
    try {
      await assert.rejects(
        createNetwork("over-quota", "--subnet", "10.40.0.0/24"),
        /Quota exceeded for resources: \['network'\]/,
      );
      assert.deepEqual(await env.neutron.subnetpools.list({ name: "kuryrPool-10.40.0.0/24" }), []);
    } finally {
      await env.neutronRequest("PUT", `/v2.0/quotas/${env.projectId}`, { quota: { network: -1 } });
    }
  });

  test("IPv6 and dual-stack networks", async () => {
    await createNetwork("v6only", "--ipv6", "--subnet", "fd10:1::/64");
    await runContainer("v6a", "v6only");
    await runContainer("v6b", "v6only");
    const v6b = await addressOf("v6b", "v6only", "GlobalIPv6Address");
    assert.match(v6b, /^fd10:1::/);
    await ping("v6a", v6b, 5);

    await createNetwork("dual", "--ipv6", "--subnet", "10.50.0.0/24", "--subnet", "fd10:2::/64");
    await runContainer("d1", "dual");
    await runContainer("d2", "dual");
    const d2v4 = await addressOf("d2", "dual");
    const d2v6 = await addressOf("d2", "dual", "GlobalIPv6Address");
    const ports = await env.neutron.ports.list({ fixed_ips: [`ip_address=${d2v4}`] });
    assert.equal(ports[0]?.fixed_ips.length, 2, "one dual-stack port");
    await ping("d1", d2v4);
    await ping("d1", d2v6, 5);
  });

  test("nothing leaks after everything is removed", async () => {
    await removeEverything(env);
    const networks = await env.neutron.networks.list();
    assert.deepEqual(
      networks.map((network) => network.id),
      [existingNetworkId].filter((id) => id !== ""),
    );
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
