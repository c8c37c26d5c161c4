import {
  createLogger,
  createMessageBus,
  type ServiceInstance,
  type ServiceModule,
} from "@openstack-ts/kernel";
import type { Command } from "commander";
import { type CliContext, CommandError, UsageError } from "./cli-context.js";
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
  let service: ServiceInstance;
  try {
    service = await module.create(config, { logger, bus });
  } catch (error) {
    // An open RabbitMQ connection would keep the process running after the failure.
    await bus.close();
    throw startFailure(module, error);
  }
  let url: string;
  try {
    url = await service.listen();
  } catch (error) {
    await service.close();
    await bus.close();
    throw startFailure(module, error);
  }
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

/** Error codes of `listen()` that a configuration change fixes, with what each one means. */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "the port needs more privileges than this process has",
  EADDRNOTAVAIL: "the address is not one of this host's addresses",
};

/**
 * Describes a start-up failure in one line, printed without a stack trace. A failed `listen()`
 * names the address and the variable that moves the port.
 */
export function startFailure(
  module: Pick<ServiceModule, "name" | "section">,
  error: unknown,
): CommandError {
  const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const problem = LISTEN_PROBLEMS[failure.code ?? ""];
  if (failure.syscall === "listen" && problem !== undefined) {
    const variable = `OSTS_${module.section.toUpperCase()}__LISTEN__PORT`;
    return new CommandError(
      `${module.name} cannot listen on ${failure.address}:${failure.port}: ${problem}. Stop the ` +
        `process that uses the port, or set ${variable} to another port (0 picks a free one).`,
      { cause: error },
    );
  }
  return new CommandError(`${module.name} failed to start: ${(error as Error).message}`, {
    cause: error,
  });
}
