import type { ConsumersRepo } from "../consumers/consumers-repo.js";
import type { SecretRelations } from "../secrets/secret-relations.js";
import type { AclsRepo } from "./acls-repo.js";

/** Secret relations read from the ACL and consumer tables. */
export function createStoredSecretRelations(dependencies: {
  acls: Pick<AclsRepo, "decisionFor">;
  consumers: Pick<ConsumersRepo, "all">;
}): SecretRelations {
  return {
    aclFor(secretId, userId) {
      return dependencies.acls.decisionFor("secret", secretId, userId);
    },
    async consumersOf(secretId) {
      const consumers = await dependencies.consumers.all("secret", secretId);
      return consumers.map((consumer) => ({
        service: consumer.fields[0] ?? "",
        resource_type: consumer.fields[1] ?? "",
        resource_id: consumer.fields[2] ?? "",
      }));
    },
  };
}
