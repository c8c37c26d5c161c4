export type { AuthContext, KeystoneTokenBody, TokenValidator } from "./auth/auth-context.js";
export {
  authContextFromKeystoneToken,
  emptyAuthContext,
  policyCredentials,
} from "./auth/auth-context.js";
export type { AuthHookOptions, AuthMode } from "./auth/auth-hook.js";
export { noauthContext, registerAuth } from "./auth/auth-hook.js";
export type { KeystoneValidatorOptions, ServiceCredentials } from "./auth/keystone-validator.js";
export { identityV3, issueToken, KeystoneTokenValidator } from "./auth/keystone-validator.js";
export { AmqpBus } from "./bus/amqp-bus.js";
export { createMessageBus } from "./bus/create-bus.js";
export { MemoryBus } from "./bus/memory-bus.js";
export type { DeliveryInfo, MessageBus, MessageHandler, Subscription } from "./bus/message-bus.js";
export { topicMatches } from "./bus/message-bus.js";
export {
  authSchema,
  busSchema,
  databaseSchema,
  dataDirectory,
  listenSchema,
  logSchema,
  policySchema,
  serviceSchema,
} from "./config/common-schema.js";
export { CONFIG_FILE_ENV, ConfigError, ENV_PREFIX, loadConfig } from "./config/load-config.js";
export { columnTypes, isoSeconds, nowTimestamp, toTimestamp } from "./db/column-types.js";
export { createMigrator, migrateToLatest } from "./db/migrate.js";
export type { Database, SqlDialect } from "./db/open-database.js";
export { dialectOf, openDatabase, redactUrl } from "./db/open-database.js";
export { toBoolean } from "./db/sqlite-boolean-plugin.js";
export type { ErrorParameters, ErrorSpec } from "./http/api-error.js";
export { ApiError, defineErrorCatalogue, httpTitle } from "./http/api-error.js";
export type { ErrorFormatter, HttpServerOptions } from "./http/create-server.js";
export {
  createHttpServer,
  REQUEST_ID_HEADER,
  REQUEST_TIMEOUT_MS,
  sendApiError,
  toApiError,
} from "./http/create-server.js";
export type { Logger } from "./log/logger.js";
export { bindService, createLogger, REDACTED_PATHS } from "./log/logger.js";
export { PolicyEnforcer } from "./policy/policy-enforcer.js";
export type { PolicyRule } from "./policy/policy-rule.js";
export { evaluatePolicyRule, PolicySyntaxError, parsePolicyRule } from "./policy/policy-rule.js";
export type {
  ServiceConfigOptions,
  ServiceDependencies,
  ServiceInstance,
  ServiceModule,
} from "./service/service-instance.js";
export { listenOn } from "./service/service-instance.js";
