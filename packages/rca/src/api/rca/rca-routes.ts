import type { PolicyEnforcer } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { rcaErrors } from "../../errors.js";
import type { AlarmHistoryRepo } from "../../storage/alarm-history-repo.js";
import { renderAlarm } from "../alarm/alarm-render.js";
import { enforce, parseFlag } from "../policy.js";
import { tenantContext } from "../tenant-context.js";

/**
 * `GET /v1/rca?alarm_id=X` (the client's form) and `GET /v1/rca/X`: the alarms linked to an
 * alarm by `causes` edges in either direction, from the alarm history, so the RCA of an alarm
 * that has ended (or of one raised before a restart) is still answered.
 */
export function registerRcaRoutes(
  app: FastifyInstance,
  dependencies: { history: Pick<AlarmHistoryRepo, "rca">; policy: Pick<PolicyEnforcer, "enforce"> },
): void {
  const { history, policy } = dependencies;

  async function rca(request: FastifyRequest, alarmId: unknown, allTenantsFlag: unknown) {
    const allTenants = parseFlag(allTenantsFlag);
    enforce(policy, request, allTenants ? "get rca:all_tenants" : "get rca");
    if (typeof alarmId !== "string" || alarmId === "") {
      throw rcaErrors.create("RCA_FAILED");
    }
    const tenant = tenantContext(request.auth);
    const found = allTenants
      ? await history.rca(alarmId, undefined, false)
      : await history.rca(alarmId, tenant.projectId ?? "", tenant.isAdmin);
    const index = found.alarms.findIndex((alarm) => alarm.vitrageId === alarmId);
    if (index === -1) {
      throw rcaErrors.create("RCA_FAILED");
    }
    const nodes = found.alarms.map((alarm, position) => ({
      ...renderAlarm(alarm),
      graph_index: position,
    }));
    const positions = new Map(found.alarms.map((alarm, position) => [alarm.vitrageId, position]));
    const links = found.edges.flatMap((edge) => {
      const source = positions.get(edge.sourceId);
      const target = positions.get(edge.targetId);
      if (source === undefined || target === undefined) {
        return [];
      }
      return [{ ...edge.payload, relationship_type: edge.label, source, target, key: edge.label }];
    });
    return {
      directed: true,
      multigraph: true,
      graph: {},
      nodes,
      links,
      inspected_index: index,
    };
  }

  app.get<{ Querystring: { alarm_id?: string; all_tenants?: string } }>(
    "/v1/rca",
    async (request) => rca(request, request.query.alarm_id, request.query.all_tenants),
  );
  app.get<{ Params: { alarmId: string }; Querystring: { all_tenants?: string } }>(
    "/v1/rca/:alarmId",
    async (request) => rca(request, request.params.alarmId, request.query.all_tenants),
  );
}
