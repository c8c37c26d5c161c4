import type { PayloadContext, SecretStore, StoredPayload } from "./secret-store.js";

export interface StoreRouterDependencies {
  /** Stores by the name they record in `StoredPayload.storeName`. */
  stores: Map<string, SecretStore>;
  /** Name of the store new payloads go to when the project has no preference. */
  defaultStore: string;
  /** Returns the project's preferred store name, or undefined (multiple stores only). */
  preferredStore?(projectId: string): Promise<string | undefined>;
}

/**
 * Creates a SecretStore that sends each call to one of several stores: new payloads to the project's
 * preferred store or the global default, and existing payloads to the store that wrote them.
 */
export function createStoreRouter(dependencies: StoreRouterDependencies): SecretStore {
  const { stores } = dependencies;

  function storeNamed(name: string): SecretStore {
    const store = stores.get(name);
    if (store === undefined) {
      throw new Error(`secret store "${name}" is not configured, so its payloads cannot be read`);
    }
    return store;
  }

  return {
    name: "router",

    async storePayload(context: PayloadContext, plaintext: Buffer): Promise<StoredPayload> {
      const preferred = await dependencies.preferredStore?.(context.projectId);
      const name =
        preferred !== undefined && stores.has(preferred) ? preferred : dependencies.defaultStore;
      return storeNamed(name).storePayload(context, plaintext);
    },

    retrievePayload(context: PayloadContext, stored: StoredPayload): Promise<Buffer> {
      return storeNamed(stored.storeName).retrievePayload(context, stored);
    },

    deletePayload(context: PayloadContext, stored: StoredPayload): Promise<void> {
      return storeNamed(stored.storeName).deletePayload(context, stored);
    },
  };
}
