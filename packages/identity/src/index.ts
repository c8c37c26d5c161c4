export { MAX_REQUEST_BODY_BYTES } from "./app.js";
export type { BootstrapResult } from "./bootstrap/bootstrap.js";
export { BOOTSTRAP_ROLES } from "./bootstrap/bootstrap.js";
export type { IdentityConfig } from "./config.js";
export {
  IDENTITY_DEFAULT_PORT,
  IDENTITY_SECTION,
  identityConfigSchema,
  loadIdentityConfig,
} from "./config.js";
export { identityMigrations } from "./db/migrations.js";
export type { IdentitySchema } from "./db/schema.js";
export { DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME } from "./domains/domain-types.js";
export type { IdentityModule, IdentityServiceInstance } from "./identity-service.js";
export { createIdentityService, identityModule } from "./identity-service.js";
export { IDENTITY_POLICY_DEFAULTS } from "./policy/identity-policy.js";
