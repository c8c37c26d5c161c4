import { type AuthContext, isoSeconds, type Logger, nowTimestamp } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { errors } from "../errors.js";
import type { Authorizer } from "../policy/authorizer.js";
import { isUuidV4 } from "../validation/ids.js";
import type { SecretStoreRecord, SecretStoresRepo } from "./secret-stores-repo.js";

export interface SecretStoreRoutesDependencies {
  repo: Pick<SecretStoresRepo, "list" | "find" | "preferred" | "setPreferred" | "unsetPreferred">;
  authorizer: Authorizer;
  hrefs: HrefSettings;
  /** When false, every path returns 404, as upstream does without multiple backends. */
  multipleStoresEnabled: boolean;
  logger: Logger;
}

type Params = { Params: { id: string } };

/** Registers `/v1/secret-stores` and its sub-resources. */
export function registerSecretStoreRoutes(
  app: FastifyInstance,
  dependencies: SecretStoreRoutesDependencies,
): void {
  const { repo, hrefs } = dependencies;
  const view = (request: FastifyRequest, store: SecretStoreRecord) =>
    storeView(store, baseUrlFor(hrefs, request));

  /** Applies the policy action, then raises 404 when multiple stores are disabled. */
  function authorize(caller: AuthContext, action: string, operation: string): void {
    dependencies.authorizer.authorize(caller, action, operation);
    if (!dependencies.multipleStoresEnabled) {
      throw errors.create("MULTIPLE_STORES_DISABLED");
    }
  }

  async function loadStore(id: string): Promise<SecretStoreRecord> {
    const store = isUuidV4(id) ? await repo.find(id) : undefined;
    if (store === undefined) {
      throw errors.create("SECRET_STORE_NOT_FOUND");
    }
    return store;
  }

  app.get("/v1/secret-stores", async (request) => {
    authorize(request.auth, "secretstores:get", "List available secret stores");
    const stores = await repo.list();
    return { secret_stores: stores.map((store) => view(request, store)) };
  });
  rejectOtherMethods(app, "/v1/secret-stores", ["GET"]);

  app.get("/v1/secret-stores/global-default", async (request) => {
    authorize(
      request.auth,
      "secretstores:get_global_default",
      "Retrieve global default secret store",
    );
    const store = (await repo.list()).find((item) => item.globalDefault);
    if (store === undefined) {
      throw errors.create("SECRET_STORE_NOT_FOUND");
    }
    return view(request, store);
  });
  rejectOtherMethods(app, "/v1/secret-stores/global-default", ["GET"]);

  app.get("/v1/secret-stores/preferred", async (request) => {
    authorize(request.auth, "secretstores:get_preferred", "Retrieve project preferred store");
    const store = await repo.preferred(request.auth.projectId ?? "");
    if (store === undefined) {
      throw errors.create("PREFERRED_STORE_NOT_FOUND");
    }
    return view(request, store);
  });
  rejectOtherMethods(app, "/v1/secret-stores/preferred", ["GET"]);

  app.get<Params>("/v1/secret-stores/:id", async (request) => {
    authorize(request.auth, "secretstore:get", "Secret store retrieval");
    return view(request, await loadStore(request.params.id));
  });
  rejectOtherMethods(app, "/v1/secret-stores/:id", ["GET"]);

  app.post<Params>("/v1/secret-stores/:id/preferred", async (request, reply) => {
    authorize(request.auth, "secretstore_preferred:post", "Setting preferred secret store");
    const store = await loadStore(request.params.id);
    const projectId = request.auth.projectId ?? "";
    await repo.setPreferred(projectId, store.id, nowTimestamp());
    dependencies.logger.info({ project_id: projectId, store: store.name }, "preferred store set");
    return reply.code(204).send();
  });

  app.delete<Params>("/v1/secret-stores/:id/preferred", async (request, reply) => {
    authorize(request.auth, "secretstore_preferred:delete", "Removing preferred secret store");
    const store = await loadStore(request.params.id);
    const projectId = request.auth.projectId ?? "";
    if (!(await repo.unsetPreferred(projectId, store.id))) {
      throw errors.create("PREFERRED_STORE_NOT_FOUND");
    }
    dependencies.logger.info({ project_id: projectId, store: store.name }, "preferred store unset");
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/secret-stores/:id/preferred", ["POST", "DELETE"]);
}

function storeView(store: SecretStoreRecord, base: string): Record<string, unknown> {
  return {
    created: isoSeconds(store.createdAt),
    updated: isoSeconds(store.updatedAt),
    status: store.status,
    name: store.name,
    secret_store_plugin: store.storePlugin,
    crypto_plugin: store.cryptoPlugin,
    global_default: store.globalDefault,
    secret_store_ref: `${base}/v1/secret-stores/${store.id}`,
  };
}
