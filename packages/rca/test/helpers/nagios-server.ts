import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const NAGIOS = "/usr/sbin/nagios4";
const STATUS_CGI = "/usr/lib/cgi-bin/nagios4/status.cgi";
const run = promisify(execFile);

/** Why a real Nagios 4 cannot run here, or undefined when it can. */
export function nagiosUnavailable(): string | undefined {
  if (!existsSync(NAGIOS) || !existsSync(STATUS_CGI)) {
    return "Nagios 4 is not installed (Debian packages nagios4-core and nagios4-cgi)";
  }
  if (userInfo().uid !== 0) {
    return "Nagios 4 runs as the nagios user, which needs root to set up";
  }
  return undefined;
}

/** One monitored host with passive services, as the test defines it. */
export interface NagiosHostDefinition {
  name: string;
  services: string[];
}

/** A Nagios 4 instance on loopback: the daemon, and status.cgi behind HTTP basic auth. */
export interface NagiosServer {
  /** URL of status.cgi. */
  statusUrl: string;
  user: string;
  password: string;
  /** Submits a passive service check result (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
  submit(host: string, service: string, code: 0 | 1 | 2 | 3, output: string): Promise<void>;
  /** Waits until status.cgi shows the service in the given state. */
  waitForStatus(host: string, service: string, status: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Nagios 4 with a configuration of its own in a temporary folder. It has the given hosts
 * with passive-only services, takes external commands through a named pipe and writes its status
 * every second, so a submitted check shows on the status page within about two seconds. status.cgi is
 * served by a small HTTP server on 127.0.0.1 that checks basic auth and runs the CGI with
 * REMOTE_USER set. Both are stopped by their process ids.
 */
export async function startNagios(hosts: NagiosHostDefinition[]): Promise<NagiosServer> {
  const folder = mkdtempSync(join(tmpdir(), "rca-nagios-"));
  const paths = writeConfiguration(folder, hosts);
  const { stdout } = await run("id", ["-u", "nagios"]);
  const { stdout: gid } = await run("id", ["-g", "nagios"]);
  chownRecursive(folder, Number(stdout.trim()), Number(gid.trim()));

  await run(NAGIOS, ["-v", paths.mainConfig]);
  const daemon = spawn(NAGIOS, [paths.mainConfig], { stdio: "ignore" });
  await waitFor(() => existsSync(paths.commandFile) && existsSync(paths.statusFile), 15_000);

  const user = "vitrage";
  const password = "nagios-test-password";
  const http = await serveStatusCgi(paths.cgiConfig, user, password);
  const statusUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/cgi-bin/nagios4/status.cgi`;

  const readStatus = async () => {
    const response = await fetch(`${statusUrl}?host=all&limit=0`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
    });
    return response.text();
  };

  return {
    statusUrl,
    user,
    password,
    async submit(host, service, code, output) {
      const line = `[${Math.floor(Date.now() / 1000)}] PROCESS_SERVICE_CHECK_RESULT;${host};${service};${code};${output}\n`;
      await appendFile(paths.commandFile, line);
    },
    async waitForStatus(host, service, status, timeoutMs = 15_000) {
      const pattern = new RegExp(
        `host=${host}&service=${service}'>${service}</a>[\\s\\S]*?class='status${status}'`,
      );
      await waitForAsync(async () => pattern.test(await readStatus()), timeoutMs);
    },
    async stop() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await stopProcess(daemon);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function writeConfiguration(folder: string, hosts: NagiosHostDefinition[]) {
  const variables = join(folder, "var");
  mkdirSync(join(variables, "rw"), { recursive: true });
  mkdirSync(join(variables, "checkresults"), { recursive: true });
  const objects = join(folder, "objects.cfg");
  writeFileSync(objects, objectDefinitions(hosts));
  const mainConfig = join(folder, "nagios.cfg");
  const commandFile = join(variables, "rw", "nagios.cmd");
  const statusFile = join(variables, "status.dat");
  writeFileSync(
    mainConfig,
    [
      `log_file=${join(variables, "nagios.log")}`,
      `cfg_file=${objects}`,
      `object_cache_file=${join(variables, "objects.cache")}`,
      `precached_object_file=${join(variables, "objects.precache")}`,
      `status_file=${statusFile}`,
      "status_update_interval=1",
      "nagios_user=nagios",
      "nagios_group=nagios",
      "check_external_commands=1",
      `command_file=${commandFile}`,
      `lock_file=${join(variables, "nagios.lock")}`,
      `temp_file=${join(variables, "nagios.tmp")}`,
      `temp_path=${variables}`,
      `check_result_path=${join(variables, "checkresults")}`,
      "check_result_reaper_frequency=1",
      "retain_state_information=0",
      `state_retention_file=${join(variables, "retention.dat")}`,
      "log_rotation_method=n",
      "use_syslog=0",
      "accept_passive_service_checks=1",
      "accept_passive_host_checks=1",
      "execute_service_checks=0",
      "execute_host_checks=0",
      "enable_notifications=0",
      "",
    ].join("\n"),
  );
  const cgiConfig = join(folder, "cgi.cfg");
  writeFileSync(
    cgiConfig,
    [
      `main_config_file=${mainConfig}`,
      "physical_html_path=/usr/share/nagios4/htdocs",
      "url_html_path=/nagios4",
      "use_authentication=1",
      "authorized_for_all_services=vitrage",
      "authorized_for_all_hosts=vitrage",
      "result_limit=0",
      "",
    ].join("\n"),
  );
  return { mainConfig, commandFile, statusFile, cgiConfig };
}

function objectDefinitions(hosts: NagiosHostDefinition[]): string {
  const always = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    .map((day) => `  ${day} 00:00-24:00`)
    .join("\n");
  const blocks = [
    "define command {\n  command_name check_dummy\n  command_line /bin/true\n}",
    `define timeperiod {\n  timeperiod_name always\n  alias always\n${always}\n}`,
    [
      "define contact {",
      "  contact_name nobody",
      "  host_notifications_enabled 0",
      "  service_notifications_enabled 0",
      "  host_notification_period always",
      "  service_notification_period always",
      "  host_notification_options n",
      "  service_notification_options n",
      "  host_notification_commands check_dummy",
      "  service_notification_commands check_dummy",
      "}",
    ].join("\n"),
  ];
  const common = [
    "  check_command check_dummy",
    "  active_checks_enabled 0",
    "  passive_checks_enabled 1",
    "  max_check_attempts 1",
    "  check_period always",
    "  contacts nobody",
    "  notification_period always",
    "  notifications_enabled 0",
  ].join("\n");
  for (const host of hosts) {
    blocks.push(`define host {\n  host_name ${host.name}\n  address 127.0.0.1\n${common}\n}`);
    for (const service of host.services) {
      blocks.push(
        `define service {\n  host_name ${host.name}\n  service_description ${service}\n  check_interval 1\n  retry_interval 1\n${common}\n}`,
      );
    }
  }
  return `${blocks.join("\n\n")}\n`;
}

async function serveStatusCgi(cgiConfig: string, user: string, password: string): Promise<Server> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const server = createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { "www-authenticate": 'Basic realm="Nagios Access"' }).end();
      return;
    }
    const query = (request.url ?? "").split("?")[1] ?? "";
    const cgi = spawn(STATUS_CGI, [], {
      env: {
        GATEWAY_INTERFACE: "CGI/1.1",
        REQUEST_METHOD: "GET",
        QUERY_STRING: query,
        REMOTE_USER: user,
        NAGIOS_CGI_CONFIG: cgiConfig,
        SCRIPT_NAME: "/cgi-bin/nagios4/status.cgi",
        SERVER_NAME: "127.0.0.1",
        PATH: "/usr/bin:/bin",
      },
    });
    const chunks: Buffer[] = [];
    cgi.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    cgi.on("close", () => {
      const output = Buffer.concat(chunks).toString("utf8");
      const split = output.search(/\r?\n\r?\n/);
      const body = split === -1 ? output : output.slice(split).replace(/^\r?\n\r?\n/, "");
      response.writeHead(200, { "content-type": "text/html" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

function chownRecursive(folder: string, uid: number, gid: number): void {
  for (const path of [
    folder,
    join(folder, "var"),
    join(folder, "var", "rw"),
    join(folder, "var", "checkresults"),
  ]) {
    chownSync(path, uid, gid);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGTERM");
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
  await Promise.race([exited, timeout]);
  if (child.exitCode === null && child.pid !== undefined) {
    process.kill(child.pid, "SIGKILL");
    await exited;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  await waitForAsync(async () => condition(), timeoutMs);
}

async function waitForAsync(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
