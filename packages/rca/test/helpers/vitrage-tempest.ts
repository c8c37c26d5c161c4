/**
 * Runs vitrage-tempest-plugin against an identity service whose catalog lists the RCA service
 * (`rca`) and the network service (`network`). Debian's plugin package ships no resource files,
 * so the installed plugin is copied into a scratch folder, `test/fixtures/tempest-resources` is
 * added as its `tests/resources`, and the copy goes first on `PYTHONPATH`. Tempest still finds the
 * plugin through the installed package's entry point (`vitrage_tempest_plugin.plugin`), and that
 * module name then resolves to the copy, so tests are discovered and run from the copy.
 *
 * Against a running stack (`npm start`), after `source data/openrc`:
 *
 *     node --import tsx --conditions=source packages/rca/test/helpers/vitrage-tempest.ts [REGEX]
 *
 * @module
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const TEMPEST = "/usr/bin/tempest";
export const VITRAGE_PLUGIN = "/usr/lib/python3/dist-packages/vitrage_tempest_plugin";

/** The project's resource files for the plugin (the plugin's `tests/resources`). */
export const TEMPEST_RESOURCES = new URL("../fixtures/tempest-resources", import.meta.url).pathname;

const run = promisify(execFile);

/** Settings of one tempest run. */
export interface VitrageTempestOptions {
  /** Scratch folder: the plugin copy, the workspace and tempest's `$HOME` go here. */
  folder: string;
  /** Identity base URL, without `/v3`. */
  identityUrl: string;
  adminPassword: string;
  /** `tempest run --regex`. */
  regex: string;
  /** Tempest worker processes. With 1, the test classes run one after another. */
  concurrency?: number;
}

/** Outcome of one test (or class set-up) as tempest printed it. */
export type TempestOutcome = "ok" | "FAILED" | "SKIPPED";

/** What a tempest run printed. */
export interface TempestRun {
  output: string;
  /** Test id (or `setUpClass (class id)`) to outcome. */
  results: Map<string, TempestOutcome>;
  /** Exit status of `tempest run`. */
  status: number;
}

/**
 * Copies the installed plugin into `folder/python` and adds the project's resource files.
 * Returns the folder to put first on `PYTHONPATH`.
 */
export function preparePluginCopy(folder: string): string {
  const python = join(folder, "python");
  const copy = join(python, basename(VITRAGE_PLUGIN));
  cpSync(VITRAGE_PLUGIN, copy, {
    recursive: true,
    filter: (source) => basename(source) !== "__pycache__",
  });
  cpSync(TEMPEST_RESOURCES, join(copy, "tests", "resources"), {
    recursive: true,
    filter: (source) => !source.endsWith(".md"),
  });
  return python;
}

/**
 * tempest.conf for dynamic credentials. Every API class of the plugin lists networks and ports
 * through the `network` catalog entry in its set-up, so neutron counts as available. Nova,
 * Cinder, Heat, Aodh and Mistral are not.
 */
export function vitrageTempestConf(
  workspace: string,
  identityUrl: string,
  adminPassword: string,
): string {
  return `[DEFAULT]
log_dir = ${workspace}/logs
log_file = tempest.log

[oslo_concurrency]
lock_path = ${workspace}/lock

[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = ${adminPassword}
admin_project_name = admin
admin_domain_name = Default
admin_user_domain_name = Default
admin_project_domain_name = Default
default_credentials_domain_name = Default
create_isolated_networks = false
tempest_roles =

[identity]
auth_version = v3
uri_v3 = ${identityUrl}/v3
region = RegionOne
v3_endpoint_type = public
catalog_type = identity
admin_role = admin
default_domain_id = default

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
vitrage = true
neutron = true
barbican = false
nova = false
cinder = false
glance = false
swift = false
heat = false
aodh = false
mistral = false

[network]
catalog_type = network
region = RegionOne
endpoint_type = publicURL

[validation]
run_validation = false
`;
}

/** Result lines of `tempest run`: `{0} test.id [0.1s] ... ok`, `... FAILED`, `... SKIPPED: why`. */
const RESULT_LINE = /^\{\d+\} (.+?)(?: \[[\d.]+s\])? \.\.\. (ok|FAILED|SKIPPED)/;

/** Reads the outcome of each test from `tempest run`'s output. */
export function parseTempestOutput(output: string): Map<string, TempestOutcome> {
  const results = new Map<string, TempestOutcome>();
  for (const line of output.split("\n")) {
    const match = RESULT_LINE.exec(line.trim());
    if (match !== null) {
      results.set(match[1] as string, match[2] as TempestOutcome);
    }
  }
  return results;
}

/** Creates a tempest workspace in `folder` and runs the plugin's tests with the copy in use. */
export async function runVitrageTempest(options: VitrageTempestOptions): Promise<TempestRun> {
  const { folder } = options;
  if (!existsSync(join(folder, "python"))) {
    preparePluginCopy(folder);
  }
  const workspace = join(folder, `ws-${randomBytes(4).toString("hex")}`);
  // tempest keeps its list of workspaces under $HOME, so HOME points into the folder. The plugin
  // runs `vitrage template list` through bash, so /usr/bin stays on PATH.
  const env = { PATH: "/usr/bin:/bin", HOME: folder, PYTHONPATH: join(folder, "python") };

  await run(TEMPEST, ["init", "--name", basename(workspace), workspace], { env });
  mkdirSync(join(workspace, "etc"), { recursive: true });
  writeFileSync(
    join(workspace, "etc", "tempest.conf"),
    vitrageTempestConf(workspace, options.identityUrl, options.adminPassword),
  );

  const args = ["run", "--regex", options.regex, "--concurrency", String(options.concurrency ?? 2)];
  let output: string;
  let status = 0;
  try {
    const result = await run(TEMPEST, args, {
      env,
      cwd: workspace,
      maxBuffer: 64 * 1024 * 1024,
    });
    output = result.stdout;
  } catch (error) {
    const failure = error as { stdout?: string; code?: number };
    if (failure.stdout === undefined) {
      throw error;
    }
    output = failure.stdout;
    status = typeof failure.code === "number" ? failure.code : 1;
  }
  return { output, results: parseTempestOutput(output), status };
}

/**
 * Command-line use: runs the plugin against `OS_AUTH_URL` as the admin user with `OS_PASSWORD`
 * (the variables the stack's openrc file sets) and prints tempest's output.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [regex = "^vitrage_tempest_plugin.tests.api"] = argv;
  const identityUrl = process.env.OS_AUTH_URL;
  const adminPassword = process.env.OS_PASSWORD;
  if (!identityUrl || !adminPassword) {
    process.stderr.write(
      "OS_AUTH_URL and OS_PASSWORD are missing; load the admin's openrc file first\n",
    );
    return 2;
  }
  const folder = mkdtempSync(join(tmpdir(), "osts-tempest-rca-"));
  const run = await runVitrageTempest({
    folder,
    identityUrl: identityUrl.replace(/\/$/, "").replace(/\/v3$/, ""),
    adminPassword,
    regex,
    concurrency: 1,
  });
  process.stdout.write(run.output);
  process.stdout.write(`\nworkspace and plugin copy kept in ${folder}\n`);
  return run.status;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
