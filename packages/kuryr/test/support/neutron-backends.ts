import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBus, type ServiceModule } from "@openstack-ts/kernel";
import type { NeutronAccess } from "../../src/neutron/neutron-access.js";
import { noauthAccess } from "../../src/neutron/neutron-access.js";
import { startMemoryNeutron } from "./memory-neutron.js";
import { quietLogger } from "./plugin-harness.js";

/** A running Neutron the plugin can be pointed at. */
export interface NeutronBackend {
  url: string;
  access: NeutronAccess;
  /** Sets the network quota of the plugin's project. */
  setNetworkQuota(limit: number): Promise<void>;
  close(): Promise<void>;
}

export interface BackendFactory {
  name: string;
  start(): Promise<NeutronBackend>;
}

const PROJECT = "kuryr-tests";

/** The in-memory double, for protocol tests that must run without the network service. */
export const memoryBackend: BackendFactory = {
  name: "an in-memory Neutron double",
  async start() {
    const neutron = await startMemoryNeutron();
    return {
      url: neutron.url,
      access: noauthAccess(neutron.url, PROJECT, "admin"),
      setNetworkQuota: async (limit) => {
        neutron.networkQuota = limit;
      },
      close: () => neutron.close(),
    };
  },
};

/**
 * Loads the network service's module, or resolves to null while `@openstack-ts/network` exports
 * none. The backend built from it runs in-process in no-auth mode, on SQLite and a free port.
 */
export async function loadNetworkModule(): Promise<ServiceModule | null> {
  const imported = (await import("@openstack-ts/network")) as Record<string, unknown>;
  const candidate = imported.networkModule as ServiceModule | undefined;
  return candidate !== undefined && typeof candidate.create === "function" ? candidate : null;
}

export function networkServiceBackend(module: ServiceModule): BackendFactory {
  return {
    name: "the network service",
    async start() {
      const folder = mkdtempSync(join(tmpdir(), "kuryr-neutron-"));
      const config = module.loadConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": `sqlite:${join(folder, "network.sqlite")}`,
          "auth.mode": "noauth",
        },
      });
      const service = await module.create(config, { logger: quietLogger(), bus: new MemoryBus() });
      const url = await service.listen();
      const access = noauthAccess(url, PROJECT, "admin");
      return {
        url,
        access,
        async setNetworkQuota(limit) {
          const response = await fetch(`${url}/v2.0/quotas/${PROJECT}`, {
            method: "PUT",
            headers: {
              "content-type": "application/json",
              "x-project-id": PROJECT,
              "x-roles": "admin",
            },
            body: JSON.stringify({ quota: { network: limit } }),
          });
          if (!response.ok) {
            throw new Error(
              `setting the network quota failed: HTTP ${response.status} ${await response.text()}`,
            );
          }
        },
        async close() {
          await service.close();
          rmSync(folder, { recursive: true, force: true });
        },
      };
    },
  };
}

const networkModule = await loadNetworkModule().catch(() => null);

/**
 * Lists every backend available in this checkout: the network service when it exports its module, and
 * the double. `KURYR_TEST_NEUTRON=network` or `=memory` keeps one of them.
 */
export function neutronBackends(): BackendFactory[] {
  const all =
    networkModule === null
      ? [memoryBackend]
      : [networkServiceBackend(networkModule), memoryBackend];
  const wanted = process.env.KURYR_TEST_NEUTRON;
  if (wanted === "memory") {
    return [memoryBackend];
  }
  if (wanted === "network") {
    return all.filter((backend) => backend !== memoryBackend);
  }
  return all;
}
