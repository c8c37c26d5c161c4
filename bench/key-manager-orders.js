// The key manager's container and order benchmark, beside upstream Barbican 15 on MariaDB, under
// the same closed-loop load. Options (after `npm run bench -- key-manager-orders`):
//   --duration SECONDS   measured seconds per phase (default 10, after 2 s of warm-up)
//   --clients N          concurrent clients (default 8)
//   --targets LIST       comma-separated: sqlite, mysql, upstream (default all three)
// Phase one creates generic containers with two secret references. Phase two submits AES-256 key
// orders for the measured time and then waits until every order left PENDING: "orders/s" counts
// fulfilled orders over the time from the first submission to the last fulfilment. This project
// fulfils orders with the in-process workers of `openstack-ts serve key-manager` (no broker);
// upstream runs with [queue] enable = False, so it fulfils each order inside its POST.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad, send, summarise } from "./load.js";
import { cpuSeconds, processTree } from "./process-cpu.js";
import { createMysqlDatabase, startKeyManager, startUpstream } from "./targets.js";

const WARM_UP_MS = 2000;
const PROJECT = "bench-orders";
const HEADERS = { "content-type": "application/json", "x-project-id": PROJECT };

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

/** Sends one JSON request outside the load loop and returns the parsed body. */
async function request(url, method, body) {
  const response = await send(undefined, {
    url: new URL(url),
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return JSON.parse(response.body.toString() || "null");
}

/** Creates generic containers that reference two secrets, for warm-up and the measured phase. */
async function containerPhase(server) {
  const refs = [];
  for (const name of ["a", "b"]) {
    const created = await request(`${server.url}/v1/secrets`, "POST", {
      name,
      payload: randomBytes(32).toString("base64"),
      payload_content_type: "application/octet-stream",
      payload_content_encoding: "base64",
    });
    refs.push({ name, secret_ref: created.secret_ref });
  }
  const next = () => ({
    url: new URL(`${server.url}/v1/containers`),
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({ type: "generic", name: "bench", secret_refs: refs }),
  });
  await runLoad({ clients, durationMs: WARM_UP_MS, next });
  return measureCpu(server, () => runLoad({ clients, durationMs, next }));
}

/** Submits key orders for the measured time, then waits until all of them are fulfilled. */
async function orderPhase(server) {
  const ids = [];
  const next = () => ({
    url: new URL(`${server.url}/v1/orders`),
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({ type: "key", meta: { algorithm: "aes", bit_length: 256, mode: "cbc" } }),
  });
  const collect = (body) =>
    ids.push(String(JSON.parse(body.toString()).order_ref).split("/").pop());
  const pids = processTree(server.pid);
  const cpuBefore = cpuSeconds(pids);
  const started = Date.now();
  const submitted = summarise(await runLoad({ clients, durationMs, next, onSuccess: collect }));
  const unfinished = await waitForOrders(server, ids);
  const elapsedMs = Date.now() - started;
  const cpuMs = (cpuSeconds(pids) - cpuBefore) * 1000;
  return {
    submitted,
    fulfilled: ids.length - unfinished,
    fulfilledPerSecond: ((ids.length - unfinished) * 1000) / elapsedMs,
    cpuMsPerOrder: ids.length === 0 ? Number.NaN : cpuMs / ids.length,
  };
}

/** Polls orders, newest first, until none is PENDING or 120 s pass; returns how many still are. */
async function waitForOrders(server, ids) {
  const deadline = Date.now() + 120_000;
  let pending = [...ids].reverse();
  while (pending.length > 0 && Date.now() < deadline) {
    const order = await request(`${server.url}/v1/orders/${pending[0]}`, "GET");
    if (order.status === "PENDING") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    pending = pending.slice(1);
  }
  return pending.length;
}

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
    const containers = await containerPhase(server);
    const orders = await orderPhase(server);
    return { label, containers, orders };
  } finally {
    await server.stop();
  }
}

async function main() {
  const workFolder = mkdtempSync(join(tmpdir(), "osts-bench-orders-"));
  const results = [];
  try {
    if (targets.includes("sqlite")) {
      const url = `sqlite:${join(workFolder, "km.sqlite")}`;
      results.push(
        await measure("openstack-ts (SQLite)", await startKeyManager("sqlite", url, workFolder)),
      );
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
    `key manager containers and orders benchmark, ${new Date().toISOString()}`,
    `${machine}; ${clients} concurrent clients, ${durationMs / 1000} s per phase`,
    "",
    `${"target".padEnd(32)}${"containers/s".padStart(14)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"CPU ms".padStart(8)}${"orders/s".padStart(10)}${"POST p99".padStart(10)}${"CPU ms".padStart(8)}${"errors".padStart(8)}`,
  ];
  for (const result of results) {
    const { containers, orders } = result;
    lines.push(
      `${result.label.padEnd(32)}${fixed(containers.perSecond, 14)}${fixed(containers.p50, 9)}${fixed(containers.p99, 9)}${fixed(containers.cpuMsPerRequest, 8, 2)}${fixed(orders.fulfilledPerSecond, 10)}${fixed(orders.submitted.p99, 10)}${fixed(orders.cpuMsPerOrder, 8, 2)}${String(containers.errors + orders.submitted.errors).padStart(8)}`,
    );
  }
  const upstream = results.find((result) => result.label.startsWith("upstream"));
  if (upstream !== undefined) {
    lines.push("");
    for (const result of results.filter((item) => item !== upstream)) {
      const containerRatio = result.containers.perSecond / upstream.containers.perSecond;
      const orderRatio = result.orders.fulfilledPerSecond / upstream.orders.fulfilledPerSecond;
      lines.push(
        `${result.label} vs upstream: containers ${containerRatio.toFixed(1)}x, orders ${orderRatio.toFixed(1)}x`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function fixed(value, width, digits = 1) {
  return (Number.isFinite(value) ? value.toFixed(digits) : "-").padStart(width);
}

await main();
