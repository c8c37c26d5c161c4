#!/usr/bin/env node
// RCA core: entity graph load time and memory, host-down events per second with a version 3
// host-down template active, and topology and RCA query latency through the graph functions, on
// generated topologies of switches -> hosts -> 10 instances each. Prints the figures next to
// upstream Vitrage 9's on the same kind of machine (2 cores), as a ratio.
//
//   npx tsc -b && node bench/rca.js           10,000 and 100,000 entities
//   node bench/rca.js 1000 10000              other sizes
//
// Each size runs in its own child process (started with --expose-gc), so memory figures do not
// mix. Results are also written to bench/results/rca-<time>.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;

/** Upstream Vitrage 9 figures on a 2-core machine, by entity count. */
const UPSTREAM = {
  1000: { loadSeconds: 3.6, memoryMiB: 466, topologySeconds: 0.15 },
  10000: {
    loadSeconds: 9.5,
    memoryMiB: 647,
    topologySeconds: 0.53,
    eventsPerSecond: 3.5,
    deducedPerSecond: 34,
  },
  100000: { loadSeconds: 73, memoryMiB: 2562, topologySeconds: 4.25 },
};

/** Host-down events raised (and then cleared) per size; each deduces one alarm per instance. */
const HOST_DOWN_EVENTS = 500;
const QUERY_REPEATS = 5;

const HOST_DOWN_TEMPLATE = {
  metadata: { version: "3", name: "host_down_bench", type: "standard", description: "bench" },
  entities: {
    host_alarm: { category: "ALARM", type: "nagios", name: "host down" },
    host: { category: "RESOURCE", type: "nova.host" },
    instance: { category: "RESOURCE", type: "nova.instance" },
  },
  scenarios: [
    {
      condition: "host_alarm [on] host AND host [contains] instance",
      actions: [
        {
          raise_alarm: {
            target: "instance",
            alarm_name: "instance down",
            severity: "CRITICAL",
            causing_alarm: "host_alarm",
          },
        },
        { set_state: { target: "instance", state: "ERROR" } },
      ],
    },
    {
      condition: "host_alarm [on] host",
      actions: [{ set_state: { target: "host", state: "ERROR" } }],
    },
  ],
};

const childIndex = process.argv.indexOf("--child");
if (childIndex >= 0) {
  const result = await measure(Number(process.argv[childIndex + 1]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  runAll();
}

function runAll() {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((size) => size > 0);
  const results = [];
  for (const size of sizes.length > 0 ? sizes : [10000, 100000]) {
    const child = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        "--max-old-space-size=4096",
        new URL(import.meta.url).pathname,
        "--child",
        String(size),
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (child.status !== 0) {
      console.error(`benchmark of ${size} entities failed with status ${child.status}`);
      process.exit(1);
    }
    results.push(JSON.parse(child.stdout.trim().split("\n").pop()));
  }
  printTable(results);
  mkdirSync(join(root, "bench/results"), { recursive: true });
  const file = join(
    root,
    `bench/results/rca-${new Date().toISOString().replaceAll(":", "-")}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ machine: machineInfo(), results }, null, 2)}\n`);
  console.log(`\nresults written to ${file}`);
}

async function measure(size) {
  const { createRcaCore } = await import(join(root, "packages/rca/dist/processor/rca-core.js"));
  const { createMemoryTemplateStore } = await import(
    join(root, "packages/rca/dist/templates/memory-template-store.js")
  );
  const { toNodeLinkJson } = await import(join(root, "packages/rca/dist/graph/node-link.js"));
  const { getTopology } = await import(
    join(root, "packages/rca/dist/api/topology/topology-service.js")
  );
  const { nodeLinkPieces } = await import(
    join(root, "packages/rca/dist/api/topology/topology-json.js")
  );
  const { createLogger } = await import(join(root, "packages/kernel/dist/index.js"));

  const { events, counts } = generateTopology(size);
  const core = createRcaCore({
    logger: createLogger({ level: "error" }),
    templateStore: createMemoryTemplateStore(),
    consistencyIntervalSeconds: 0,
    createClusterVertex: true,
  });
  const added = await core.templates.add([["host_down_bench.yaml", HOST_DOWN_TEMPLATE]]);
  if (added[0]?.status !== "LOADING") {
    throw new Error(`bench template rejected: ${added[0]?.["status details"]}`);
  }
  await core.templates.whenSettled();

  global.gc?.();
  const baseline = process.memoryUsage();
  const source = {
    name: "static",
    deletesVanishedEntities: true,
    getAll: async () => events,
    start() {},
    stop() {},
  };
  const loadStart = performance.now();
  const loadCpu = process.cpuUsage();
  await core.start([source]);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const loadCpuSeconds = cpuSeconds(process.cpuUsage(loadCpu));
  global.gc?.();
  const loaded = process.memoryUsage();

  const hostDown = await measureHostDown(core, counts.hosts);
  const topology = measureTopology(core, getTopology, nodeLinkPieces);
  const rcaMs = await measureRca(core, toNodeLinkJson);
  await core.stop();

  return {
    size,
    counts,
    vertices: core.graph.vertexCount,
    edges: core.graph.edgeCount,
    loadSeconds,
    loadCpuSeconds,
    graphHeapMiB: (loaded.heapUsed - baseline.heapUsed) / 2 ** 20,
    rssMiB: loaded.rss / 2 ** 20,
    ...hostDown,
    topologyMs: topology.wallMs,
    topologyCpuMs: topology.cpuMs,
    topologyBytes: topology.bytes,
    rcaMs,
  };
}

function generateTopology(size) {
  const hosts = Math.max(1, Math.round(size / 11.1));
  const switches = Math.max(1, Math.round(hosts / 10));
  const events = [];
  const resource = (type, id, relationships = []) => ({
    action: "snapshot",
    datasource: "static",
    category: "RESOURCE",
    type,
    id,
    name: id,
    state: type === "nova.instance" ? "ACTIVE" : "available",
    relationships,
  });
  for (let index = 0; index < switches; index += 1) {
    events.push(resource("switch", `switch-${index}`));
  }
  for (let host = 0; host < hosts; host += 1) {
    events.push(
      resource("nova.host", `host-${host}`, [
        {
          relationshipType: "attached",
          direction: "incoming",
          neighbor: { type: "switch", id: `switch-${host % switches}` },
        },
      ]),
    );
    for (let index = 0; index < 10; index += 1) {
      events.push(
        resource("nova.instance", `vm-${host}-${index}`, [
          {
            relationshipType: "contains",
            direction: "incoming",
            neighbor: { type: "nova.host", id: `host-${host}` },
          },
        ]),
      );
    }
  }
  return { events, counts: { switches, hosts, instances: hosts * 10, total: events.length } };
}

/** Raises a host-down alarm on `count` hosts one event at a time, then clears them. */
async function measureHostDown(core, hosts) {
  const count = Math.min(HOST_DOWN_EVENTS, hosts);
  const alarm = (host, action) => ({
    action,
    datasource: "nagios",
    category: "ALARM",
    type: "nagios",
    id: `host-${host}:down`,
    name: "host down",
    severity: "CRITICAL",
    relationships: [
      {
        relationshipType: "on",
        direction: "outgoing",
        neighbor: { type: "nova.host", id: `host-${host}` },
      },
    ],
  });
  const deducedBefore = countDeduced(core);
  const raiseStart = performance.now();
  const raiseCpu = process.cpuUsage();
  for (let host = 0; host < count; host += 1) {
    core.processor.submit([alarm(host, "update")]);
  }
  await core.processor.whenIdle();
  const raiseSeconds = (performance.now() - raiseStart) / 1000;
  const raiseCpuSeconds = cpuSeconds(process.cpuUsage(raiseCpu));
  const deduced = countDeduced(core) - deducedBefore;

  const clearStart = performance.now();
  for (let host = 0; host < count; host += 1) {
    core.processor.submit([alarm(host, "delete")]);
  }
  await core.processor.whenIdle();
  const clearSeconds = (performance.now() - clearStart) / 1000;
  if (countDeduced(core) !== deducedBefore) {
    throw new Error("deduced alarms remained after the host alarms were cleared");
  }
  return {
    hostDownEvents: count,
    deducedAlarms: deduced,
    eventsPerSecond: count / raiseSeconds,
    eventsPerCpuSecond: count / raiseCpuSeconds,
    deducedPerSecond: deduced / raiseSeconds,
    clearEventsPerSecond: count / clearSeconds,
  };
}

function countDeduced(core) {
  return core.graph.vertices({ type: "vitrage" }).filter((vertex) => !vertex.vitrage_is_deleted)
    .length;
}

/**
 * `topology show --all-tenants` without a filter, computed as the API does: alarms and resources
 * that are neither deleted nor placeholders, the live edges among them, and the node-link JSON
 * text pieces the API streams.
 */
function measureTopology(core, getTopology, nodeLinkPieces) {
  const request = {
    graphType: "graph",
    depth: undefined,
    query: undefined,
    root: undefined,
    allTenants: true,
  };
  const tenant = { projectId: "bench", userId: "bench", isAdmin: true };
  const wall = [];
  const cpu = [];
  let bytes = 0;
  for (let repeat = 0; repeat < QUERY_REPEATS; repeat += 1) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const subgraph = getTopology(core.graph, request, tenant);
    bytes = 0;
    for (const piece of nodeLinkPieces(subgraph, { raw: true })) {
      bytes += Buffer.byteLength(piece);
    }
    cpu.push(cpuSeconds(process.cpuUsage(cpuStart)) * 1000);
    wall.push(performance.now() - start);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), bytes };
}

/** `rca show` of a deduced alarm: the alarms joined to it by `causes` edges, as node-link JSON. */
async function measureRca(core, toNodeLinkJson) {
  core.processor.submit([
    {
      action: "update",
      datasource: "nagios",
      category: "ALARM",
      type: "nagios",
      id: "host-0:down",
      name: "host down",
      severity: "CRITICAL",
      relationships: [
        {
          relationshipType: "on",
          direction: "outgoing",
          neighbor: { type: "nova.host", id: "host-0" },
        },
      ],
    },
  ]);
  await core.processor.whenIdle();
  const deduced = core.graph
    .vertices({ type: "vitrage" })
    .find((vertex) => !vertex.vitrage_is_deleted);
  if (deduced === undefined) {
    throw new Error("no deduced alarm for the RCA query");
  }
  const timings = [];
  for (let repeat = 0; repeat < QUERY_REPEATS * 10; repeat += 1) {
    const start = performance.now();
    const chain = core.graph.traverse(deduced.vitrage_id, {
      edgeFilter: (edge) => edge.relationship_type === "causes" && !edge.vitrage_is_deleted,
      vertexFilter: (vertex) => vertex.vitrage_category === "ALARM",
    });
    toNodeLinkJson(chain, { inspected_index: 0 });
    timings.push(performance.now() - start);
  }
  return median(timings);
}

function cpuSeconds(usage) {
  return (usage.user + usage.system) / 1e6;
}

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

function printTable(results) {
  const ratio = (ours, theirs) => (theirs === undefined ? "" : `(${(theirs / ours).toFixed(0)}x)`);
  console.log("\nRCA core benchmark (this process; upstream Vitrage 9 figures in brackets)\n");
  console.log(
    [
      "entities".padStart(8),
      "load s".padStart(22),
      "memory MiB".padStart(24),
      "host-down ev/s".padStart(22),
      "deduced/s".padStart(18),
      "topology ms".padStart(24),
      "rca ms".padStart(8),
    ].join(" "),
  );
  for (const result of results) {
    const upstream = UPSTREAM[result.size] ?? {};
    const memory = result.rssMiB;
    console.log(
      [
        String(result.counts.total).padStart(8),
        `${result.loadSeconds.toFixed(2)} [${upstream.loadSeconds ?? "-"}] ${ratio(result.loadSeconds, upstream.loadSeconds)}`.padStart(
          22,
        ),
        `${memory.toFixed(0)} [${upstream.memoryMiB ?? "-"}] ${ratio(memory, upstream.memoryMiB)}`.padStart(
          24,
        ),
        `${result.eventsPerSecond.toFixed(0)} [${upstream.eventsPerSecond ?? "-"}]`.padStart(22),
        `${result.deducedPerSecond.toFixed(0)} [${upstream.deducedPerSecond ?? "-"}]`.padStart(18),
        `${result.topologyMs.toFixed(0)} [${upstream.topologySeconds === undefined ? "-" : upstream.topologySeconds * 1000}] ${ratio(result.topologyMs / 1000, upstream.topologySeconds)}`.padStart(
          24,
        ),
        result.rcaMs.toFixed(2).padStart(8),
      ].join(" "),
    );
  }
  console.log(
    `\nCPU seconds of the load: ${results.map((result) => result.loadCpuSeconds.toFixed(2)).join(", ")}; ` +
      `host-down events per CPU second: ${results.map((result) => result.eventsPerCpuSecond.toFixed(0)).join(", ")}; ` +
      `topology CPU ms: ${results.map((result) => result.topologyCpuMs.toFixed(0)).join(", ")} ` +
      "(wall-clock figures include time other processes on the machine took)",
  );
  console.log(
    "memory: resident set size of the process after loading (graph heap alone: " +
      results
        .map((result) => `${result.graphHeapMiB.toFixed(0)} MiB for ${result.counts.total}`)
        .join(", ") +
      ")",
  );
}

function machineInfo() {
  return { node: process.version, platform: process.platform, arch: process.arch };
}
