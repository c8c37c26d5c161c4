import type { ServiceModule } from "@openstack-ts/kernel";

/**
 * Services `openstack-ts serve <name>` can run, one line per service package. Modules load on
 * demand, so client commands never load server code.
 */
export const SERVICES: Record<string, () => Promise<ServiceModule<unknown>>> = {
  identity: async () =>
    (await import("@openstack-ts/identity")).identityModule as ServiceModule<unknown>,
  "key-manager": async () =>
    (await import("@openstack-ts/key-manager")).keyManagerModule as ServiceModule<unknown>,
  "key-manager-worker": async () =>
    (await import("@openstack-ts/key-manager")).keyManagerWorkerModule as ServiceModule<unknown>,
  network: async () =>
    (await import("@openstack-ts/network")).networkModule as ServiceModule<unknown>,
  kuryr: async () => (await import("@openstack-ts/kuryr")).kuryrModule as ServiceModule<unknown>,
  rca: async () => (await import("@openstack-ts/rca")).rcaModule as ServiceModule<unknown>,
};
