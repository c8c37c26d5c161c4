import type { ServiceConfigOptions, ServiceModule } from "@openstack-ts/kernel";
import { type CoreFactory, createRcaService } from "./app.js";
import { loadRcaConfig, RCA_DEFAULT_PORT, type RcaConfig } from "./config.js";
import { createRcaCore } from "./processor/rca-core.js";

export type { CoreFactory, RcaService, RcaServiceDependencies } from "./app.js";
export { createRcaService } from "./app.js";
export type { DatasourceName, RcaConfig } from "./config.js";
export { DATASOURCE_NAMES, loadRcaConfig, RCA_DEFAULT_PORT, rcaConfigSchema } from "./config.js";
export { formatRcaError, rcaErrors } from "./errors.js";

/**
 * Builds the service descriptor around a core factory, so the stack and `openstack-ts serve rca`
 * start the service like every other one (section `rca`, catalog type `rca`, name `vitrage`,
 * port 8999).
 */
export function createRcaModule(createCore: CoreFactory): ServiceModule<RcaConfig> {
  return {
    name: "rca",
    section: "rca",
    catalogType: "rca",
    catalogName: "vitrage",
    defaultPort: RCA_DEFAULT_PORT,
    loadConfig: (options?: ServiceConfigOptions) => loadRcaConfig(options),
    create: (config, dependencies) =>
      createRcaService(config, {
        logger: dependencies.logger,
        bus: dependencies.bus,
        tokenValidator: dependencies.tokenValidator,
        createCore,
      }),
  };
}

/** The RCA service with its core, for the stack and `openstack-ts serve rca`. */
export const rcaModule: ServiceModule<RcaConfig> = createRcaModule(createRcaCore);
