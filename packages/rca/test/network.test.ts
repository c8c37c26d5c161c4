import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { AmqpBus, createLogger } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import amqplib from "amqplib";
import { createNetworkDatasource } from "../src/datasources/network/network-datasource.js";
import type { Datasource, EntityEvent } from "../src/processor/processor-types.js";

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";
const child = new URL("./helpers/network-service-child.ts", import.meta.url).pathname;
const headers = {
  "content-type": "application/json",
  "x-project-id": "p1",
  "x-roles": "admin",
  "x-user-id": "u1",
};

async function brokerUnavailable(): Promise<string | undefined> {
  try {
    await (await amqplib.connect(AMQP_URL)).close();
    return undefined;
  } catch (error) {
    return `RabbitMQ is not reachable at ${AMQP_URL}: ${(error as Error).message}`;
  }
}

/**
 * The network datasource against the project's network service, run in its own process and
 * publishing its change events on a private RabbitMQ exchange.
 */
describe("network datasource with the network service", { skip: await brokerUnavailable() }, () => {
  const exchange = `rca-network-test-${randomBytes(4).toString("hex")}`;
  const updates: EntityEvent[] = [];
  let database: TestDatabase;
  let server: ChildProcess;
  let url: string;
  let bus: AmqpBus;
  let datasource: Datasource;

  before(async () => {
    database = await createTestDatabase("sqlite");
    server = spawn(process.execPath, ["--import", "tsx", "--conditions=source", child], {
      env: {
        ...process.env,
        RCA_TEST_AMQP_URL: AMQP_URL,
        RCA_TEST_EXCHANGE: exchange,
        RCA_TEST_DATABASE_URL: database.url,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(server.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    url = line.toString("utf8").trim();
    bus = await AmqpBus.connect(AMQP_URL, { exchange });
    datasource = createNetworkDatasource({
      url,
      intervalSeconds: 3600,
      timeoutSeconds: 5,
      eventTopic: "network.#",
      bus,
      authToken: undefined,
      logger: createLogger({ level: "silent" }),
    });
  });

  after(async () => {
    await datasource?.stop();
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = once(server, "exit");
      process.kill(server.pid, "SIGTERM");
      await exited;
    }
    await bus?.close();
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange);
    await connection.close();
    await database?.drop();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as Record<string, Record<string, unknown>>;
  };

  async function waitForUpdate(match: (event: EntityEvent) => boolean): Promise<EntityEvent> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = updates.find(match);
      if (found !== undefined) {
        return found;
      }
      assert.ok(Date.now() < deadline, "timed out waiting for a network event");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("lists networks and ports through the Neutron API", async () => {
    const { network } = await post("/v2.0/networks", { network: { name: "net-before" } });
    const listing = await datasource.getAll();
    const listed = listing.find((event) => event.id === network?.id);
    assert.equal(listed?.type, "neutron.network");
    assert.equal(listed?.name, "net-before");
    assert.equal(listed?.action, "snapshot");
  });

  it("follows change events for networks and ports", async () => {
    await datasource.start({
      update: (events) => updates.push(...events),
      snapshot: () => undefined,
    });
    const { network } = await post("/v2.0/networks", { network: { name: "net-1" } });
    const created = await waitForUpdate((event) => event.id === network?.id);
    assert.equal(created.type, "neutron.network");
    assert.equal(created.projectId, "p1");

    const { port } = await post("/v2.0/ports", {
      port: {
        network_id: network?.id,
        name: "container-port",
        device_owner: "kuryr:container",
        device_id: "c1",
        "binding:host_id": "node-1",
      },
    });
    const portEvent = await waitForUpdate((event) => event.id === port?.id);
    assert.equal(portEvent.type, "neutron.port");
    assert.deepEqual(
      portEvent.relationships?.map((relationship) => [
        relationship.relationshipType,
        relationship.neighbor,
      ]),
      [
        ["contains", { type: "neutron.network", id: network?.id }],
        ["attached", { type: "nova.host", id: "node-1" }],
      ],
    );

    const { "content-type": _json, ...deleteHeaders } = headers;
    const removed = await fetch(`${url}/v2.0/ports/${port?.id}`, {
      method: "DELETE",
      headers: deleteHeaders,
    });
    assert.equal(removed.status, 204);
    const deleted = await waitForUpdate(
      (event) => event.id === port?.id && event.action === "delete",
    );
    assert.equal(deleted.type, "neutron.port");
  });
});
