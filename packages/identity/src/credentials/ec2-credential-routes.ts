import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Linker, param } from "../common/http.js";
import { parseBody } from "../common/request-body.js";
import type { Authorize } from "../policy/identity-policy.js";
import type { Ec2CredentialService } from "./ec2-credential-service.js";
import type { Ec2Credential } from "./ec2-credential-types.js";

const CreateEc2Schema = Type.Object({
  tenant_id: Type.String({ minLength: 1, maxLength: 64 }),
});

export interface Ec2CredentialRouteDependencies {
  credentials: Ec2CredentialService;
  linker: Linker;
  authorize: Authorize;
}

/** `/v3/users/{user_id}/credentials/OS-EC2`: a user's EC2 access keys and secrets. */
export function registerEc2CredentialRoutes(
  app: FastifyInstance,
  dependencies: Ec2CredentialRouteDependencies,
) {
  const { credentials, linker, authorize } = dependencies;
  const base = "/v3/users/:user_id/credentials/OS-EC2";
  const render = (credential: Ec2Credential, request: FastifyRequest) => ({
    user_id: credential.userId,
    tenant_id: credential.projectId,
    access: credential.access,
    secret: credential.secret,
    trust_id: null,
    links: {
      self: linker.v3(
        request,
        `/users/${credential.userId}/credentials/OS-EC2/${credential.access}`,
      ),
    },
  });
  const owner = (request: FastifyRequest) => ({ user_id: param(request, "user_id") });

  app.post(base, async (request, reply) => {
    authorize(request, "identity:ec2_create_credential", owner(request));
    const body = parseBody(CreateEc2Schema, request.body);
    const credential = await credentials.create(param(request, "user_id"), body.tenant_id);
    return reply.code(201).send({ credential: render(credential, request) });
  });

  app.get(base, async (request) => {
    authorize(request, "identity:ec2_list_credentials", owner(request));
    const list = await credentials.list(param(request, "user_id"));
    return {
      credentials: list.map((credential) => render(credential, request)),
      links: linker.collection(request),
    };
  });

  app.get(`${base}/:access`, async (request) => {
    authorize(request, "identity:ec2_get_credential", owner(request));
    const credential = await credentials.get(param(request, "user_id"), param(request, "access"));
    return { credential: render(credential, request) };
  });

  app.delete(`${base}/:access`, async (request, reply) => {
    authorize(request, "identity:ec2_delete_credential", owner(request));
    await credentials.delete(param(request, "user_id"), param(request, "access"));
    return reply.code(204).send();
  });
}
