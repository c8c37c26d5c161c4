import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { identityModule } from "@openstack-ts/identity";
import { createLogger, MemoryBus, type ServiceInstance } from "@openstack-ts/kernel";
import { createNetworkService, loadNetworkConfig } from "../src/index.js";

const OPENSTACK = "/usr/bin/openstack";
const ADMIN_PASSWORD = "network-test-admin";
const SERVICE_PASSWORD = "network-test-service";
const run = promisify(execFile);
const skip = existsSync(OPENSTACK)
  ? false
  : `${OPENSTACK} is missing; install python3-openstackclient`;

/** Returns a free loopback port, so the identity catalog can name the network endpoint before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("no port was assigned");
  }
  return address.port;
}

type Row = Record<string, unknown>;

/** Writes a clouds.yaml for the admin, with placeholder compute and volume endpoints. */
function writeCloudsYaml(home: string, authUrl: string): void {
  const folder = join(home, ".config", "openstack");
  mkdirSync(folder, { recursive: true });
  const cloud = {
    clouds: {
      "network-test": {
        auth: {
          auth_url: authUrl,
          username: "admin",
          password: ADMIN_PASSWORD,
          project_name: "admin",
          user_domain_name: "Default",
          project_domain_name: "Default",
        },
        identity_api_version: 3,
        region_name: "RegionOne",
        compute_endpoint_override: "http://127.0.0.1:9/compute",
        volume_endpoint_override: "http://127.0.0.1:9/volume",
      },
    },
  };
  writeFileSync(join(folder, "clouds.yaml"), JSON.stringify(cloud));
}

describe("openstack client against the network service", { skip, timeout: 600_000 }, () => {
  let folder: string;
  let identity: ServiceInstance;
  let network: ServiceInstance;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "osts-network-client-"));
    const networkPort = await freePort();
    const identityConfig = identityModule.loadConfig({
      env: {},
      overrides: {
        "database.url": `sqlite://${join(folder, "identity.sqlite")}`,
        "bootstrap.admin_password": ADMIN_PASSWORD,
        "bootstrap.service_password": SERVICE_PASSWORD,
        "bootstrap.password_file": join(folder, "passwords.json"),
        "credential.key_file": join(folder, "credential.key"),
        "password.scrypt_cost": 1024,
        "token.cleanup_interval_seconds": 0,
        "catalog.network_url": `http://127.0.0.1:${networkPort}`,
        "catalog.key_manager_url": "",
        "catalog.rca_url": "",
        "listen.port": 0,
        "log.level": "silent",
      },
    });
    const logger = createLogger({ level: process.env.OSTS_TEST_LOG_LEVEL ?? "silent" });
    identity = await identityModule.create(identityConfig, { logger, bus: new MemoryBus() });
    const identityUrl = await identity.listen();
    const networkConfig = loadNetworkConfig({
      env: {},
      overrides: {
        "database.url": `sqlite://${join(folder, "network.sqlite")}`,
        "listen.port": networkPort,
        "auth.mode": "keystone",
        "auth.auth_url": `${identityUrl}/v3`,
        "auth.username": "service",
        "auth.password": SERVICE_PASSWORD,
        "auth.project_name": "service",
      },
    });
    network = await createNetworkService(networkConfig, { logger, bus: new MemoryBus() });
    await network.listen();
    writeCloudsYaml(folder, `${identityUrl}/v3`);
    env = {
      PATH: "/usr/bin:/bin",
      HOME: folder,
      OS_AUTH_URL: `${identityUrl}/v3`,
      OS_USERNAME: "admin",
      OS_PASSWORD: ADMIN_PASSWORD,
      OS_PROJECT_NAME: "admin",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      OS_IDENTITY_API_VERSION: "3",
      OS_REGION_NAME: "RegionOne",
    };
  });

  after(async () => {
    await network?.close();
    await identity?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function openstack(...args: string[]): Promise<Row & Row[]> {
    const { stdout } = await run(OPENSTACK, [...args, "-f", "json"], { env, timeout: 120_000 });
    return JSON.parse(stdout) as Row & Row[];
  }

  async function openstackFails(...args: string[]): Promise<string> {
    try {
      await run(OPENSTACK, args, { env, timeout: 120_000 });
    } catch (error) {
      return String((error as { stderr?: string }).stderr ?? error);
    }
    assert.fail(`openstack ${args.join(" ")} succeeded`);
  }

  it("creates, lists and shows a network", async () => {
    const created = await openstack(
      "network",
      "create",
      "--description",
      "client test",
      "client-net",
    );
    assert.equal(created.name, "client-net");
    assert.equal(created.status, "ACTIVE");
    assert.equal(created.mtu, 1500);
    const listed = await openstack("network", "list");
    assert.ok(listed.some((row) => row.Name === "client-net"));
    const details = await openstack("network", "show", "client-net");
    assert.equal(details.id, created.id);
    assert.equal(details.description, "client test");
  });

  it("creates IPv4 and IPv6 subnets with and without a pool", async () => {
    const v4 = await openstack(
      "subnet",
      "create",
      "--network",
      "client-net",
      "--subnet-range",
      "10.0.0.0/24",
      "client-v4",
    );
    assert.equal(v4.cidr, "10.0.0.0/24");
    assert.equal(v4.gateway_ip, "10.0.0.1");

    const v6 = await openstack(
      "subnet",
      "create",
      "--network",
      "client-net",
      "--ip-version",
      "6",
      "--ipv6-ra-mode",
      "slaac",
      "--ipv6-address-mode",
      "slaac",
      "--subnet-range",
      "fd00:1::/64",
      "client-v6",
    );
    assert.equal(v6.cidr, "fd00:1::/64");
    assert.equal(v6.ip_version, 6);

    const pool = await openstack(
      "subnet",
      "pool",
      "create",
      "--pool-prefix",
      "10.200.0.0/16",
      "--default-prefix-length",
      "26",
      "client-pool",
    );
    assert.equal(pool.default_prefixlen, 26);
    await openstack("network", "create", "pooled-net");
    const pooled = await openstack(
      "subnet",
      "create",
      "--network",
      "pooled-net",
      "--subnet-pool",
      "client-pool",
      "client-pooled",
    );
    assert.equal(pooled.cidr, "10.200.0.0/26");

    const kuryr = await openstack(
      "subnet",
      "create",
      "--network",
      "pooled-net",
      "--ip-version",
      "6",
      "--subnet-pool",
      "kuryr6",
      "client-kuryr6",
    );
    assert.match(String(kuryr.cidr), /^fd10:10:/);
  });

  it("creates a port with a fixed address", async () => {
    const port = await openstack(
      "port",
      "create",
      "--network",
      "client-net",
      "--fixed-ip",
      "subnet=client-v4,ip-address=10.0.0.10",
      "client-port",
    );
    const fixedIps = JSON.stringify(port.fixed_ips);
    assert.match(fixedIps, /10\.0\.0\.10/);
    assert.match(fixedIps, /fd00:1::/, "the SLAAC subnet adds an EUI-64 address");
    const duplicate = await openstackFails(
      "port",
      "create",
      "--network",
      "client-net",
      "--fixed-ip",
      "subnet=client-v4,ip-address=10.0.0.10",
      "client-port-2",
    );
    assert.match(duplicate, /already allocated/);
  });

  it("creates a security group and a TCP rule", async () => {
    const group = await openstack("security", "group", "create", "client-sg");
    assert.equal(group.name, "client-sg");
    const rule = await openstack(
      "security",
      "group",
      "rule",
      "create",
      "--protocol",
      "tcp",
      "--dst-port",
      "80",
      "client-sg",
    );
    assert.equal(rule.protocol, "tcp");
    assert.equal(rule.port_range_min, 80);
    assert.equal(rule.port_range_max, 80);
    assert.equal(rule.direction, "ingress");
    const duplicate = await openstackFails(
      "security",
      "group",
      "rule",
      "create",
      "--protocol",
      "tcp",
      "--dst-port",
      "80",
      "client-sg",
    );
    assert.match(duplicate, /Security group rule already exists/);
  });

  it("rejects a third network after quota set --networks 2", async () => {
    const project = await openstack("project", "create", "--domain", "default", "quota-project");
    // openstackclient 6.0 builds its compute and volume clients in `quota set` even when only
    // network quotas change. A clouds.yaml with endpoint overrides replaces the services this cloud
    // lacks, and those endpoints are never contacted.
    await run(OPENSTACK, ["quota", "set", "--networks", "2", "quota-project"], {
      env: { PATH: env.PATH, HOME: folder, OS_CLOUD: "network-test" },
      timeout: 120_000,
    });
    const listed = await openstack("quota", "list", "--network", "--project", "quota-project");
    assert.equal(listed[0]?.Networks, 2);
    for (const name of ["quota-1", "quota-2"]) {
      const created = await openstack("network", "create", "--project", String(project.id), name);
      assert.equal(created.project_id, project.id);
    }
    const rejected = await openstackFails(
      "network",
      "create",
      "--project",
      String(project.id),
      "quota-3",
    );
    assert.match(rejected, /Quota exceeded for resources: \['network'\]/);
  });

  it("creates a router, adds a subnet, shows and deletes it", async () => {
    const created = await openstack("router", "create", "client-router");
    assert.equal(created.name, "client-router");
    assert.equal(created.status, "ACTIVE");
    await run(OPENSTACK, ["router", "add", "subnet", "client-router", "client-v4"], {
      env,
      timeout: 120_000,
    });
    const shown = await openstack("router", "show", "client-router");
    assert.equal(shown.id, created.id);
    assert.match(JSON.stringify(shown.interfaces_info), /10\.0\.0\.1"/);
    const ports = await openstack("port", "list", "--router", "client-router");
    assert.equal(ports.length, 1);
    assert.match(JSON.stringify(ports[0]?.["Fixed IP Addresses"]), /"10\.0\.0\.1"/);
    const inUse = await openstackFails("router", "delete", "client-router");
    assert.match(inUse, /still attached/);
    await run(OPENSTACK, ["router", "remove", "subnet", "client-router", "client-v4"], {
      env,
      timeout: 120_000,
    });
    await run(OPENSTACK, ["router", "delete", "client-router"], { env, timeout: 120_000 });
    const listed = await openstack("router", "list");
    assert.ok(!listed.some((row) => row.Name === "client-router"));
  });

  it("deletes what it created", async () => {
    const ports = await openstack("port", "list", "--network", "client-net");
    for (const port of ports) {
      await run(OPENSTACK, ["port", "delete", String(port.ID)], { env, timeout: 120_000 });
    }
    await run(OPENSTACK, ["network", "delete", "client-net"], { env, timeout: 120_000 });
    const listed = await openstack("network", "list");
    assert.ok(!listed.some((row) => row.Name === "client-net"));
  });
});
