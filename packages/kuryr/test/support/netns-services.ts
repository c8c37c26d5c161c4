/**
 * Runs the services the plugin needs on loopback inside the test network namespace. When both
 * packages export their modules, these are identity and the network service in keystone mode, with
 * the network endpoint in the catalog; otherwise the first no-auth Neutron backend. Unix socket
 * proxies let the test process in the host namespace reach them. The URLs, and the admin
 * credentials in keystone mode, go to the ready file given as the last argument. SIGTERM stops all.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogger,
  MemoryBus,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import { loadNetworkModule, neutronBackends } from "./neutron-backends.js";
import { quietLogger } from "./plugin-harness.js";

const [neutronProxy, identityProxy, readyFile] = process.argv.slice(2);
if (neutronProxy === undefined || identityProxy === undefined || readyFile === undefined) {
  throw new Error(
    "usage: netns-services.ts <neutron proxy socket> <identity proxy socket> <ready file>",
  );
}

interface IdentityInstance extends ServiceInstance {
  tokenValidator: unknown;
  setCatalogEndpoint(type: string, name: string, url: string): void;
  adminCredentials(): Record<string, string>;
  readonly region: string;
}

const proxies: Server[] = [];

/**
 * With `KURYR_TEST_SERVICES_LOG=1` the services log to stdout (the environment's services.log), so
 * that a benchmark can read Neutron's per-request times. Otherwise their lines stay in memory.
 */
function servicesLogger() {
  return process.env.KURYR_TEST_SERVICES_LOG === "1"
    ? createLogger({ service: "services", level: "info" })
    : quietLogger();
}
const closers: (() => Promise<void>)[] = [];

/** Forwards every connection on a Unix socket to a TCP URL on loopback. */
function proxy(socketPath: string, url: string): Promise<void> {
  const target = new URL(url);
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  proxies.push(server);
  return new Promise((resolve) => server.listen(socketPath, resolve));
}

async function startKeystoneMode(networkModule: ServiceModule) {
  const imported = (await import("@openstack-ts/identity").catch(() => null)) as {
    identityModule?: ServiceModule;
  } | null;
  const identityModule = imported?.identityModule;
  if (identityModule === undefined) {
    return null;
  }
  const folder = mkdtempSync(join(tmpdir(), "kuryr-netns-"));
  closers.push(async () => rmSync(folder, { recursive: true, force: true }));
  const logger = servicesLogger();
  const bus = new MemoryBus();
  const identity = (await identityModule.create(
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
  )) as IdentityInstance;
  const identityUrl = await identity.listen();
  closers.unshift(() => identity.close());
  identity.setCatalogEndpoint("identity", "keystone", `${identityUrl}/v3`);
  const network = await networkModule.create(
    networkModule.loadConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": `sqlite:${join(folder, "network.sqlite")}`,
        "auth.mode": "keystone",
      },
    }),
    { logger, bus, tokenValidator: identity.tokenValidator as never },
  );
  const networkUrl = await network.listen();
  closers.unshift(() => network.close());
  identity.setCatalogEndpoint("network", "neutron", networkUrl);
  return {
    mode: "keystone",
    backend: "the network service through Keystone",
    url: networkUrl,
    identityUrl,
    region: identity.region,
    credentials: { ...identity.adminCredentials(), authUrl: `${identityUrl}/v3` },
  };
}

async function startNoauthMode() {
  const [backend] = neutronBackends();
  if (backend === undefined) {
    throw new Error("no Neutron backend available");
  }
  const neutron = await backend.start();
  closers.push(() => neutron.close());
  return { mode: "noauth", backend: backend.name, url: neutron.url };
}

const networkModule = await loadNetworkModule().catch(() => null);
const keystone = networkModule === null ? null : await startKeystoneMode(networkModule);
const ready = keystone ?? (await startNoauthMode());
await proxy(neutronProxy, ready.url);
if (keystone !== null) {
  await proxy(identityProxy, keystone.identityUrl);
}
writeFileSync(readyFile, JSON.stringify(ready));

process.on("SIGTERM", () => {
  for (const server of proxies) {
    server.close();
  }
  void Promise.allSettled(closers.map((close) => close())).finally(() => process.exit(0));
});
