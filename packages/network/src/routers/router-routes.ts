import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RequestContext } from "../api/request-context.js";
import { stripJsonSuffix } from "../api/resource-controller.js";
import { isPlainObject } from "../api/validators.js";
import { badRequest, neutronError } from "../errors.js";
import type { NetworkPolicy } from "../policy/network-policy.js";
import type { RouterService } from "./router-service.js";

export interface RouterActionDependencies {
  routers: RouterService;
  policy: NetworkPolicy;
  context: (request: FastifyRequest) => RequestContext;
}

const ACTIONS = ["add_router_interface", "remove_router_interface"] as const;

/**
 * Registers the router's member actions, `PUT /v2.0/routers/<id>/add_router_interface` and
 * `.../remove_router_interface`. The caller must be able to read the router (404 otherwise) and
 * pass the action's rule (403). The response body is the interface, not wrapped in a resource key.
 */
export function registerRouterActions(
  app: FastifyInstance,
  dependencies: RouterActionDependencies,
): void {
  for (const action of ACTIONS) {
    for (const url of [`/v2.0/routers/:id/${action}`, `/v2.0/routers/:id/${action}.json`]) {
      app.put(url, async (request) => runAction(request, action, dependencies));
      app.route({
        method: ["GET", "POST", "DELETE", "PATCH"],
        url,
        handler: async () => {
          throw neutronError("HTTPMethodNotAllowed");
        },
      });
    }
  }
}

async function runAction(
  request: FastifyRequest,
  action: (typeof ACTIONS)[number],
  dependencies: RouterActionDependencies,
) {
  const { routers, policy } = dependencies;
  const context = dependencies.context(request);
  const id = stripJsonSuffix((request.params as { id: string }).id);
  const body = request.body ?? {};
  if (!isPlainObject(body)) {
    throw badRequest("Body contains invalid data");
  }
  const router = await routers.show(context, id);
  if (!policy.check(context, "get_router", router)) {
    throw neutronError("HTTPNotFound");
  }
  policy.enforce(context, action, router);
  return action === "add_router_interface"
    ? routers.addInterface(context, id, body)
    : routers.removeInterface(context, id, body);
}
