#!/usr/bin/env node
// RCA API latency over HTTP: `topology show` (POST /v1/topology, all tenants) and `rca show`
// (GET /v1/rca/<alarm>) on generated topologies of switches -> hosts -> 10 instances each, loaded
// through the static datasource. Prints the figures next to upstream Vitrage 9's on the same
// kind of machine (2 cores), as a ratio.
//
//   npx tsc -b && node bench/rca-api.js            10,000 and 100,000 entities
//   node bench/rca-api.js 1000 10000               other sizes
//
// Everything runs in this process on 127.0.0.1 with SQLite in a temporary folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
const { createRcaService, loadRcaConfig } = await import(join(root, "packages/rca/dist/index.js"));
const { createRcaCore } = await import(join(root, "packages/rca/dist/processor/rca-core.js"));
const { createLogger, MemoryBus } = await import(join(root, "packages/kernel/dist/index.js"));
const { AlarmHistoryRepo } = await import(
  join(root, "packages/rca/dist/storage/alarm-history-repo.js")
);
const { openDatabase } = await import(join(root, "packages/kernel/dist/index.js"));

/** Upstream Vitrage 9 `topology show` over HTTP, in seconds, by entity count. */
const UPSTREAM_TOPOLOGY = { 1000: [0.15, 0.15], 10000: [0.53, 0.53], 100000: [3.5, 5] };
const TOPOLOGY_REQUESTS = 9;
const RCA_REQUESTS = 50;
const RCA_CHAINS = 200;

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((size) => size > 0);
const rows = [];
for (const size of sizes.length > 0 ? sizes : [10000, 100000]) {
  rows.push(await measure(size));
}
printTable(rows);
const load = loadavg().map((value) => value.toFixed(1));
console.log(`load average while measuring: ${load.join(" ")}`);

async function measure(size) {
  const folder = mkdtempSync(join(tmpdir(), "rca-bench-"));
  try {
    const staticFolder = join(folder, "static");
    const counts = writeTopology(staticFolder, size);
    const databaseUrl = `sqlite://${join(folder, "rca.sqlite")}`;
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": databaseUrl,
        "auth.mode": "noauth",
        "datasources.types": ["static"],
        "datasources.static.directory": staticFolder,
        "datasources.static.interval_seconds": 3600,
      },
    });
    const service = await createRcaService(config, {
      logger: createLogger({ level: "error" }),
      bus: new MemoryBus(),
      createCore: createRcaCore,
    });
    const loadStart = performance.now();
    const url = await service.listen();
    await service.whenReady();
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const headers = {
      "content-type": "application/json",
      "x-user-id": "bench",
      "x-user-name": "admin",
      "x-project-id": "bench",
      "x-roles": "admin",
    };
    const topology = [];
    const topologyCpu = [];
    let vertices = 0;
    for (let index = 0; index < TOPOLOGY_REQUESTS; index += 1) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const response = await fetch(`${url}/v1/topology`, {
        method: "POST",
        headers,
        body: JSON.stringify({ graph_type: "graph", all_tenants: true }),
      });
      const body = await response.json();
      topology.push((performance.now() - start) / 1000);
      const cpu = process.cpuUsage(cpuStart);
      topologyCpu.push((cpu.user + cpu.system) / 1e6);
      vertices = body.nodes.length;
    }

    const alarmId = await seedCausalChains(databaseUrl);
    const rca = [];
    for (let index = 0; index < RCA_REQUESTS; index += 1) {
      const start = performance.now();
      const response = await fetch(`${url}/v1/rca/${alarmId(index)}?all_tenants=true`, { headers });
      await response.json();
      rca.push((performance.now() - start) / 1000);
    }
    await service.close();
    return { size, counts, vertices, loadSeconds, topology, topologyCpu, rca };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Writes one static file: switches attached to hosts, hosts containing 10 instances each. */
function writeTopology(folder, size) {
  const hosts = Math.max(1, Math.round(size / 11.1));
  const switches = Math.max(1, Math.round(hosts / 10));
  const lines = ["metadata:", "  name: bench", "definitions:", "  entities:"];
  const relationships = ["  relationships:"];
  for (let s = 0; s < switches; s += 1) {
    lines.push(
      `    - {static_id: s${s}, type: switch, id: switch-${s}, name: switch-${s}, state: available}`,
    );
  }
  let instances = 0;
  for (let h = 0; h < hosts; h += 1) {
    lines.push(
      `    - {static_id: h${h}, type: nova.host, id: host-${h}, name: host-${h}, state: available}`,
    );
    relationships.push(
      `    - {source: s${h % switches}, target: h${h}, relationship_type: attached}`,
    );
    for (let i = 0; i < 10; i += 1) {
      const id = `vm-${h}-${i}`;
      lines.push(
        `    - {static_id: ${id}, type: nova.instance, id: ${id}, name: ${id}, state: ACTIVE}`,
      );
      relationships.push(`    - {source: h${h}, target: ${id}, relationship_type: contains}`);
      instances += 1;
    }
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "bench.yaml"), `${[...lines, ...relationships].join("\n")}\n`);
  return { switches, hosts, instances, total: switches + hosts + instances };
}

/** Stores alarm chains host alarm -> instance alarm in the history and returns an id picker. */
async function seedCausalChains(databaseUrl) {
  const database = openDatabase(databaseUrl);
  const history = new AlarmHistoryRepo(database.db);
  const at = new Date().toISOString();
  const ids = [];
  for (let chain = 0; chain < RCA_CHAINS; chain += 1) {
    const cause = `bench-cause-${chain}`;
    await history.activate(alarm(cause, "host down"), at);
    for (let effect = 0; effect < 10; effect += 1) {
      const id = `bench-effect-${chain}-${effect}`;
      await history.activate(alarm(id, "instance down"), at);
      await history.activateEdge(
        { sourceId: cause, targetId: id, label: "causes", payload: {} },
        at,
      );
      ids.push(id);
    }
  }
  await database.close();
  return (index) => ids[(index * 37) % ids.length];
}

function alarm(id, name) {
  return {
    vitrageId: id,
    name,
    vitrageType: "vitrage",
    aggregatedSeverity: "CRITICAL",
    operationalSeverity: "CRITICAL",
    projectId: null,
    resourceType: "nova.instance",
    resourceId: id,
    resourceProjectId: null,
    payload: { vitrage_id: id, name },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printTable(results) {
  console.log(
    "entities | graph ready (s) | topology show median (s) | CPU per topology show (s) | upstream (s) | ratio | rca show median (ms)",
  );
  console.log("---|---|---|---|---|---|---");
  for (const result of results) {
    const topology = median(result.topology);
    const upstream = UPSTREAM_TOPOLOGY[result.size];
    const upstreamText =
      upstream === undefined
        ? "n/a"
        : upstream[0] === upstream[1]
          ? `${upstream[0]}`
          : `${upstream[0]}-${upstream[1]}`;
    const ratio = upstream === undefined ? "n/a" : `${(upstream[0] / topology).toFixed(1)}x faster`;
    console.log(
      `${result.counts.total} (${result.vertices} returned) | ${result.loadSeconds.toFixed(2)} | ${topology.toFixed(3)} | ${median(result.topologyCpu).toFixed(3)} | ${upstreamText} | ${ratio} | ${(median(result.rca) * 1000).toFixed(1)}`,
    );
  }
}
