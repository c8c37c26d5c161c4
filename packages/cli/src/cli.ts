import { Command, CommanderError } from "commander";
import { ServiceError } from "./client/api-error.js";
import { ConnectionError, type ConnectionOptions } from "./client/session.js";
import { type CliContext, CommandError, UsageError } from "./commands/cli-context.js";
import { registerManageCommand } from "./commands/manage-command.js";
import { registerSecretCommands } from "./commands/secret-commands.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { UnknownColumnError } from "./output/formatters.js";

/** Streams and environment the CLI uses; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Exit codes of the OpenStack client: success, failure, usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Global options and the `OS_*` variables they default to, as the OpenStack client reads them. */
const CONNECTION_OPTIONS: [
  flag: string,
  key: keyof GlobalOptions,
  variables: string[],
  help: string,
][] = [
  [
    "--os-auth-url <url>",
    "osAuthUrl",
    ["OS_AUTH_URL"],
    "identity endpoint, such as http://127.0.0.1:5000/v3",
  ],
  ["--os-username <name>", "osUsername", ["OS_USERNAME"], "user name"],
  ["--os-user-id <id>", "osUserId", ["OS_USER_ID"], "user id"],
  ["--os-password <password>", "osPassword", ["OS_PASSWORD"], "user password"],
  [
    "--os-project-name <name>",
    "osProjectName",
    ["OS_PROJECT_NAME", "OS_TENANT_NAME"],
    "project to scope to",
  ],
  [
    "--os-project-id <id>",
    "osProjectId",
    ["OS_PROJECT_ID", "OS_TENANT_ID"],
    "project id to scope to; with --no-auth, sent as X-Project-Id",
  ],
  [
    "--os-user-domain-name <name>",
    "osUserDomainName",
    ["OS_USER_DOMAIN_NAME"],
    "domain of the user",
  ],
  ["--os-user-domain-id <id>", "osUserDomainId", ["OS_USER_DOMAIN_ID"], "domain id of the user"],
  [
    "--os-project-domain-name <name>",
    "osProjectDomainName",
    ["OS_PROJECT_DOMAIN_NAME"],
    "domain of the project",
  ],
  [
    "--os-project-domain-id <id>",
    "osProjectDomainId",
    ["OS_PROJECT_DOMAIN_ID"],
    "domain id of the project",
  ],
  [
    "--os-region-name <region>",
    "osRegionName",
    ["OS_REGION_NAME"],
    "region of the endpoints to use",
  ],
  [
    "--os-interface <interface>",
    "osInterface",
    ["OS_INTERFACE"],
    "endpoint interface: public, internal or admin (default public)",
  ],
  [
    "--os-identity-api-version <version>",
    "osIdentityApiVersion",
    ["OS_IDENTITY_API_VERSION"],
    "identity API version; only 3 is supported",
  ],
  ["--os-token <token>", "osToken", ["OS_TOKEN"], "an existing token, instead of a password"],
  [
    "--os-endpoint <url>",
    "osEndpoint",
    ["OS_ENDPOINT"],
    "service URL to use instead of the catalog's",
  ],
  ["--os-cacert <file>", "osCacert", ["OS_CACERT"], "CA bundle to verify TLS certificates with"],
];

interface GlobalOptions {
  osAuthUrl?: string;
  osUsername?: string;
  osUserId?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osUserDomainId?: string;
  osProjectDomainName?: string;
  osProjectDomainId?: string;
  osRegionName?: string;
  osInterface?: string;
  osIdentityApiVersion?: string;
  osToken?: string;
  osEndpoint?: string;
  osCacert?: string;
  endpoint?: string;
  auth: boolean;
  insecure?: boolean;
}

/** Parses the arguments (without `node` and the script), runs the command, returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(io: CliIo): Command {
  const program = new Command("openstack-ts")
    .description("OpenStack client for the openstack-ts services, and their launcher")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const [flag, , variables, help] of CONNECTION_OPTIONS) {
    program.option(flag, `${help} (env: ${variables.join(", ")})`);
  }
  program
    .option("--endpoint <url>", "service URL, as barbican --endpoint takes it")
    .option("--no-auth", "send X-Project-Id instead of authenticating (needs --endpoint)")
    .option("--insecure", "do not verify TLS certificates");

  const context: CliContext = {
    write: io.stdout,
    env: io.env,
    connection: () => connectionOptions(program.opts<GlobalOptions>(), io.env),
  };
  registerSecretCommands(program, context);
  registerServeCommand(program, context);
  registerManageCommand(program, context);
  return program;
}

/** Merges global options with their `OS_*` variables; options win. */
function connectionOptions(options: GlobalOptions, env: NodeJS.ProcessEnv): ConnectionOptions {
  const value = (key: keyof GlobalOptions): string | undefined => {
    const optionValue = options[key];
    if (typeof optionValue === "string" && optionValue !== "") {
      return optionValue;
    }
    const entry = CONNECTION_OPTIONS.find(([, optionKey]) => optionKey === key);
    for (const variable of entry?.[2] ?? []) {
      const fromEnv = env[variable];
      if (fromEnv !== undefined && fromEnv !== "") {
        return fromEnv;
      }
    }
    return undefined;
  };
  const connection: ConnectionOptions = {
    noAuth: options.auth === false,
    tls: { caFile: value("osCacert"), insecure: options.insecure === true },
  };
  const fields: [keyof ConnectionOptions, keyof GlobalOptions][] = [
    ["authUrl", "osAuthUrl"],
    ["username", "osUsername"],
    ["userId", "osUserId"],
    ["password", "osPassword"],
    ["projectName", "osProjectName"],
    ["projectId", "osProjectId"],
    ["userDomainName", "osUserDomainName"],
    ["userDomainId", "osUserDomainId"],
    ["projectDomainName", "osProjectDomainName"],
    ["projectDomainId", "osProjectDomainId"],
    ["regionName", "osRegionName"],
    ["interface", "osInterface"],
    ["identityApiVersion", "osIdentityApiVersion"],
    ["token", "osToken"],
  ];
  for (const [field, key] of fields) {
    const found = value(key);
    if (found !== undefined) {
      (connection as unknown as Record<string, unknown>)[field] = found;
    }
  }
  const endpoint = options.endpoint ?? value("osEndpoint");
  if (endpoint !== undefined) {
    connection.endpoint = endpoint;
  }
  return connection;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help"
    ) {
      return EXIT_OK;
    }
    return EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr(`openstack-ts: error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (
    error instanceof ServiceError ||
    error instanceof ConnectionError ||
    error instanceof CommandError ||
    error instanceof UnknownColumnError
  ) {
    io.stderr(`${error.message}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`${message}\n`);
  return EXIT_FAILURE;
}
