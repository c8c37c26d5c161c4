import type { FastifyInstance } from "fastify";
import { pythonRepr } from "../api/python-format.js";
import { searchParameters, stripJsonSuffix } from "../api/resource-controller.js";
import { badRequest, neutronError } from "../errors.js";

/** Attributes of Neutron's agent resource that list requests may filter on. */
const AGENT_ATTRIBUTES = new Set([
  "id",
  "agent_type",
  "binary",
  "topic",
  "host",
  "admin_state_up",
  "alive",
  "description",
]);

const NON_FILTER_PARAMETERS = new Set([
  "fields",
  "sort_key",
  "sort_dir",
  "limit",
  "marker",
  "page_reverse",
]);

/**
 * Registers the `agent` extension's API. This service runs no agents, so the list is always
 * empty and every agent id gets 404 AgentNotFound, as Neutron does for an unknown agent.
 */
export function registerAgentRoutes(app: FastifyInstance): void {
  for (const collection of ["/v2.0/agents", "/v2.0/agents.json"]) {
    app.get(collection, async (request) => {
      const search = searchParameters(request);
      const invalid = [...new Set(search.keys())].filter(
        (key) => !NON_FILTER_PARAMETERS.has(key) && !AGENT_ATTRIBUTES.has(key),
      );
      if (invalid.length > 0) {
        throw badRequest(`${pythonRepr(invalid)} is invalid attribute for filtering`);
      }
      return { agents: [] };
    });
    app.route({
      method: ["POST", "PUT", "DELETE", "PATCH"],
      url: collection,
      handler: async () => {
        throw neutronError("HTTPMethodNotAllowed");
      },
    });
  }

  const notFound = async (request: { params: unknown }) => {
    const id = stripJsonSuffix((request.params as { id: string }).id);
    throw neutronError("AgentNotFound", { id });
  };
  app.get("/v2.0/agents/:id", notFound);
  app.put("/v2.0/agents/:id", notFound);
  app.delete("/v2.0/agents/:id", notFound);
}
