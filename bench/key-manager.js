// The key manager benchmark: secrets stored per second and payloads read per second, with p50
// and p99 latency, for this project on SQLite and MariaDB and for upstream Barbican 15 on MariaDB,
// under the same closed-loop load. Options (after `npm run bench -- key-manager`):
//   --duration SECONDS   measured seconds per phase (default 10, after 2 s of warm-up)
//   --clients N          concurrent clients (default 8)
//   --targets LIST       comma-separated: sqlite, mysql, upstream (default all three)
// "CPU ms" is the server's user and system CPU time per request, from /proc, summed over its
// processes (uwsgi's master and workers for upstream).
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad, summarise } from "./load.js";
import { cpuSeconds, processTree } from "./process-cpu.js";
import { createMysqlDatabase, startKeyManager, startUpstream } from "./targets.js";

const ROOT = new URL("..", import.meta.url).pathname;
const PAYLOAD_BYTES = 32;
const WARM_UP_MS = 2000;
const PROJECT = "bench-project";

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

/** Stores secrets for the warm-up and the measured phase; returns the store summary and ids. */
async function storePhase(server) {
  const url = server.url;
  const ids = [];
  const next = () => ({
    url: new URL(`${url}/v1/secrets`),
    method: "POST",
    headers: { "content-type": "application/json", "x-project-id": PROJECT },
    body: JSON.stringify({
      name: "bench",
      payload: randomBytes(PAYLOAD_BYTES).toString("base64"),
      payload_content_type: "application/octet-stream",
      payload_content_encoding: "base64",
    }),
  });
  const collect = (body) =>
    ids.push(String(JSON.parse(body.toString()).secret_ref).split("/").pop());
  await runLoad({ clients, durationMs: WARM_UP_MS, next, onSuccess: collect });
  const measured = await measureCpu(server, () =>
    runLoad({ clients, durationMs, next, onSuccess: collect }),
  );
  return { summary: measured, ids };
}

/** Reads payloads of stored secrets in turn: warm-up, then the measured phase. */
async function readPhase(server, ids) {
  const url = server.url;
  let position = 0;
  const next = () => {
    position = (position + 1) % ids.length;
    return {
      url: new URL(`${url}/v1/secrets/${ids[position]}/payload`),
      method: "GET",
      headers: { accept: "application/octet-stream", "x-project-id": PROJECT },
    };
  };
  await runLoad({ clients, durationMs: WARM_UP_MS, next });
  return measureCpu(server, () => runLoad({ clients, durationMs, next }));
}

/** Runs a load and adds the server's CPU milliseconds per successful request to its summary. */
async function measureCpu(server, load) {
  const pids = processTree(server.pid);
  const before = cpuSeconds(pids);
  const summary = summarise(await load());
  const used = cpuSeconds(pids) - before;
  return {
    ...summary,
    cpuMsPerRequest: summary.requests === 0 ? Number.NaN : (used * 1000) / summary.requests,
  };
}

async function measure(label, server) {
  process.stderr.write(`measuring ${label} at ${server.url}\n`);
  try {
    const stored = await storePhase(server);
    if (stored.ids.length === 0) {
      throw new Error(`${label} stored no secret`);
    }
    const read = await readPhase(server, stored.ids);
    return { label, store: stored.summary, read };
  } finally {
    await server.stop();
  }
}

async function main() {
  const workFolder = mkdtempSync(join(tmpdir(), "osts-bench-"));
  const results = [];
  try {
    if (targets.includes("sqlite")) {
      const server = await startKeyManager(
        "sqlite",
        `sqlite:${join(workFolder, "km.sqlite")}`,
        workFolder,
      );
      results.push(await measure("openstack-ts (SQLite)", server));
    }
    if (targets.includes("mysql")) {
      const database = await createMysqlDatabase();
      try {
        const server = await startKeyManager("mysql", database.url, workFolder);
        results.push(await measure("openstack-ts (MariaDB)", server));
      } finally {
        await database.drop();
      }
    }
    if (targets.includes("upstream")) {
      const server = await startUpstream(workFolder);
      if (server !== undefined) {
        results.push(await measure("upstream Barbican 15 (MariaDB)", server));
      }
    }
  } finally {
    rmSync(workFolder, { recursive: true, force: true });
  }
  report(results);
}

function report(results) {
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [
    `key manager benchmark, ${new Date().toISOString()}`,
    `${machine}; ${clients} concurrent clients, ${PAYLOAD_BYTES}-byte payloads, ${durationMs / 1000} s per phase`,
    "",
    `${"target".padEnd(32)}${"stores/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"CPU ms".padStart(8)}${"reads/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"CPU ms".padStart(8)}${"errors".padStart(8)}`,
  ];
  for (const result of results) {
    lines.push(
      `${result.label.padEnd(32)}${fixed(result.store.perSecond, 10)}${fixed(result.store.p50, 9)}${fixed(result.store.p99, 9)}${fixed(result.store.cpuMsPerRequest, 8, 2)}${fixed(result.read.perSecond, 10)}${fixed(result.read.p50, 9)}${fixed(result.read.p99, 9)}${fixed(result.read.cpuMsPerRequest, 8, 2)}${String(result.store.errors + result.read.errors).padStart(8)}`,
    );
  }
  const upstream = results.find((result) => result.label.startsWith("upstream"));
  if (upstream !== undefined) {
    lines.push("");
    for (const result of results.filter((item) => item !== upstream)) {
      const storeRatio = result.store.perSecond / upstream.store.perSecond;
      const readRatio = result.read.perSecond / upstream.read.perSecond;
      const storeCpu = upstream.store.cpuMsPerRequest / result.store.cpuMsPerRequest;
      const readCpu = upstream.read.cpuMsPerRequest / result.read.cpuMsPerRequest;
      lines.push(
        `${`${result.label} / upstream`.padEnd(40)}stores ${storeRatio.toFixed(1)}x, reads ${readRatio.toFixed(1)}x; CPU per request ${storeCpu.toFixed(1)}x and ${readCpu.toFixed(1)}x less`,
      );
    }
  } else {
    lines.push("", "upstream Barbican was not measured, so no ratio is printed");
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  const folder = join(ROOT, "bench/results");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `key-manager-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ machine, clients, durationMs, results }, null, 2)}\n`);
  process.stdout.write(`results written to ${file}\n`);
}

function fixed(value, width, digits = 1) {
  return (Number.isFinite(value) ? value.toFixed(digits) : "-").padStart(width);
}

await main();
