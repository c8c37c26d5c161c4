import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus, openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import amqplib, { type ChannelModel } from "amqplib";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createRcaCore } from "../src/processor/rca-core.js";
import type { RcaDatabase } from "../src/storage/storage-types.js";
import { type NagiosServer, nagiosUnavailable, startNagios } from "./helpers/nagios-server.js";
import { vitrage, vitrageCliUnavailable, vitrageJson } from "./helpers/vitrage-cli.js";

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";
const fixtures = new URL("./fixtures/", import.meta.url).pathname;

async function brokerUnavailable(): Promise<string | undefined> {
  try {
    await (await amqplib.connect(AMQP_URL)).close();
    return undefined;
  } catch (error) {
    return `RabbitMQ is not reachable at ${AMQP_URL}: ${(error as Error).message}`;
  }
}

const skip = nagiosUnavailable() ?? vitrageCliUnavailable() ?? (await brokerUnavailable());

interface AlarmRow {
  ID: string;
  Type: string;
  Name: string;
  "Resource Type": string;
  "Resource ID": string;
  Severity: string;
}

interface NodeLink {
  nodes: Record<string, unknown>[];
  links: { source: number; target: number; relationship_type: string }[];
  inspected_index?: number;
}

/**
 * The switch scenario end to end: the switch and its host come from a static file, the instance
 * from a Nova notification on RabbitMQ, the alarm from a real Nagios 4, and every check goes
 * through the real vitrage client.
 */
describe("switch to instance scenario", { skip }, () => {
  const suffix = randomBytes(4).toString("hex");
  const exchange = `nova-scenario-${suffix}`;
  const instanceId = randomUUID();
  let nagios: NagiosServer;
  let database: TestDatabase;
  let staticFolder: string;
  let broker: ChannelModel;
  let service: RcaService;
  let endpoint: string;

  const startService = async () => {
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": database.url,
        "auth.mode": "noauth",
        "datasources.types": ["static", "nagios", "nova", "doctor"],
        "datasources.static.directory": staticFolder,
        "datasources.nagios.url": nagios.statusUrl,
        "datasources.nagios.user": nagios.user,
        "datasources.nagios.password": nagios.password,
        "datasources.nagios.config_file": join(fixtures, "scenario/nagios_conf.yaml"),
        "datasources.nagios.interval_seconds": 0.5,
        "datasources.nova.url": AMQP_URL,
        "datasources.nova.exchange": exchange,
        "datasources.nova.queue": `vitrage-scenario-${suffix}`,
      },
    });
    service = await createRcaService(config, {
      logger: createLogger({ level: "warn" }),
      bus: new MemoryBus(),
      createCore: createRcaCore,
    });
    endpoint = await service.listen();
    await service.whenReady();
  };

  before(async () => {
    nagios = await startNagios([{ name: "switch-1", services: ["link"] }]);
    database = await createTestDatabase("sqlite");
    staticFolder = mkdtempSync(join(tmpdir(), "rca-scenario-"));
    copyFileSync(
      join(fixtures, "scenario/switch-static.yaml"),
      join(staticFolder, "switches.yaml"),
    );
    await startService();
    broker = await amqplib.connect(AMQP_URL);
  });

  after(async () => {
    await service?.close();
    const channel = await broker?.createChannel();
    await channel?.deleteQueue(`vitrage-scenario-${suffix}`);
    await channel?.deleteExchange(exchange);
    await broker?.close();
    await nagios?.stop();
    await database?.drop();
    rmSync(staticFolder, { recursive: true, force: true });
  });

  async function until<T>(
    read: () => Promise<T>,
    accept: (value: T) => boolean,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + 30_000;
    let last: T = await read();
    while (!accept(last)) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      last = await read();
    }
    return last;
  }

  const activeActions = async () => {
    const opened = openDatabase<RcaDatabase>(database.url);
    try {
      const row = await opened.db
        .selectFrom("rca_active_actions")
        .select((eb) => eb.fn.countAll().as("count"))
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    } finally {
      await opened.close();
    }
  };

  const alarms = () =>
    vitrageJson<AlarmRow[]>(endpoint, ["alarm", "list", "--all-tenants", "-f", "json"]);
  const topology = () => vitrageJson<NodeLink>(endpoint, ["topology", "show", "--all-tenants"]);
  const instance = (graph: NodeLink) => graph.nodes.find((node) => node.id === instanceId);

  it("adds the scenario template through the client", async () => {
    const output = await vitrage(endpoint, [
      "template",
      "add",
      "--path",
      join(fixtures, "scenario/switch-down-template.yaml"),
      "--wait",
      "-f",
      "json",
    ]);
    const [added] = JSON.parse(output) as { Name: string; Status: string }[];
    assert.equal(added?.Name, "switch_link_down_affects_instances");
    assert.equal(added?.Status, "ACTIVE");
  });

  it("learns the instance from a Nova notification", async () => {
    const notification = JSON.parse(
      readFileSync(join(fixtures, "nova/instance-create-end.json"), "utf8"),
    );
    notification.payload["nova_object.data"].uuid = instanceId;
    notification.payload["nova_object.data"].host = "compute-1";
    notification.payload["nova_object.data"].display_name = "vm-1";
    const channel = await broker.createChannel();
    const envelope = { "oslo.version": "2.0", "oslo.message": JSON.stringify(notification) };
    channel.publish(
      exchange,
      "versioned_notifications.info",
      Buffer.from(JSON.stringify(envelope)),
    );
    await channel.close();

    const graph = await until(topology, (value) => instance(value) !== undefined, "the instance");
    const names = graph.nodes.map((node) => node.name);
    assert.ok(names.includes("switch-1"));
    assert.ok(names.includes("compute-1"));
    assert.equal(instance(graph)?.vitrage_aggregated_state, "ACTIVE");
  });

  it("deduces the instance alarm when Nagios reports the switch", async () => {
    await nagios.submit("switch-1", "link", 2, "CRITICAL - link down");
    const rows = await until(alarms, (value) => value.length === 2, "two alarms");
    const switchAlarm = rows.find((row) => row.Type === "nagios");
    const instanceAlarm = rows.find((row) => row.Type === "vitrage");
    assert.equal(switchAlarm?.Name, "link");
    assert.equal(switchAlarm?.["Resource Type"], "switch");
    assert.equal(instanceAlarm?.Name, "switch link down");
    assert.equal(instanceAlarm?.["Resource Type"], "nova.instance");
    assert.equal(instanceAlarm?.Severity, "CRITICAL");

    const rca = await vitrageJson<NodeLink>(endpoint, [
      "rca",
      "show",
      String(instanceAlarm?.ID),
      "--all-tenants",
    ]);
    assert.equal(rca.nodes[rca.inspected_index ?? -1]?.vitrage_id, instanceAlarm?.ID);
    const causes = rca.links.find((link) => link.relationship_type === "causes");
    assert.ok(causes, "the RCA graph has a causes link");
    assert.equal(rca.nodes[causes.source]?.vitrage_id, switchAlarm?.ID);
    assert.equal(rca.nodes[causes.target]?.vitrage_id, instanceAlarm?.ID);

    const graph = await topology();
    assert.equal(instance(graph)?.vitrage_aggregated_state, "ERROR");
    assert.equal(instance(graph)?.vitrage_operational_state, "ERROR");
    assert.ok((await activeActions()) >= 2, "raise_alarm and set_state are stored as active");
  });

  it("rebuilds the graph after a restart and still answers the old rca", async () => {
    const before = await alarms();
    const oldInstanceAlarm = before.find((row) => row.Type === "vitrage");
    assert.ok(oldInstanceAlarm);
    await service.close();
    await startService();

    const graph = await until(
      topology,
      (value) => instance(value) !== undefined,
      "the instance after restart",
    );
    assert.ok(graph.nodes.some((node) => node.name === "switch-1"));
    const rows = await until(alarms, (value) => value.length === 2, "the alarms raised again");
    assert.ok(rows.some((row) => row.Type === "vitrage" && row.Name === "switch link down"));

    const rca = await vitrageJson<NodeLink>(endpoint, [
      "rca",
      "show",
      oldInstanceAlarm.ID,
      "--all-tenants",
    ]);
    assert.equal(rca.nodes[rca.inspected_index ?? -1]?.vitrage_id, oldInstanceAlarm.ID);
    assert.equal(rca.links.length, 1);
  });

  it("undoes everything when Nagios reports OK", async () => {
    await nagios.submit("switch-1", "link", 0, "OK - link up");
    await until(alarms, (value) => value.length === 0, "no alarm");
    const graph = await until(
      topology,
      (value) => instance(value)?.vitrage_aggregated_state === "ACTIVE",
      "the instance state restored",
    );
    assert.equal(instance(graph)?.vitrage_operational_state, "OK");
    assert.equal(await activeActions(), 0);
    const history = await vitrageJson<(AlarmRow & { "End Time": string | null })[]>(endpoint, [
      "alarm",
      "history",
      "--all-tenants",
      "-f",
      "json",
    ]);
    assert.ok(history.length >= 2);
    assert.ok(
      history.every((row) => typeof row["End Time"] === "string" && row["End Time"] !== ""),
    );
  });
});
