import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { ApiError, createLogger } from "@openstack-ts/kernel";
import { createWebhookService } from "../src/api/webhook/webhook-service.js";
import { parsePythonLiteral, parseStringDict } from "../src/notifier/python-literal.js";
import { createWebhookNotifier, filterAlarmFields } from "../src/notifier/webhook-notifier.js";
import type { Webhook } from "../src/storage/webhook-repo.js";

const logger = createLogger({ level: "silent" });
const admin = { projectId: "admin-project", userId: "u", isAdmin: true };
const member = { projectId: "p1", userId: "u1", isAdmin: false };

function memoryRepo() {
  const rows = new Map<string, Webhook>();
  return {
    rows,
    async create(webhook: Webhook) {
      rows.set(webhook.id, webhook);
    },
    async get(id: string) {
      return rows.get(id);
    },
    async list(projectId?: string) {
      return [...rows.values()].filter(
        (row) => projectId === undefined || row.project_id === projectId,
      );
    },
    async delete(id: string) {
      return rows.delete(id);
    },
  };
}

async function rejection(action: Promise<unknown>): Promise<ApiError> {
  try {
    await action;
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail("expected the call to fail");
}

describe("python literal parser", () => {
  it("reads dicts in Python and JSON syntax", () => {
    assert.deepEqual(parsePythonLiteral("{'a': 'b', \"c\": 1, 'd': True, 'e': None}"), {
      a: "b",
      c: 1,
      d: true,
      e: null,
    });
    assert.deepEqual(parsePythonLiteral('{"x": [1, 2], "y": {"z": false}}'), {
      x: [1, 2],
      y: { z: false },
    });
    assert.deepEqual(parseStringDict("{'X-Key': 'v\\'1'}"), { "X-Key": "v'1" });
  });

  it("rejects malformed text", () => {
    assert.throws(() => parsePythonLiteral("{'a': }"), SyntaxError);
    assert.throws(() => parsePythonLiteral("{'a': 'b'} extra"), SyntaxError);
    assert.throws(() => parseStringDict("['a']"), SyntaxError);
  });
});

describe("webhook service", () => {
  it("stores a valid webhook for the caller's project", async () => {
    const service = createWebhookService(memoryRepo());
    const webhook = await service.add(
      {
        url: "https://example.test/hook",
        regex_filter: "{'name': 'cpu.*'}",
        headers: "{'X-Key': 'v'}",
      },
      member,
    );
    assert.equal(webhook.project_id, "p1");
    assert.equal(webhook.is_admin_webhook, false);
    assert.equal(webhook.regex_filter, "{'name': 'cpu.*'}");
    assert.match(webhook.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  it("rejects missing and invalid fields with upstream messages", async () => {
    const service = createWebhookService(memoryRepo());
    const missing = await rejection(service.add({}, member));
    assert.equal(missing.status, 400);
    assert.equal(missing.message, "Missing mandatory field: URL");
    const url = await rejection(service.add({ url: "not a url" }, member));
    assert.equal(url.message, "Failed to add webhook: Invalid URL");
    const headers = await rejection(service.add({ url: "http://h/x", headers: "[1]" }, member));
    assert.equal(headers.message, "Failed to add webhook: Headers in invalid format");
    const regex = await rejection(
      service.add({ url: "http://h/x", regex_filter: "{'a': '('}" }, member),
    );
    assert.equal(regex.message, "Failed to add webhook: Invalid RegEx");
  });

  it("shows and lists only the caller's project unless admin", async () => {
    const repo = memoryRepo();
    const service = createWebhookService(repo);
    const own = await service.add({ url: "http://h/1" }, member);
    const other = await service.add({ url: "http://h/2" }, admin);
    assert.equal((await service.show(own.id, member)).id, own.id);
    const hidden = await rejection(service.show(other.id, member));
    assert.equal(hidden.status, 404);
    assert.equal(hidden.message, `Failed to find webhook with ID: ${other.id}`);
    assert.equal((await service.list(true, member)).length, 1);
    assert.equal((await service.list(true, admin)).length, 2);
    assert.equal((await rejection(service.delete(other.id, member))).status, 404);
    assert.equal((await service.show(other.id, admin)).id, other.id);
    assert.deepEqual(await service.delete(own.id, member), {
      SUCCESS: `Webhook ${own.id} deleted`,
    });
    assert.equal((await rejection(service.delete(own.id, member))).status, 404);
  });
});

describe("webhook notifier", () => {
  async function receiver() {
    const received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
    const server = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
      });
      request.on("end", () => {
        received.push({
          headers: request.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return { received, url: `http://127.0.0.1:${port}/hook`, close: () => server.close() };
  }

  const alarm = {
    vitrage_id: "a1",
    name: "CPU high",
    vitrage_type: "vitrage",
    vitrage_category: "ALARM",
    state: "Active",
    vitrage_operational_severity: "CRITICAL",
    update_timestamp: "2026-01-01T00:00:00Z",
    secret_field: "left out",
    resource: {
      vitrage_id: "r1",
      name: "vm",
      project_id: "p1",
      vitrage_type: "nova.instance",
      extra: 1,
    },
  };

  it("posts filtered alarms to matching webhooks", async () => {
    const server = await receiver();
    try {
      const repo = memoryRepo();
      const service = createWebhookService(repo);
      await service.add(
        { url: server.url, regex_filter: "{'name': 'cpu'}", headers: "{'X-Key': 'v1'}" },
        member,
      );
      await service.add({ url: server.url, regex_filter: "{'name': 'disk'}" }, admin);
      await service.add({ url: server.url }, { ...member, projectId: "p2" });
      const notifier = createWebhookNotifier({ repo, logger, maxRetries: 0, timeoutSeconds: 5 });

      await notifier.notify("vitrage.deduced_alarm.activate", alarm);
      await notifier.notify("vitrage.causal_relationship.activate", alarm);

      assert.equal(server.received.length, 1);
      const [delivery] = server.received;
      assert.equal(delivery?.body.notification, "vitrage.deduced_alarm.activate");
      assert.deepEqual(delivery?.body.payload, filterAlarmFields(alarm));
      const payload = delivery?.body.payload as Record<string, unknown> | undefined;
      assert.equal(payload?.secret_field, undefined);
      assert.deepEqual(payload?.resource, {
        vitrage_id: "r1",
        name: "vm",
        project_id: "p1",
        vitrage_type: "nova.instance",
      });
      assert.equal(delivery?.headers["x-key"], "v1");
      assert.match(String(delivery?.headers["x-openstack-request-id"]), /^req-[0-9a-f-]{36}$/);
    } finally {
      server.close();
    }
  });

  it("logs and survives an unreachable webhook", async () => {
    const repo = memoryRepo();
    await createWebhookService(repo).add({ url: "http://127.0.0.1:9/unreachable" }, admin);
    const notifier = createWebhookNotifier({ repo, logger, maxRetries: 1, timeoutSeconds: 1 });
    await notifier.notify("vitrage.alarm.activate", alarm);
  });
});
