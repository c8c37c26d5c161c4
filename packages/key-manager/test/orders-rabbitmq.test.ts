import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";

const ROOT = resolve(import.meta.dirname, "../../..");
const RABBITMQCTL = "/usr/sbin/rabbitmqctl";
const PROJECT = "rabbit-project";

function brokerReachable(): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const socket = connect({ host: "127.0.0.1", port: 5672 });
    socket.once("connect", () => {
      socket.destroy();
      resolveCheck(true);
    });
    socket.once("error", () => resolveCheck(false));
  });
}

function skipReason(): string | false {
  if (!existsSync(RABBITMQCTL)) {
    return "rabbitmqctl is missing; install rabbitmq-server";
  }
  if (process.getuid?.() !== 0) {
    return "managing RabbitMQ vhosts and restarting the broker needs root";
  }
  return false;
}

function rabbitmqctl(...args: string[]): void {
  execFileSync(RABBITMQCTL, args, { stdio: "ignore", timeout: 60_000 });
}

/** A process of `openstack-ts serve`, with the base URL it logged. */
interface Served {
  child: ChildProcess;
  url: string;
  output(): string;
}

async function serve(service: string, configFile: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=source",
      "packages/cli/src/main.ts",
      "serve",
      service,
      "--config",
      configFile,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1];
    if (url !== undefined) {
      return { child, url, output: () => output };
    }
    if (child.exitCode !== null) {
      break;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${service} did not start:\n${output}`);
}

async function stop(served: Served | undefined): Promise<void> {
  if (served === undefined || served.child.exitCode !== null) {
    return;
  }
  const exited = new Promise((resolveExit) => served.child.once("exit", resolveExit));
  served.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolveWait) => setTimeout(resolveWait, 10_000))]);
  served.child.kill("SIGKILL");
}

const dialect = testDialects()[0] ?? "sqlite";

describe(`orders on RabbitMQ with separate workers on ${dialect}`, { skip: skipReason() }, () => {
  let folder: string;
  let database: TestDatabase;
  let vhost: string;
  let configFile: string;
  const processes: Served[] = [];

  before(async () => {
    if (!(await brokerReachable())) {
      throw new Error(
        "RabbitMQ is not listening on 127.0.0.1:5672; run scripts/ensure-services.sh",
      );
    }
    folder = mkdtempSync(join(tmpdir(), "osts-km-rabbit-"));
    database = await createTestDatabase(dialect);
    // A vhost of its own keeps this suite's queues apart from every other user of the broker.
    vhost = `osts-km-${randomBytes(4).toString("hex")}`;
    rabbitmqctl("add_vhost", vhost);
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
    configFile = join(folder, "key-manager.yaml");
    writeFileSync(
      configFile,
      [
        "key_manager:",
        "  listen: { host: 127.0.0.1, port: 0 }",
        `  database: { url: "${database.url}", pool_size: 4 }`,
        "  auth: { mode: noauth }",
        `  bus: { url: "amqp://guest:guest@127.0.0.1:5672/${vhost}" }`,
        `  crypto: { master_key_file: "${join(folder, "keys.json")}" }`,
        "  log: { level: info }",
        "  workers:",
        "    concurrency: 2",
        "    scheduler_interval_seconds: 1",
        "    pending_timeout_seconds: 5",
        "    retry_delay_seconds: 1",
        "",
      ].join("\n"),
    );
  });

  after(async () => {
    for (const served of processes) {
      await stop(served);
    }
    try {
      rabbitmqctl("delete_vhost", vhost);
    } finally {
      await database?.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${processes[0]?.url}${path}`, {
      method,
      headers: { "x-project-id": PROJECT, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function orderBody(index: number) {
    return index % 3 === 0
      ? { type: "asymmetric", meta: { name: `pair-${index}`, algorithm: "rsa", bit_length: 2048 } }
      : { type: "key", meta: { name: `key-${index}`, algorithm: "aes", bit_length: 256 } };
  }

  test("no order is lost to a killed worker or a broker restart", {
    timeout: 300_000,
  }, async () => {
    processes.push(await serve("key-manager", configFile));
    const workerA = await serve("key-manager-worker", configFile);
    const workerB = await serve("key-manager-worker", configFile);
    processes.push(workerA, workerB);

    const orderIds: string[] = [];
    const post = async (index: number) => {
      const created = await api("POST", "/v1/orders", orderBody(index));
      assert.equal(created.status, 202, JSON.stringify(created.body));
      orderIds.push(String(created.body.order_ref).split("/").pop() ?? "");
    };
    await Promise.all(Array.from({ length: 24 }, (_, index) => post(index)));

    // Kill a worker that has unacknowledged tasks: the broker hands them to the other one.
    workerA.child.kill("SIGKILL");

    // Restarting only the RabbitMQ application (not the Erlang node) takes a few seconds and keeps
    // durable queues and persistent messages. Other users of the broker reconnect, as the kernel's
    // AMQP bus does. Orders posted meanwhile wait for the broker or for the scheduler.
    rabbitmqctl("stop_app");
    const duringOutage = Promise.all(Array.from({ length: 6 }, (_, index) => post(100 + index)));
    await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
    rabbitmqctl("start_app");
    await duringOutage;
    processes.push(await serve("key-manager-worker", configFile));

    const statuses = new Map<string, Record<string, unknown>>();
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      for (const id of orderIds) {
        const order = await api("GET", `/v1/orders/${id}`);
        statuses.set(id, order.body);
      }
      if ([...statuses.values()].every((order) => order.status !== "PENDING")) {
        break;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }

    assert.equal(orderIds.length, 30);
    for (const [id, order] of statuses) {
      assert.equal(order.status, "ACTIVE", `order ${id}: ${JSON.stringify(order)}`);
    }
    const keyOrders = [...statuses.values()].filter((order) => order.type === "key");
    const pairOrders = statuses.size - keyOrders.length;
    const secretIds = new Set(keyOrders.map((order) => order.secret_ref));
    assert.equal(secretIds.size, keyOrders.length, "each key order has its own secret");
    const secrets = await api("GET", "/v1/secrets?limit=1");
    assert.equal(
      secrets.body.total,
      keyOrders.length + 2 * pairOrders,
      "no order was fulfilled twice",
    );
    const containers = await api("GET", "/v1/containers?limit=1");
    assert.equal(containers.body.total, pairOrders);
  });
});
