import {
  busSchema,
  loadConfig,
  logSchema,
  type ServiceConfigOptions,
  serviceSchema,
} from "@openstack-ts/kernel";
import type { Static } from "@sinclair/typebox";

/** Schema of the `stack` configuration section: what the services of the stack share. */
export const stackConfigSchema = serviceSchema({
  bus: busSchema,
  log: logSchema,
});

export type StackConfig = Static<typeof stackConfigSchema>;

/** Loads the `stack` section (`OSTS_STACK__BUS__URL` sets RabbitMQ instead of the in-process bus). */
export function loadStackConfig(options: ServiceConfigOptions = {}): StackConfig {
  return loadConfig(stackConfigSchema, { section: "stack", ...options });
}
