import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type NeutronAccess, noauthAccess } from "../../src/neutron/neutron-access.js";
import { NeutronClient } from "../../src/neutron/neutron-client.js";
import { socketFetch } from "./socket-fetch.js";

const run = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const DOCKERD = "/usr/sbin/dockerd";
const BUSYBOX = "/bin/busybox";
const TSX_ARGS = ["--import", "tsx", "--conditions=source"];
const SUPPORT = new URL(".", import.meta.url).pathname;

/** Why the Docker suites cannot run here, or null when they can. */
export function dockerSkipReason(): string | null {
  if (process.getuid?.() !== 0) {
    return "needs root: it creates a network namespace and runs dockerd";
  }
  for (const [path, what] of [
    [DOCKERD, "dockerd (Debian package docker.io)"],
    [DOCKER, "the docker 20.10 client (Debian package docker.io)"],
    [BUSYBOX, "a static busybox (Debian package busybox-static)"],
    ["/usr/bin/nsenter", "nsenter (util-linux)"],
    ["/usr/sbin/ip", "iproute2"],
  ] as const) {
    if (!existsSync(path)) {
      return `${what} is not installed at ${path}`;
    }
  }
  return null;
}

/** A dockerd in a network namespace of its own, with a Neutron and the plugin beside it. */
export interface DockerEnvironment {
  /** Driver and IPAM name the plugin is registered under (unique per run). */
  driver: string;
  namespace: string;
  folder: string;
  image: string;
  /** Neutron as seen from the test process, through the proxy socket. */
  neutron: NeutronClient;
  /** Project that owns the plugin's resources, for quota calls. */
  projectId: string;
  /** `keystone` when identity runs beside the network service, else `noauth`. */
  authMode: string;
  /** Raw Neutron request through the proxy socket, for calls the client does not wrap. */
  neutronRequest(method: string, path: string, body?: unknown): Promise<Response>;
  /** Runs /usr/bin/docker against this dockerd; rejects with stderr on a non-zero exit. */
  docker(...args: string[]): Promise<string>;
  /** Runs a command inside the namespace, such as `ip -json link show`. */
  inNamespace(...args: string[]): Promise<string>;
  restartPlugin(): Promise<void>;
  /** Kills the plugin with SIGKILL, as a crash would, and waits until it is gone. */
  killPlugin(): Promise<void>;
  /** Starts the plugin again after `killPlugin`, on the same port and spec file. */
  startPlugin(): Promise<void>;
  /** Stops dockerd with SIGTERM and starts it again on the same data folder. */
  restartDockerd(): Promise<void>;
  close(): Promise<void>;
}

const PROJECT = "kuryr-tests";

/**
 * Starts the namespace (with lo up), the Neutron child and the plugin child, which listens on
 * loopback in the namespace and writes a spec file for Docker. Then starts dockerd, entered with
 * `nsenter --net` because `ip netns exec` remounts /sys and hides the cgroup mounts dockerd needs,
 * and imports a locally built busybox image. `close()` removes all of it, processes by PID.
 */
export async function startDockerEnvironment(): Promise<DockerEnvironment> {
  const suffix = randomBytes(3).toString("hex");
  const folder = mkdtempSync("/tmp/kt-");
  const namespace = `kt-kuryr-${suffix}`;
  const driver = `kuryrt${suffix}`;
  const specFile = `/etc/docker/plugins/${driver}.spec`;
  const children: ChildProcess[] = [];
  let plugin: ChildProcess | null = null;
  let pluginPort = 0;
  let dockerdPid = 0;
  const dockerSocket = join(folder, "docker.sock");
  const proxySocket = join(folder, "neutron.sock");
  const identitySocket = join(folder, "identity.sock");
  const netns = `/run/netns/${namespace}`;

  const cleanup = async () => {
    await stopPid(dockerdPid, 20_000);
    for (const child of children) {
      await stopPid(child.pid ?? 0, 5_000);
    }
    await unmountUnder(folder);
    await run("ip", ["netns", "delete", namespace]).catch(() => undefined);
    rmSync(specFile, { force: true });
    rmSync(folder, { recursive: true, force: true });
  };

  try {
    await run("ip", ["netns", "add", namespace]);
    await run("ip", ["netns", "exec", namespace, "ip", "link", "set", "lo", "up"]);

    const servicesReady = join(folder, "services.ready");
    children.push(
      spawnInNamespace(
        netns,
        [join(SUPPORT, "netns-services.ts"), proxySocket, identitySocket, servicesReady],
        join(folder, "services.log"),
        {},
      ),
    );
    const services = (await waitForFile(servicesReady, 60_000)) as ServicesReady;
    const neutronUrl = services.url;

    const startPlugin = async () => {
      const ready = join(folder, "plugin.ready");
      rmSync(ready, { force: true });
      plugin = spawnInNamespace(
        netns,
        [join(SUPPORT, "netns-plugin.ts"), ready],
        join(folder, "plugin.log"),
        {
          OSTS_KURYR__LISTEN__PORT: String(pluginPort),
          OSTS_KURYR__SPEC_FILE: specFile,
          OSTS_KURYR__SOCKET_PATH: "",
          // A short grace releases the reservations of a killed plugin while the suite runs.
          OSTS_KURYR__RESERVATION_GRACE_SECONDS: "15",
          ...pluginAuthEnvironment(services),
        },
      );
      children.push(plugin);
      const { url } = (await waitForFile(ready, 30_000)) as { url: string };
      pluginPort = Number(new URL(url).port);
    };
    await startPlugin();

    const startDockerd = async () => {
      const dockerdLog = openSync(join(folder, "dockerd.log"), "a");
      const dockerd = spawn(
        "nsenter",
        [
          `--net=${netns}`,
          DOCKERD,
          "--data-root",
          join(folder, "data"),
          "--exec-root",
          join(folder, "exec"),
          "--pidfile",
          join(folder, "dockerd.pid"),
          "-H",
          `unix://${dockerSocket}`,
        ],
        { detached: true, stdio: ["ignore", dockerdLog, dockerdLog] },
      );
      dockerd.unref();
      dockerdPid = dockerd.pid ?? 0;
      await waitFor(async () => {
        await run(DOCKER, ["-H", `unix://${dockerSocket}`, "info"]);
      }, 30_000);
    };
    await startDockerd();

    const image = `kt/busybox:${suffix}`;
    await importBusybox(folder, dockerSocket, image);

    const neutronFetch = socketFetch(proxySocket);
    const access =
      services.credentials === undefined
        ? noauthAccess(neutronUrl, PROJECT, "admin")
        : tokenAccess(neutronUrl, services.credentials, socketFetch(identitySocket));
    const projectId =
      services.credentials === undefined ? PROJECT : await projectOf(access, identitySocket);
    return {
      driver,
      namespace,
      folder,
      image,
      projectId,
      authMode: services.mode,
      neutron: new NeutronClient(access, 30, neutronFetch),
      neutronRequest: async (method, path, body) =>
        neutronFetch(`${neutronUrl}${path}`, {
          method,
          headers: { "content-type": "application/json", ...(await access.headers()) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      docker: async (...args) => {
        const { stdout } = await run(DOCKER, ["-H", `unix://${dockerSocket}`, ...args], {
          timeout: 60_000,
        });
        return stdout.trim();
      },
      inNamespace: async (...args) => {
        const { stdout } = await run("nsenter", [`--net=${netns}`, ...args]);
        return stdout;
      },
      restartPlugin: async () => {
        const current = plugin as ChildProcess | null;
        await stopPid(current?.pid ?? 0, 10_000);
        await startPlugin();
      },
      killPlugin: async () => {
        const pid = (plugin as ChildProcess | null)?.pid ?? 0;
        if (pid > 0 && alive(pid)) {
          process.kill(pid, "SIGKILL");
          await waitFor(async () => {
            if (alive(pid)) {
              throw new Error(`plugin ${pid} still running`);
            }
          }, 10_000);
        }
      },
      startPlugin,
      restartDockerd: async () => {
        await stopPid(dockerdPid, 30_000);
        await startDockerd();
      },
      close: cleanup,
    };
  } catch (error) {
    const logs = ["services.log", "plugin.log", "dockerd.log"]
      .map((name) => join(folder, name))
      .filter((path) => existsSync(path))
      .map((path) => `--- ${path}\n${readFileSync(path, "utf8").slice(-3000)}`)
      .join("\n");
    await cleanup();
    throw new Error(
      `the Docker test environment did not start: ${(error as Error).message}\n${logs}`,
    );
  }
}

/** What the services child writes to its ready file. */
interface ServicesReady {
  mode: "keystone" | "noauth";
  backend: string;
  url: string;
  identityUrl?: string;
  region?: string;
  credentials?: Credentials;
}

interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

/** Settings that make the plugin reach Neutron as the services child runs it. */
function pluginAuthEnvironment(services: ServicesReady): Record<string, string> {
  const credentials = services.credentials;
  if (credentials === undefined) {
    return {
      OSTS_KURYR__NEUTRON__AUTH_MODE: "noauth",
      OSTS_KURYR__NEUTRON__URL: services.url,
      OSTS_KURYR__NEUTRON__PROJECT_ID: PROJECT,
    };
  }
  // The network endpoint comes from the token's catalog, as in a deployment.
  return {
    OSTS_KURYR__NEUTRON__AUTH_MODE: "keystone",
    OSTS_KURYR__NEUTRON__AUTH_URL: credentials.authUrl,
    OSTS_KURYR__NEUTRON__USERNAME: credentials.username,
    OSTS_KURYR__NEUTRON__PASSWORD: credentials.password,
    OSTS_KURYR__NEUTRON__PROJECT_NAME: credentials.projectName,
    OSTS_KURYR__NEUTRON__USER_DOMAIN_NAME: credentials.userDomainName,
    OSTS_KURYR__NEUTRON__PROJECT_DOMAIN_NAME: credentials.projectDomainName,
    OSTS_KURYR__NEUTRON__REGION_NAME: services.region ?? "",
  };
}

/**
 * Builds a Neutron access for the test process: a token issued through the identity proxy socket,
 * because the identity service listens on loopback inside the namespace.
 */
function tokenAccess(
  url: string,
  credentials: Credentials,
  identityFetch: typeof fetch,
): NeutronAccess {
  let token: Promise<string> | null = null;
  const issue = async () => {
    const response = await identityFetch(`${credentials.authUrl}/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(passwordAuth(credentials)),
    });
    const value = response.headers.get("x-subject-token");
    if (response.status !== 201 || value === null) {
      throw new Error(`authentication through the identity proxy failed: HTTP ${response.status}`);
    }
    return value;
  };
  return {
    endpoint: async () => url,
    headers: async () => {
      token ??= issue();
      return { "x-auth-token": await token };
    },
    invalidate: () => {
      token = null;
    },
    renewable: true,
  };
}

function passwordAuth(credentials: Credentials) {
  return {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: {
            name: credentials.username,
            password: credentials.password,
            domain: { name: credentials.userDomainName },
          },
        },
      },
      scope: {
        project: { name: credentials.projectName, domain: { name: credentials.projectDomainName } },
      },
    },
  };
}

/** Reads the project id of the access's token back from the identity service. */
async function projectOf(access: NeutronAccess, identitySocket: string): Promise<string> {
  const { "x-auth-token": token = "" } = await access.headers();
  const response = await socketFetch(identitySocket)("http://identity/v3/auth/tokens", {
    headers: { "x-auth-token": token, "x-subject-token": token },
  });
  const body = (await response.json()) as { token: { project?: { id: string } } };
  const id = body.token.project?.id;
  if (id === undefined) {
    throw new Error("the admin token has no project scope");
  }
  return id;
}

function spawnInNamespace(
  netns: string,
  args: string[],
  logFile: string,
  env: Record<string, string>,
) {
  const log = openSync(logFile, "a");
  const child = spawn("nsenter", [`--net=${netns}`, process.execPath, ...TSX_ARGS, ...args], {
    cwd: new URL("../../../..", import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ["ignore", log, log],
  });
  child.unref();
  return child;
}

async function importBusybox(folder: string, dockerSocket: string, image: string) {
  const rootfs = join(folder, "rootfs");
  for (const dir of ["bin", "etc", "proc", "sys", "dev", "tmp"]) {
    mkdirSync(join(rootfs, dir), { recursive: true });
  }
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  const { stdout } = await run(join(rootfs, "bin/busybox"), ["--list"]);
  for (const applet of stdout.split("\n").filter((name) => name !== "" && name !== "busybox")) {
    symlinkSync("busybox", join(rootfs, "bin", applet));
  }
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
  const tarball = join(folder, "busybox.tar");
  await run("tar", ["-C", rootfs, "-cf", tarball, "."]);
  await run(DOCKER, [
    "-H",
    `unix://${dockerSocket}`,
    "import",
    "-c",
    'CMD ["/bin/sh"]',
    tarball,
    image,
  ]);
}

/** Sends SIGTERM to a process we started, then SIGKILL if it outlives the timeout. */
async function stopPid(pid: number, timeoutMs: number) {
  if (pid <= 0 || !alive(pid)) {
    return;
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (alive(pid)) {
    process.kill(pid, "SIGKILL");
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Unmounts whatever dockerd left mounted under the folder (overlay layers, netns files). */
async function unmountUnder(folder: string) {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((target) => target.startsWith(`${folder}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) {
    await run("umount", ["-l", target]).catch(() => undefined);
  }
}

async function waitForFile(path: string, timeoutMs: number): Promise<unknown> {
  let value: unknown;
  await waitFor(async () => {
    value = JSON.parse(readFileSync(path, "utf8"));
  }, timeoutMs);
  return value;
}

async function waitFor(check: () => Promise<void>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
