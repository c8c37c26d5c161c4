// The network service benchmark: ports created and deleted per second, with p50 and p99 latency
// and server CPU per request. It runs the same closed-loop load against this project's network
// service on SQLite and MariaDB and against upstream neutron-server 21 (Debian 12) on MariaDB.
// Options (after `npm run bench -- network` or `node bench/network.js`):
//   --duration SECONDS   measured seconds of port creation (default 10, after 2 s of warm-up)
//   --clients N          concurrent clients (default 8)
//   --targets LIST       comma-separated: sqlite, mysql, upstream (default all three)
// Upstream runs from Debian's neutron-server package with ML2 (local networks, no mechanism
// driver, no DHCP agent notifications, as there are no agents), no authentication, MariaDB and
// the RabbitMQ on 127.0.0.1:5672. Set OSTS_BENCH_NEUTRON_URL (and OSTS_BENCH_NEUTRON_PID for CPU
// figures) to use a running one.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { runLoad, send, summarise } from "./load.js";
import { cpuSeconds, processTree } from "./process-cpu.js";
import { createMysqlDatabase } from "./targets.js";

const ROOT = new URL("..", import.meta.url).pathname;
const WARM_UP_MS = 2000;
const PROJECT = "bench-project";
const NEUTRON_SERVER = "/usr/bin/neutron-server";
const RABBIT_URL = process.env.OSTS_BENCH_RABBIT_URL ?? "rabbit://guest:guest@127.0.0.1:5672/";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    clients: { type: "string", default: "8" },
    targets: { type: "string", default: "sqlite,mysql,upstream" },
  },
});
const durationMs = Number(values.duration) * 1000;
const clients = Number(values.clients);
const targets = values.targets.split(",").map((target) => target.trim());

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls the network list until it responds with 200, for at most `seconds`. */
async function waitUntilReady(url, seconds) {
  for (let attempt = 0; attempt < seconds * 5; attempt += 1) {
    try {
      const response = await fetch(`${url}/v2.0/networks?limit=1`, {
        headers: { "x-project-id": PROJECT },
      });
      if (response.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`${url} did not become ready within ${seconds} s`);
}

/** Starts this project's network service from the built package, without authentication. */
async function startNetwork(databaseUrl) {
  const port = await freePort();
  const program = [
    `import { createLogger, MemoryBus } from ${JSON.stringify(join(ROOT, "packages/kernel/dist/index.js"))};`,
    `import { createNetworkService, loadNetworkConfig } from ${JSON.stringify(join(ROOT, "packages/network/dist/index.js"))};`,
    "const service = await createNetworkService(loadNetworkConfig(), {",
    '  logger: createLogger({ level: "warn" }), bus: new MemoryBus() });',
    "await service.listen();",
    'process.on("SIGTERM", () => void service.close().then(() => process.exit(0)));',
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      OSTS_NETWORK__LISTEN__PORT: String(port),
      OSTS_NETWORK__DATABASE__URL: databaseUrl,
      OSTS_NETWORK__AUTH__MODE: "noauth",
      OSTS_NETWORK__QUOTAS__PORT: "-1",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, 60);
  return {
    url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Starts Debian's neutron-server (ML2, local networks, no authentication) on a new MariaDB
 * database, or uses OSTS_BENCH_NEUTRON_URL. Returns undefined, with the reason printed, when it
 * cannot run.
 */
async function startUpstream(folder) {
  const configuredUrl = process.env.OSTS_BENCH_NEUTRON_URL;
  if (configuredUrl !== undefined && configuredUrl !== "") {
    await waitUntilReady(configuredUrl, 10);
    return { url: configuredUrl, pid: Number(process.env.OSTS_BENCH_NEUTRON_PID), async stop() {} };
  }

  if (!existsSync(NEUTRON_SERVER)) {
    process.stderr.write(
      `upstream skipped: ${NEUTRON_SERVER} is missing; install neutron-server\n`,
    );
    return undefined;
  }

  const database = await createMysqlDatabase();
  const url = new URL(database.url);
  const port = await freePort();
  const state = join(folder, "neutron");
  mkdirSync(join(state, "lock"), { recursive: true });
  const configFile = join(state, "neutron.conf");
  writeFileSync(
    configFile,
    neutronConfig(port, state, `mysql+pymysql://${url.username}@${url.host}${url.pathname}`),
  );

  const migrated = spawnSync(
    "neutron-db-manage",
    ["--config-file", configFile, "upgrade", "heads"],
    {
      encoding: "utf8",
    },
  );
  if (migrated.status !== 0) {
    process.stderr.write(
      `upstream skipped: neutron-db-manage failed: ${migrated.stderr.slice(-500)}\n`,
    );
    await database.drop();
    return undefined;
  }

  const child = spawn(NEUTRON_SERVER, ["--config-file", configFile], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    await database.drop();
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(base, 120);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: base, pid: child.pid, stop };
}

function neutronConfig(port, state, connection) {
  return `[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = noauth
api_workers = 2
rpc_workers = 0
rpc_state_report_workers = 0
bind_host = 127.0.0.1
bind_port = ${port}
api_paste_config = /etc/neutron/api-paste.ini
transport_url = ${RABBIT_URL}
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
state_path = ${state}
use_stderr = false
[database]
connection = ${connection}
[oslo_concurrency]
lock_path = ${join(state, "lock")}
[oslo_messaging_notifications]
driver = noop
[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers =
extension_drivers = port_security
[quotas]
quota_port = -1
`;
}

async function post(url, path, body) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-id": PROJECT },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) {
    throw new Error(`POST ${path} failed with ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

/** Creates the network and the /16 subnet the ports take their addresses from. */
async function prepare(server) {
  const { network } = await post(server.url, "/v2.0/networks", {
    network: { name: "bench", tenant_id: PROJECT },
  });
  await post(server.url, "/v2.0/subnets", {
    subnet: { network_id: network.id, cidr: "10.100.0.0/20", ip_version: 4, tenant_id: PROJECT },
  });
  return network.id;
}

/** Runs `load` and adds the server's CPU milliseconds per request to its summary. */
async function measureCpu(server, load) {
  const pids = Number.isFinite(server.pid) ? processTree(server.pid) : [];
  const before = cpuSeconds(pids);
  const run = await load();
  const summary = summarise(run);
  const used = cpuSeconds(pids) - before;
  return { ...summary, cpuMs: pids.length === 0 ? Number.NaN : (used * 1000) / summary.requests };
}

async function createPhase(server, networkId) {
  const ids = [];
  const next = () => ({
    url: new URL(`${server.url}/v2.0/ports`),
    method: "POST",
    headers: { "content-type": "application/json", "x-project-id": PROJECT },
    body: JSON.stringify({ port: { network_id: networkId, tenant_id: PROJECT } }),
  });
  const collect = (body) => ids.push(JSON.parse(body.toString()).port.id);
  await runLoad({ clients, durationMs: WARM_UP_MS, next, onSuccess: collect });
  const summary = await measureCpu(server, () =>
    runLoad({ clients, durationMs, next, onSuccess: collect }),
  );
  return { summary, ids };
}

/** Deletes every created port once, with the same number of clients; no time limit. */
async function deletePhase(server, ids) {
  const queue = [...ids];
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies = [];
  let errors = 0;
  async function client() {
    while (queue.length > 0) {
      const id = queue.pop();
      const sent = performance.now();
      try {
        const response = await send(agent, {
          url: new URL(`${server.url}/v2.0/ports/${id}`),
          method: "DELETE",
          headers: { "x-project-id": PROJECT },
        });
        if (response.status === 204) {
          latencies.push(performance.now() - sent);
        } else {
          errors += 1;
        }
      } catch {
        errors += 1;
      }
    }
  }
  return measureCpu(server, async () => {
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, client));
    agent.destroy();
    return { latencies, errors, elapsedMs: performance.now() - started };
  });
}

function row(label, create, remove) {
  const number = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
  return `| ${label} | ${number(create.perSecond)} | ${number(create.p50)} | ${number(create.p99)} | ${number(create.cpuMs, 2)} | ${number(remove.perSecond)} | ${number(remove.p50)} | ${number(remove.p99)} | ${number(remove.cpuMs, 2)} |`;
}

async function benchmark(label, server) {
  const networkId = await prepare(server);
  const { summary: create, ids } = await createPhase(server, networkId);
  const remove = await deletePhase(server, ids);
  return { label, create, remove };
}

const build = spawnSync(
  process.execPath,
  [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", "packages/network"],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
if (build.status !== 0) {
  process.exit(build.status ?? 1);
}
const folder = mkdtempSync(join(tmpdir(), "osts-bench-network-"));
const results = [];
try {
  if (targets.includes("sqlite")) {
    const server = await startNetwork(`sqlite://${join(folder, "network.sqlite")}`);
    results.push(await benchmark("openstack-ts, SQLite", server).finally(() => server.stop()));
  }
  if (targets.includes("mysql")) {
    const database = await createMysqlDatabase();
    const server = await startNetwork(database.url);
    results.push(
      await benchmark("openstack-ts, MariaDB", server).finally(async () => {
        await server.stop();
        await database.drop();
      }),
    );
  }
  if (targets.includes("upstream")) {
    const server = await startUpstream(folder);
    if (server !== undefined) {
      results.push(
        await benchmark("neutron-server 21, MariaDB", server).finally(() => server.stop()),
      );
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

console.log(
  `\n${clients} clients, ${durationMs / 1000} s of port creation after ${WARM_UP_MS / 1000} s of warm-up; ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}\n`,
);
console.log(
  "| target | creates/s | p50 ms | p99 ms | CPU ms | deletes/s | p50 ms | p99 ms | CPU ms |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const result of results) {
  console.log(row(result.label, result.create, result.remove));
}
const upstream = results.find((result) => result.label.startsWith("neutron-server"));
if (upstream !== undefined) {
  console.log("\nratio to upstream (creates/s, deletes/s, CPU ms per create):");
  for (const result of results.filter((item) => item !== upstream)) {
    console.log(
      `  ${result.label}: ${(result.create.perSecond / upstream.create.perSecond).toFixed(2)}x, ` +
        `${(result.remove.perSecond / upstream.remove.perSecond).toFixed(2)}x, ` +
        `${(result.create.cpuMs / upstream.create.cpuMs).toFixed(2)}x`,
    );
  }
}
