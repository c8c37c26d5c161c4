import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MemoryBus, type ServiceInstance } from "@openstack-ts/kernel";
import { keystoneAccess, type NeutronAccess } from "../src/neutron/neutron-access.js";
import { loadNetworkModule } from "./support/neutron-backends.js";
import { type PluginUnderTest, quietLogger, startPlugin } from "./support/plugin-harness.js";

interface IdentityInstance extends ServiceInstance {
  tokenValidator: unknown;
  setCatalogEndpoint(type: string, name: string, url: string): void;
  adminCredentials(): {
    authUrl: string;
    username: string;
    password: string;
    projectName: string;
    userDomainName: string;
    projectDomainName: string;
  };
  readonly region: string;
}

const identity = (await import("@openstack-ts/identity").catch(() => null)) as {
  identityModule?: {
    loadConfig(options: unknown): unknown;
    create(config: unknown, deps: unknown): Promise<IdentityInstance>;
  };
} | null;
const networkModule = await loadNetworkModule().catch(() => null);
const skip =
  identity?.identityModule === undefined || networkModule === null
    ? "the identity and network services do not export their modules in this checkout"
    : false;

describe("plugin through Keystone", { skip }, () => {
  const folder = mkdtempSync(join(tmpdir(), "kuryr-keystone-"));
  let keystone: IdentityInstance;
  let network: ServiceInstance;
  let access: NeutronAccess;
  let plugin: PluginUnderTest;
  let identityUrl = "";
  let networkUrl = "";

  before(async () => {
    const identityModule = identity?.identityModule;
    assert.ok(identityModule);
    assert.ok(networkModule);
    const logger = quietLogger();
    const bus = new MemoryBus();
    keystone = await identityModule.create(
      identityModule.loadConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": `sqlite:${join(folder, "identity.sqlite")}`,
          "bootstrap.password_file": join(folder, "passwords.json"),
          "credential.key_file": join(folder, "credential.key"),
        },
      }),
      { logger, bus },
    );
    identityUrl = await keystone.listen();
    keystone.setCatalogEndpoint("identity", "keystone", `${identityUrl}/v3`);
    network = await networkModule.create(
      networkModule.loadConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": `sqlite:${join(folder, "network.sqlite")}`,
          "auth.mode": "keystone",
        },
      }),
      { logger, bus, tokenValidator: keystone.tokenValidator as never },
    );
    networkUrl = await network.listen();
    keystone.setCatalogEndpoint("network", "neutron", networkUrl);
    const credentials = { ...keystone.adminCredentials(), authUrl: `${identityUrl}/v3` };
    access = keystoneAccess({
      credentials,
      url: "",
      region: keystone.region,
      endpointType: "public",
      timeoutSeconds: 10,
      logger,
    });
    plugin = await startPlugin(networkUrl, { access });
  });

  after(async () => {
    await plugin?.close();
    await network?.close();
    await keystone?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test("network endpoint comes from the catalog", async () => {
    assert.equal(await access.endpoint(), networkUrl);
    const headers = await access.headers();
    assert.ok(headers["x-auth-token"], "a token is sent");
  });

  test("lifecycle with a Keystone token", async () => {
    const pool = await plugin.call("/IpamDriver.RequestPool", {
      Pool: "10.93.0.0/24",
      SubPool: "",
      Options: {},
      V6: false,
    });
    assert.equal(pool.status, 200, JSON.stringify(pool.body));
    const networkId = "a9".repeat(32);
    const created = await plugin.call("/NetworkDriver.CreateNetwork", {
      NetworkID: networkId,
      Options: {},
      IPv4Data: [{ Pool: "10.93.0.0/24", Gateway: "10.93.0.1/24" }],
      IPv6Data: [],
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(
      (await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool.body.PoolID })).status,
      200,
    );
    assert.equal(
      (await plugin.call("/NetworkDriver.DeleteNetwork", { NetworkID: networkId })).status,
      200,
    );
  });

  test("revoked token is renewed", async () => {
    const { "x-auth-token": token } = await access.headers();
    assert.ok(token);
    const revoke = await fetch(`${identityUrl}/v3/auth/tokens`, {
      method: "DELETE",
      headers: { "x-auth-token": token, "x-subject-token": token },
    });
    assert.equal(revoke.status, 204, "the identity service revoked the token");
    const pool = await plugin.call("/IpamDriver.RequestPool", {
      Pool: "10.94.0.0/24",
      SubPool: "",
      Options: {},
      V6: false,
    });
    assert.equal(pool.status, 200, JSON.stringify(pool.body));
    const { "x-auth-token": renewed } = await access.headers();
    assert.notEqual(renewed, token, "the plugin authenticated again");
    await plugin.call("/IpamDriver.ReleasePool", { PoolID: pool.body.PoolID });
  });
});
