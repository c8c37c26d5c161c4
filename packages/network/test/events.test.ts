import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createMessageBus, type MessageBus } from "@openstack-ts/kernel";
import type { ChangeEvent } from "../src/index.js";
import { ADMIN, ALICE, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";

/** Collects the events published on `network.#` until `count` arrived or the time is up. */
async function collect(bus: MessageBus) {
  const events: ChangeEvent[] = [];
  const subscription = await bus.subscribe("network.#", async (body, info) => {
    events.push({ ...(body as ChangeEvent), event_type: (body as ChangeEvent).event_type });
    assert.equal(info.topic, `network.${(body as ChangeEvent).event_type}`);
  });
  return {
    events,
    async waitFor(predicate: (event: ChangeEvent) => boolean, seconds = 10) {
      for (let waited = 0; waited < seconds * 20; waited += 1) {
        const found = events.find(predicate);
        if (found !== undefined) {
          return found;
        }
        await sleep(50);
      }
      throw new Error(
        `no matching event among ${events.map((event) => event.event_type).join(", ")}`,
      );
    },
    close: () => subscription.close(),
  };
}

async function exerciseApi(api: NetworkHarness) {
  const network = (await api.call(ALICE, "POST", "/v2.0/networks", { network: { name: "ev" } }))
    .body.network as Item;
  await api.call(ALICE, "PUT", `/v2.0/networks/${network.id}`, { network: { name: "ev2" } });
  const subnet = (
    await api.call(ALICE, "POST", "/v2.0/subnets", {
      subnet: { network_id: network.id, cidr: "10.60.0.0/24", ip_version: 4 },
    })
  ).body.subnet as Item;
  const port = (
    await api.call(ADMIN, "POST", "/v2.0/ports", {
      port: { network_id: network.id, "binding:host_id": "h" },
    })
  ).body.port as Item;
  await api.call(ADMIN, "DELETE", `/v2.0/ports/${port.id}`);
  await api.call(ALICE, "DELETE", `/v2.0/networks/${network.id}`);
  return { network, subnet, port };
}

describe("change events on the in-process bus", () => {
  let api: NetworkHarness;

  before(async () => {
    api = await startNetwork("sqlite");
  });
  after(async () => {
    await api.close();
  });

  it("announces creates, updates and deletes with the resource", async () => {
    const collector = await collect(api.bus);
    const { network, subnet, port } = await exerciseApi(api);
    const created = await collector.waitFor(
      (event) => event.event_type === "network.create.end" && event.resource_id === network.id,
    );
    assert.equal(created.resource_type, "network");
    assert.equal(created.project_id, ALICE.project);
    assert.equal((created.payload.network as Item).name, "ev");
    assert.match(created.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.match(created.request_id, /^req-/);
    const updated = await collector.waitFor((event) => event.event_type === "network.update.end");
    assert.equal((updated.payload.network as Item).name, "ev2");
    const portCreated = await collector.waitFor((event) => event.event_type === "port.create.end");
    assert.equal(
      (portCreated.payload.port as Item)["binding:host_id"],
      "h",
      "events carry the admin view",
    );
    assert.equal(portCreated.resource_id, port.id);
    const portDeleted = await collector.waitFor((event) => event.event_type === "port.delete.end");
    assert.equal(portDeleted.payload.port_id, port.id);
    const subnetDeleted = await collector.waitFor(
      (event) => event.event_type === "subnet.delete.end",
    );
    assert.equal(subnetDeleted.resource_id, subnet.id);
    await collector.waitFor((event) => event.event_type === "network.delete.end");
    await collector.close();
  });
});

describe("change events on RabbitMQ", () => {
  let reachable = false;
  let serviceBus: MessageBus;
  let consumerBus: MessageBus;
  let api: NetworkHarness;

  before(async () => {
    reachable = await new Promise<boolean>((resolve) => {
      const socket = connect(5672, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!reachable) {
      return;
    }
    serviceBus = await createMessageBus(AMQP_URL);
    consumerBus = await createMessageBus(AMQP_URL);
    api = await startNetwork("sqlite", {}, { bus: serviceBus });
  });
  after(async () => {
    if (!reachable) {
      return;
    }
    await api.close();
    await serviceBus.close();
    await consumerBus.close();
  });

  it("reaches a consumer in another connection", async (context) => {
    if (!reachable) {
      context.skip("RabbitMQ is not listening on 127.0.0.1:5672");
      return;
    }
    const collector = await collect(consumerBus);
    const { port } = await exerciseApi(api);
    const event = await collector.waitFor(
      (candidate) =>
        candidate.event_type === "port.create.end" && candidate.resource_id === port.id,
    );
    assert.equal((event.payload.port as Item).network_id, port.network_id);
    await collector.waitFor((candidate) => candidate.event_type === "network.delete.end");
    await collector.close();
  });
});
