#!/usr/bin/env node
// Container connect and disconnect latency through the Kuryr plugin, next to Docker's built-in
// bridge driver on the same engine as the baseline (Debian 12 ships no kuryr-libnetwork, so no
// upstream plugin runs side by side). Each sample is one Engine API call on dockerd's socket,
// `POST /networks/<id>/connect` or `/disconnect`, which runs the whole plugin round trip:
// RequestAddress, CreateEndpoint (Neutron port, veth, bridge), Join and the reverse.
//
//   npm run bench -- kuryr       30 connect/disconnect cycles per driver (or node bench/kuryr.js)
//   npm run bench -- kuryr 100   another number of cycles
//
// Prints p50 and p99 per driver, then medians from the logs: per plugin call, per Neutron request
// as the plugin waited for it and as the network service served it, and per `ip` command.
//
// Needs root, docker.io and busybox-static. dockerd runs in a network namespace of its own with
// the plugin and a Neutron beside it, all removed at the end. The Neutron is the network service
// when its package exports its module, else the tests' in-memory double.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
if (!process.execArgv.some((arg) => arg.includes("tsx"))) {
  // The Docker environment is TypeScript test support; run again with the tsx loader.
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=source",
      new URL(import.meta.url).pathname,
      ...process.argv.slice(2),
    ],
    { stdio: "inherit", cwd: root },
  );
  process.exit(result.status ?? 1);
}

const support = join(root, "packages/kuryr/test/support");
const { dockerSkipReason, startDockerEnvironment } = await import(
  join(support, "docker-environment.ts")
);
const { neutronBackends } = await import(join(support, "neutron-backends.ts"));

const cycles = Number(process.argv[2] ?? 30);
const skip = dockerSkipReason();
if (skip !== null) {
  console.error(`bench/kuryr.js cannot run here: ${skip}`);
  process.exit(2);
}

// The services child logs Neutron's requests to services.log, read at the end.
process.env.KURYR_TEST_SERVICES_LOG = "1";
const env = await startDockerEnvironment();
try {
  const socket = join(env.folder, "docker.sock");
  await env.docker("network", "create", "--subnet", "10.72.0.0/24", "bench-base");
  await env.docker("network", "create", "--subnet", "10.71.0.0/24", "bench-bridge");
  await env.docker(
    "network",
    "create",
    "--driver",
    env.driver,
    "--ipam-driver",
    env.driver,
    "--subnet",
    "10.70.0.0/24",
    "bench-kuryr",
  );
  await env.docker(
    "run",
    "-d",
    "--name",
    "bench",
    "--net",
    "bench-base",
    env.image,
    "sleep",
    "3600",
  );

  // The two drivers take turns, cycle by cycle, so that both see the same machine load.
  const rows = ["bench-kuryr", "bench-bridge"].map((network) => ({
    network,
    connect: [],
    disconnect: [],
  }));
  for (let cycle = 0; cycle < cycles + 3; cycle += 1) {
    for (const row of rows) {
      const connected = await timed(() =>
        engine(socket, `/networks/${row.network}/connect`, { Container: "bench" }),
      );
      const disconnected = await timed(() =>
        engine(socket, `/networks/${row.network}/disconnect`, {
          Container: "bench",
          Force: false,
        }),
      );
      // The first cycles warm up the plugin's and Neutron's connections and caches.
      if (cycle >= 3) {
        row.connect.push(connected);
        row.disconnect.push(disconnected);
      }
    }
  }
  printTable(rows, neutronBackends()[0]?.name ?? "unknown");
  printPluginCalls(join(env.folder, "plugin.log"));
  printNeutronCalls(join(env.folder, "services.log"));
} finally {
  await env.docker("rm", "-f", "bench").catch(() => "");
  for (const network of ["bench-kuryr", "bench-bridge", "bench-base"]) {
    await env.docker("network", "rm", network).catch(() => "");
  }
  await env.close();
}

async function timed(action) {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/** Sends one Docker Engine API call over the Unix socket; rejects on a status other than 2xx. */
function engine(socketPath, path, body) {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        socketPath,
        path: `/v1.41${path}`,
        method: "POST",
        headers: { "content-type": "application/json" },
      },
      (incoming) => {
        let text = "";
        incoming.on("data", (chunk) => {
          text += chunk;
        });
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(text);
          } else {
            reject(new Error(`POST ${path} returned HTTP ${status}: ${text}`));
          }
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(JSON.stringify(body));
  });
}

function percentile(samples, fraction) {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function printTable(rows, backend) {
  const figures = (samples) => [percentile(samples, 0.5), percentile(samples, 0.99)];
  const kuryr = rows.find((row) => row.network === "bench-kuryr");
  const bridge = rows.find((row) => row.network === "bench-bridge");
  console.log(`Container connect/disconnect through the Engine API, ${cycles} cycles per driver`);
  console.log(`Neutron: ${backend}; dockerd ${"20.10"} in its own network namespace\n`);
  console.log("operation    kuryr p50  kuryr p99  bridge p50  bridge p99  ratio p50");
  for (const operation of ["connect", "disconnect"]) {
    const [kp50, kp99] = figures(kuryr[operation]);
    const [bp50, bp99] = figures(bridge[operation]);
    const cells = [kp50, kp99, bp50, bp99].map((value) => `${value.toFixed(1)} ms`.padStart(10));
    console.log(
      `${operation.padEnd(11)} ${cells.join(" ")}  ${(kp50 / bp50).toFixed(2).padStart(8)}x`,
    );
  }
}

/** Median time the plugin spent per call, from its `request completed` log lines. */
function printPluginCalls(logFile) {
  printRequestLog(logFile, "request completed", "plugin call", (entry) => entry.url);
  // The plugin's debug lines: each Neutron request as the plugin waited for it, and each command.
  printRequestLog(logFile, "neutron request", "Neutron request, plugin side", (entry) =>
    requestShape(entry.method, entry.path),
  );
  printRequestLog(logFile, "command finished", "command", (entry) =>
    [entry.command.split("/").pop(), ...entry.args.filter((arg) => !/[0-9a-f]{8}/.test(arg))]
      .join(" ")
      .slice(0, 56),
  );
}

/**
 * Median time the network service spent per kind of Neutron request, from its log: ids become
 * `{id}` and query strings keep their parameter names only.
 */
function printNeutronCalls(logFile) {
  printRequestLog(logFile, "request completed", "Neutron request, server side", (entry) =>
    requestShape(entry.method, entry.url),
  );
}

/** `GET /v2.0/ports?tags` for `GET /v2.0/ports?tags=...`: ids and tags as placeholders. */
function requestShape(method, url) {
  const [path, query = ""] = url.split("?");
  const shape = path
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "{id}")
    .replace(/\/tags\/.+$/, "/tags/{tag}");
  const keys = [...new Set(new URLSearchParams(query).keys())];
  return `${method} ${shape}${keys.length === 0 ? "" : `?${keys.join("&")}`}`;
}

/** Prints the count and median `ms` of the log lines with message `msg`, grouped by `keyOf`. */
function printRequestLog(logFile, msg, title, keyOf) {
  const byKey = new Map();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes(`"${msg}"`)) {
      continue;
    }
    const entry = JSON.parse(line);
    const key = keyOf(entry);
    const samples = byKey.get(key) ?? [];
    samples.push(entry.ms);
    byKey.set(key, samples);
  }
  console.log(`\n${title.padEnd(56)} calls  p50 ms`);
  for (const [key, samples] of [...byKey].sort()) {
    console.log(
      `${key.padEnd(56)} ${String(samples.length).padStart(5)} ${String(percentile(samples, 0.5)).padStart(7)}`,
    );
  }
}
