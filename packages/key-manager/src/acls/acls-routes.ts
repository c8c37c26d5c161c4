import type { AuthContext } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { parseJsonBody, requireMediaType } from "../api/request-body.js";
import type { AclsService } from "./acls-service.js";
import type { AclEntityKind } from "./acls-types.js";
import { validateAcl } from "./acls-validation.js";

/** Loads an entity after checking a policy action on it; raises 404 or 403 otherwise. */
export type EntityLoader = (
  caller: AuthContext,
  id: string,
  action: string,
  operation: string,
) => Promise<unknown>;

/** One kind of entity whose ACL the API serves. */
export interface AclTarget {
  kind: AclEntityKind;
  /** Collection path segment: `secrets` or `containers`. */
  collection: string;
  /** Operation names in messages: `Secret` or `Container`. */
  label: string;
  load: EntityLoader;
}

export interface AclRoutesDependencies {
  acls: AclsService;
  targets: AclTarget[];
  hrefs: HrefSettings;
  maxRequestBytes: number;
}

type Params = { Params: { id: string } };

/** Registers `/v1/secrets/{id}/acl` and `/v1/containers/{id}/acl`. */
export function registerAclRoutes(app: FastifyInstance, dependencies: AclRoutesDependencies) {
  for (const target of dependencies.targets) {
    registerTarget(app, dependencies, target);
  }
}

function registerTarget(
  app: FastifyInstance,
  dependencies: AclRoutesDependencies,
  target: AclTarget,
): void {
  const { acls, hrefs, maxRequestBytes } = dependencies;
  const url = `/v1/${target.collection}/:id/acl`;
  const prefix = target.kind;
  const label = `${target.label}ACL(s)`;

  app.get<Params>(url, async (request) => {
    await target.load(request.auth, request.params.id, `${prefix}_acls:get`, `${label} retrieval`);
    return acls.view(target.kind, request.params.id);
  });

  for (const method of ["PUT", "PATCH"] as const) {
    app.route<Params>({
      method,
      url,
      handler: async (request) => {
        const id = request.params.id;
        await target.load(request.auth, id, `${prefix}_acls:put_patch`, `${label} Update`);
        requireMediaType(request, ["application/json"]);
        const read = validateAcl(parseJsonBody(request, maxRequestBytes));
        if (method === "PUT") {
          await acls.replace(target.kind, id, read);
        } else {
          await acls.merge(target.kind, id, read);
        }
        return { acl_ref: `${baseUrlFor(hrefs, request)}/v1/${target.collection}/${id}/acl` };
      },
    });
  }

  app.delete<Params>(url, async (request, reply) => {
    const id = request.params.id;
    await target.load(request.auth, id, `${prefix}_acls:delete`, `${label} deletion`);
    await acls.remove(target.kind, id);
    // Upstream renders the handler's None as the JSON document `null`.
    return reply.code(200).header("content-type", "application/json").send("null");
  });
  rejectOtherMethods(app, url, ["GET", "PUT", "PATCH", "DELETE"]);
}
