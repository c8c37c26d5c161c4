import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import amqplib, { type ChannelModel } from "amqplib";
import { createNovaDatasource } from "../src/datasources/nova/nova-datasource.js";
import type { Datasource, EntityEvent } from "../src/processor/processor-types.js";

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";
const fixtures = new URL("./fixtures/nova/", import.meta.url).pathname;

async function brokerUnavailable(): Promise<string | undefined> {
  try {
    const connection = await amqplib.connect(AMQP_URL);
    await connection.close();
    return undefined;
  } catch (error) {
    return `RabbitMQ is not reachable at ${AMQP_URL}: ${(error as Error).message}`;
  }
}

const skip = await brokerUnavailable();

describe("nova datasource on RabbitMQ", { skip }, () => {
  const suffix = randomBytes(4).toString("hex");
  const exchange = `nova-test-${suffix}`;
  const saved: EntityEvent[][] = [];
  const updates: EntityEvent[] = [];
  let publisher: ChannelModel;
  let datasource: Datasource;

  before(async () => {
    datasource = createNovaDatasource({
      url: AMQP_URL,
      exchange,
      topic: "versioned_notifications.info",
      queue: `vitrage-test-${suffix}`,
      logger: createLogger({ level: "silent" }),
      memory: {
        load: async () => [],
        save: async (events) => {
          saved.push(events);
        },
      },
    });
    assert.deepEqual(await datasource.getAll(), []);
    await datasource.start({
      update: (events) => updates.push(...events),
      snapshot: () => undefined,
    });
    publisher = await amqplib.connect(AMQP_URL);
  });

  after(async () => {
    await datasource?.stop();
    const channel = await publisher.createChannel();
    await channel.deleteQueue(`vitrage-test-${suffix}`);
    await channel.deleteExchange(exchange);
    await publisher?.close();
  });

  async function notify(file: string) {
    const notification = readFileSync(`${fixtures}${file}`, "utf8");
    const envelope = { "oslo.version": "2.0", "oslo.message": notification };
    const channel = await publisher.createChannel();
    channel.publish(
      exchange,
      "versioned_notifications.info",
      Buffer.from(JSON.stringify(envelope)),
      {
        contentType: "application/json",
      },
    );
    await channel.close();
  }

  async function waitForUpdates(count: number) {
    const deadline = Date.now() + 10_000;
    while (updates.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(updates.length, count);
  }

  it("reports instances from versioned notifications", async () => {
    await notify("instance-create-end.json");
    await waitForUpdates(1);
    assert.equal(updates[0]?.type, "nova.instance");
    assert.equal(updates[0]?.state, "ACTIVE");
    assert.equal(updates[0]?.relationships?.[0]?.neighbor.id, "compute");
  });

  it("reports hosts from service.update", async () => {
    await notify("service-update.json");
    await waitForUpdates(2);
    assert.equal(updates[1]?.type, "nova.host");
    assert.equal(updates[1]?.id, "host1");
  });

  it("deletes instances and remembers what is left", async () => {
    await notify("instance-delete-end.json");
    await waitForUpdates(3);
    assert.equal(updates[2]?.action, "delete");
    const deadline = Date.now() + 5000;
    while (saved.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const last = saved[saved.length - 1] ?? [];
    assert.deepEqual(
      last.map((event) => `${event.type}:${event.id}:${event.action}`),
      ["nova.host:host1:snapshot"],
    );
  });
});
