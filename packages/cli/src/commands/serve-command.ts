import { createLogger, createMessageBus } from "@openstack-ts/kernel";
import type { Command } from "commander";
import { type CliContext, UsageError } from "./cli-context.js";
import { SERVICES } from "./services.js";

/** The parts of every service configuration that `serve` reads. */
interface CommonSettings {
  log?: { level?: string };
  bus?: { url?: string };
}

/**
 * Registers `serve <service>`: runs one service in this process until SIGINT or SIGTERM, with its
 * configuration from `--config` (or `OSTS_CONFIG`) and `OSTS_<SECTION>__*` variables.
 */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command("serve")
    .description(`run one service: ${Object.keys(SERVICES).join(", ")}`)
    .argument("<service>", "service to run")
    .option("--config <file>", "YAML configuration file (default: $OSTS_CONFIG)")
    .action(async (name: string, options: { config?: string }) => {
      const load = SERVICES[name];
      if (load === undefined) {
        throw new UsageError(
          `unknown service '${name}'; choose from ${Object.keys(SERVICES).join(", ")}`,
        );
      }
      await serve(await load(), options.config, context);
    });
}

async function serve(
  module: Awaited<ReturnType<NonNullable<(typeof SERVICES)[string]>>>,
  file: string | undefined,
  context: CliContext,
): Promise<void> {
  const config = module.loadConfig({ file, env: context.env });
  const settings = config as CommonSettings;
  const logger = createLogger({ level: settings.log?.level ?? "info", service: module.name });
  const bus = await createMessageBus(settings.bus?.url ?? "", logger);
  const service = await module.create(config, { logger, bus });
  const url = await service.listen();
  logger.info({ url }, `${module.name} listening`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, `${module.name} stopping`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await service.close();
  await bus.close();
}
