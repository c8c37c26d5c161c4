#!/usr/bin/env node
// RCA API latency over HTTP: `topology show` (POST /v1/topology, all tenants, as a graph and as a
// tree) and `rca show` (GET /v1/rca/<alarm>) on generated topologies of cluster -> switches ->
// hosts -> 10 instances each, loaded through the static datasource. Prints the figures next to
// upstream Vitrage 9's on the same kind of machine (2 cores), as a ratio.
//
//   npx tsc -b && node bench/rca-api.js            10,000 and 100,000 entities
//   node bench/rca-api.js 1000 10000               other sizes
//
// Everything runs in this process on 127.0.0.1 with SQLite in a temporary folder.
import { execFile } from "node:child_process";
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
const TREE_REQUESTS = 5;
const CURL_REQUESTS = 5;
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

    // The same request from curl in another process: the server's own time and CPU, without the
    // JSON parsing of a client in this process.
    const served = await curlTimes(url, headers, { graph_type: "graph", all_tenants: true });

    // `topology show --graph-type tree` from the cluster through every live resource, whole and
    // two levels deep.
    const treeQuery = JSON.stringify({ "==": { vitrage_category: "RESOURCE" } });
    const tree = await timeTopology(url, headers, TREE_REQUESTS, {
      graph_type: "tree",
      all_tenants: true,
      query: treeQuery,
    });
    const treeDepth2 = await timeTopology(url, headers, TREE_REQUESTS, {
      graph_type: "tree",
      all_tenants: true,
      depth: 2,
      query: treeQuery,
    });

    const alarmId = await seedCausalChains(databaseUrl);
    const rca = [];
    for (let index = 0; index < RCA_REQUESTS; index += 1) {
      const start = performance.now();
      const response = await fetch(`${url}/v1/rca/${alarmId(index)}?all_tenants=true`, { headers });
      await response.json();
      rca.push((performance.now() - start) / 1000);
    }
    await service.close();
    return {
      size,
      counts,
      vertices,
      loadSeconds,
      topology,
      topologyCpu,
      served,
      tree: tree.seconds,
      treeVertices: tree.vertices,
      treeDepth2: treeDepth2.seconds,
      rca,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Times CURL_REQUESTS `POST /v1/topology` requests made by curl, which discards the body, and the
 * CPU this process (the server) spends on each. Returns undefined when curl is not installed.
 */
async function curlTimes(url, headers, body) {
  const seconds = [];
  const cpu = [];
  for (let index = 0; index < CURL_REQUESTS; index += 1) {
    const cpuStart = process.cpuUsage();
    const output = await runCurl([
      "--silent",
      "--fail",
      "--output",
      "/dev/null",
      "--write-out",
      "%{time_total}",
      "--request",
      "POST",
      ...Object.entries(headers).flatMap(([name, value]) => ["--header", `${name}: ${value}`]),
      "--data",
      JSON.stringify(body),
      `${url}/v1/topology`,
    ]);
    if (output === undefined) {
      return undefined;
    }
    const usage = process.cpuUsage(cpuStart);
    cpu.push((usage.user + usage.system) / 1e6);
    seconds.push(Number(output));
  }
  return { seconds, cpu };
}

/** Runs curl without blocking this process, which serves the request; undefined on failure. */
function runCurl(args) {
  return new Promise((resolve) => {
    execFile("curl", args, { encoding: "utf8" }, (error, stdout) => {
      resolve(error ? undefined : stdout);
    });
  });
}

/** Times `POST /v1/topology` requests for a tree; returns the wall times and the tree's size. */
async function timeTopology(url, headers, requests, body) {
  const seconds = [];
  let vertices = 0;
  for (let index = 0; index < requests; index += 1) {
    const start = performance.now();
    const response = await fetch(`${url}/v1/topology`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const tree = await response.json();
    seconds.push((performance.now() - start) / 1000);
    vertices = countTreeNodes(tree);
  }
  return { seconds, vertices };
}

function countTreeNodes(tree) {
  let count = 0;
  const stack = [tree];
  while (stack.length > 0) {
    const node = stack.pop();
    count += 1;
    for (const child of node.children ?? []) {
      stack.push(child);
    }
  }
  return count;
}

/**
 * Writes one static file: the cluster containing the switches, switches attached to hosts, hosts
 * containing 10 instances each. The cluster entity merges with the service's own cluster vertex.
 */
function writeTopology(folder, size) {
  const hosts = Math.max(1, Math.round(size / 11.1));
  const switches = Math.max(1, Math.round(hosts / 10));
  const lines = ["metadata:", "  name: bench", "definitions:", "  entities:"];
  const relationships = ["  relationships:"];
  lines.push("    - {static_id: cluster, type: openstack.cluster, id: OpenStack Cluster}");
  for (let s = 0; s < switches; s += 1) {
    lines.push(
      `    - {static_id: s${s}, type: switch, id: switch-${s}, name: switch-${s}, state: available}`,
    );
    relationships.push(`    - {source: cluster, target: s${s}, relationship_type: contains}`);
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

function served(result, field) {
  return result.served === undefined ? "n/a" : median(result.served[field]).toFixed(3);
}

function printTable(results) {
  console.log(
    "entities | graph ready (s) | topology show median (s) | CPU per topology show (s) | upstream (s) | ratio | server only, median (s) | server CPU (s) | tree median (s) | tree depth 2 median (s) | rca show median (ms)",
  );
  console.log("---|---|---|---|---|---|---|---|---|---|---");
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
      `${result.counts.total} (${result.vertices} returned, tree ${result.treeVertices}) | ${result.loadSeconds.toFixed(2)} | ${topology.toFixed(3)} | ${median(result.topologyCpu).toFixed(3)} | ${upstreamText} | ${ratio} | ${served(result, "seconds")} | ${served(result, "cpu")} | ${median(result.tree).toFixed(3)} | ${median(result.treeDepth2).toFixed(3)} | ${(median(result.rca) * 1000).toFixed(1)}`,
    );
  }
}
