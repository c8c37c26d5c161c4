/** What a secret's read ACL says about one caller. */
export interface SecretAclView {
  /** False when the ACL makes the secret private to its creator and the listed users. */
  readProjectAccess: boolean;
  /** True when the caller is listed in the secret's read ACL. */
  callerInReadAcl: boolean;
}

/** A secret consumer as secret responses list it (microversion 1.1 and later). */
export interface SecretConsumerView {
  service: string;
  resource_type: string;
  resource_id: string;
}

/**
 * What the secrets domain needs from domains that attach data to secrets: the ACL domain answers
 * `aclFor`, the consumers domain `consumersOf`. Until those domains exist, `noSecretRelations`
 * answers as upstream does for a secret with no ACL and no consumers.
 */
export interface SecretRelations {
  aclFor(secretId: string, userId: string | null): Promise<SecretAclView>;
  consumersOf(secretId: string): Promise<SecretConsumerView[]>;
}

/** Relations of a secret that has no ACL rows and no consumers. */
export const noSecretRelations: SecretRelations = {
  async aclFor() {
    return { readProjectAccess: true, callerInReadAcl: false };
  },
  async consumersOf() {
    return [];
  },
};
