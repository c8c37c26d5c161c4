import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { AmqpBus, MemoryBus, type MessageBus, topicMatches } from "../src/index.js";

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";

function waitFor<T>(count: number): { items: T[]; push(item: T): void; done: Promise<T[]> } {
  const items: T[] = [];
  let resolve: (value: T[]) => void = () => undefined;
  const done = new Promise<T[]>((ready) => {
    resolve = ready;
  });
  return {
    items,
    push(item: T) {
      items.push(item);
      if (items.length === count) {
        resolve(items);
      }
    },
    done,
  };
}

describe("topic patterns", () => {
  it("match AMQP wildcards", () => {
    assert.equal(topicMatches("network.*.create", "network.port.create"), true);
    assert.equal(topicMatches("network.#", "network.port.create"), true);
    assert.equal(topicMatches("network.#", "network"), true);
    assert.equal(topicMatches("network.*", "network.port.create"), false);
    assert.equal(topicMatches("#", "anything.at.all"), true);
  });
});

function busContract(name: string, open: () => Promise<MessageBus>) {
  describe(`${name} message bus`, () => {
    const buses: MessageBus[] = [];
    after(async () => {
      for (const bus of buses) {
        await bus.close();
      }
    });
    const openBus = async () => {
      const bus = await open();
      buses.push(bus);
      return bus;
    };

    it("fans events out to every subscriber", async () => {
      const bus = await openBus();
      const topic = `test.${randomUUID()}.created`;
      const received = waitFor<unknown>(2);
      await bus.subscribe(topic, async (body) => received.push(body));
      await bus.subscribe("test.*.created", async (body) => received.push(body));
      await bus.publish(topic, { id: 1 });
      assert.deepEqual(await received.done, [{ id: 1 }, { id: 1 }]);
    });

    it("hands each task to one consumer", async () => {
      const bus = await openBus();
      const queue = `test-tasks-${randomUUID()}`;
      const received = waitFor<string>(6);
      await bus.consume(queue, async (body) => received.push(`a:${(body as { n: number }).n}`));
      await bus.consume(queue, async (body) => received.push(`b:${(body as { n: number }).n}`));
      for (let n = 0; n < 6; n += 1) {
        await bus.enqueue(queue, { n });
      }
      const items = await received.done;
      const numbers = items.map((item) => Number(item.split(":")[1])).sort();
      assert.deepEqual(numbers, [0, 1, 2, 3, 4, 5]);
    });

    it("redelivers a failed task once", async () => {
      const bus = await openBus();
      const queue = `test-retry-${randomUUID()}`;
      const received = waitFor<boolean>(2);
      await bus.consume(queue, async (_body, info) => {
        received.push(info.redelivered);
        throw new Error("handler failure for the test");
      });
      await bus.enqueue(queue, { job: 1 });
      assert.deepEqual(await received.done, [false, true]);
    });
  });
}

busContract("in-process", async () => new MemoryBus());
busContract("RabbitMQ", () => AmqpBus.connect(AMQP_URL, { initialRetries: 2 }));
