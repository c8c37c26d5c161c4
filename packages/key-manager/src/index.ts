export type { KeyManagerAppDependencies } from "./app.js";
export { buildKeyManagerApp } from "./app.js";
export type { KeyManagerConfig } from "./config.js";
export {
  KEY_MANAGER_PORT,
  keyManagerConfigSchema,
  loadKeyManagerConfig,
  masterKeyFile,
} from "./config.js";
export { keyManagerMigrations, MIGRATION_SERVICE } from "./db/migrations.js";
export type { KeyManagerDatabase } from "./db/schema.js";
export { errors as keyManagerErrors } from "./errors.js";
export type { ProjectCleanup } from "./keystone-listener/project-deletion.js";
export {
  deleteProjectResources,
  PROJECT_DELETED_TOPIC,
} from "./keystone-listener/project-deletion.js";
export type { CleanOptions, CleanResult } from "./manage/database.js";
export { cleanDatabase, migrationStatus, upgradeDatabase } from "./manage/database.js";
export type { HsmRewrapResult } from "./manage/hsm.js";
export {
  DEFAULT_HSM_KEY_BYTES,
  generateHmacKey,
  generateMasterKey,
  rewrapHsmProjectKeys,
} from "./manage/hsm.js";
export type { RewrapOptions, RewrapResult, RotationResult } from "./manage/master-key.js";
export {
  countByMasterVersion,
  rewrapProjectKeys,
  rotateMasterKeyFile,
} from "./manage/master-key.js";
export type { KeyManagerServiceOptions } from "./module.js";
export { createKeyManagerService, keyManagerModule } from "./module.js";
export type { Authorizer, PolicyEntity } from "./policy/authorizer.js";
export { createAuthorizer } from "./policy/authorizer.js";
export { ACTION_RULES, BASE_RULES, defaultPolicyRules } from "./policy/policy-defaults.js";
export { syncStoreRows } from "./secret-stores/configured-stores.js";
export type { HsmSettings } from "./secret-stores/hsm-session.js";
export { HsmSession } from "./secret-stores/hsm-session.js";
export type { MasterKeyring } from "./secret-stores/master-keyring.js";
export { loadMasterKeyring } from "./secret-stores/master-keyring.js";
export type { PayloadContext, SecretStore, StoredPayload } from "./secret-stores/secret-store.js";
export { createSoftwareSecretStore, SOFTWARE_STORE_NAME } from "./secret-stores/software-store.js";
export type {
  SecretAclView,
  SecretConsumerView,
  SecretRelations,
} from "./secrets/secret-relations.js";
export { noSecretRelations } from "./secrets/secret-relations.js";
export type { SecretRecord } from "./secrets/secrets-types.js";
export { createKeyManagerWorker, keyManagerWorkerModule } from "./workers/worker-module.js";
