import { newId } from "../common/ids.js";
import { identityError, invalidRequest } from "../errors.js";
import type { ProjectService } from "../projects/project-service.js";
import type { UserService } from "../users/user-service.js";
import type { Ec2CredentialRepo } from "./ec2-credential-repo.js";
import type { Ec2Credential } from "./ec2-credential-types.js";

/** EC2 credentials of users: a random access key and secret per user and project. */
export function createEc2CredentialService(
  repo: Ec2CredentialRepo,
  users: Pick<UserService, "get">,
  projects: Pick<ProjectService, "find">,
) {
  async function get(userId: string, access: string): Promise<Ec2Credential> {
    await users.get(userId);
    const credential = await repo.get(access);
    if (credential === undefined || credential.userId !== userId) {
      throw identityError("CREDENTIAL_NOT_FOUND", { id: access });
    }
    return credential;
  }

  return {
    get,

    async list(userId: string): Promise<Ec2Credential[]> {
      await users.get(userId);
      return repo.listByUser(userId);
    },

    async create(userId: string, projectId: string): Promise<Ec2Credential> {
      await users.get(userId);
      if ((await projects.find(projectId)) === undefined) {
        throw invalidRequest(`Project ${projectId} given as tenant_id does not exist.`);
      }
      const credential: Ec2Credential = { access: newId(), secret: newId(), userId, projectId };
      await repo.insert(credential);
      return credential;
    },

    async delete(userId: string, access: string): Promise<void> {
      await get(userId, access);
      await repo.delete(access);
    },
  };
}

export type Ec2CredentialService = ReturnType<typeof createEc2CredentialService>;
