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
import { noauthAccess } from "../../src/neutron/neutron-access.js";
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
  /** Raw Neutron request through the proxy socket, for calls the client does not wrap. */
  neutronRequest(method: string, path: string, body?: unknown): Promise<Response>;
  /** Runs /usr/bin/docker against this dockerd; rejects with stderr on a non-zero exit. */
  docker(...args: string[]): Promise<string>;
  /** Runs a command inside the namespace, such as `ip -json link show`. */
  inNamespace(...args: string[]): Promise<string>;
  restartPlugin(): Promise<void>;
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

    const neutronReady = join(folder, "neutron.ready");
    children.push(
      spawnInNamespace(
        netns,
        [join(SUPPORT, "netns-neutron.ts"), proxySocket, neutronReady],
        join(folder, "neutron.log"),
        {},
      ),
    );
    const { url: neutronUrl } = (await waitForFile(neutronReady, 30_000)) as { url: string };

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
          OSTS_KURYR__NEUTRON__AUTH_MODE: "noauth",
          OSTS_KURYR__NEUTRON__URL: neutronUrl,
          OSTS_KURYR__NEUTRON__PROJECT_ID: PROJECT,
        },
      );
      children.push(plugin);
      const { url } = (await waitForFile(ready, 30_000)) as { url: string };
      pluginPort = Number(new URL(url).port);
    };
    await startPlugin();

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

    const image = `kt/busybox:${suffix}`;
    await importBusybox(folder, dockerSocket, image);

    const neutronFetch = socketFetch(proxySocket);
    return {
      driver,
      namespace,
      folder,
      image,
      neutron: new NeutronClient(noauthAccess(neutronUrl, PROJECT, "admin"), 30, neutronFetch),
      neutronRequest: (method, path, body) =>
        neutronFetch(`${neutronUrl}${path}`, {
          method,
          headers: {
            "content-type": "application/json",
            "x-project-id": PROJECT,
            "x-roles": "admin",
          },
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
      close: cleanup,
    };
  } catch (error) {
    const logs = ["neutron.log", "plugin.log", "dockerd.log"]
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
