import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createTestCore, type TestCore } from "./helpers/test-core.js";

const admin: Record<string, string> = {
  "x-user-id": "u-admin",
  "x-user-name": "admin",
  "x-project-id": "p-admin",
  "x-roles": "admin",
};
const member: Record<string, string> = {
  "x-user-id": "u-1",
  "x-project-id": "p-1",
  "x-roles": "member",
};

for (const dialect of testDialects()) {
  describe(`rca api on ${dialect}`, () => {
    let database: TestDatabase;
    let service: RcaService;
    let core: TestCore;

    before(async () => {
      database = await createTestDatabase(dialect);
      const config = loadRcaConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": database.url,
          "auth.mode": "noauth",
          "datasources.types": ["doctor", "prometheus"],
        },
      });
      service = await createRcaService(config, {
        logger: createLogger({ level: "silent" }),
        bus: new MemoryBus(),
        createCore: (options) => {
          core = createTestCore(options);
          return core;
        },
      });
      await service.whenReady();
      fillGraph(core);
    });

    after(async () => {
      await service.close();
      await database.drop();
    });

    const inject = (
      method: "GET" | "POST" | "PUT" | "DELETE",
      url: string,
      body?: unknown,
      headers = admin,
    ) =>
      service.app.inject({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      });

    it("returns the version document", async () => {
      const response = await inject("GET", "/");
      assert.equal(response.statusCode, 200);
      const versions = response.json().versions;
      assert.equal(versions[0].id, "v1.0");
      assert.match(versions[0].links[0].href, /\/v1\/$/);
    });

    it("returns the topology of all tenants as node-link JSON", async () => {
      const response = await inject("POST", "/v1/topology", {
        depth: null,
        graph_type: "graph",
        query: null,
        root: null,
        all_tenants: true,
      });
      assert.equal(response.statusCode, 200);
      const graph = response.json();
      assert.equal(graph.directed, true);
      assert.equal(graph.multigraph, true);
      assert.equal(graph.raw, true);
      const names = graph.nodes.map((node: { name: string }) => node.name).sort();
      assert.deepEqual(names, ["OpenStack Cluster", "host-1", "switch-1", "vm-1"]);
      const attached = graph.links.find((link: { key: string }) => link.key === "attached");
      assert.equal(graph.nodes[attached.source].name, "switch-1");
      assert.equal(graph.nodes[attached.target].name, "host-1");
      assert.equal(attached.relationship_type, "attached");
      assert.equal(graph.nodes[0].graph_index, 0);
    });

    it("rejects depth without root and all_tenants without admin", async () => {
      const depth = await inject("POST", "/v1/topology", { depth: 2, graph_type: "graph" });
      assert.equal(depth.statusCode, 403);
      assert.deepEqual(depth.json(), {
        code: 403,
        title: "Forbidden",
        description: "Graph-type 'graph' requires a 'root' with 'depth'",
      });
      const forbidden = await inject("POST", "/v1/topology", { all_tenants: true }, member);
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().description, "Authorization Failed");
    });

    it("returns a tree from the cluster with a query", async () => {
      const query = JSON.stringify({
        or: [
          { "==": { vitrage_type: "openstack.cluster" } },
          { "==": { vitrage_type: "nova.host" } },
        ],
      });
      const response = await inject("POST", "/v1/topology", {
        graph_type: "tree",
        query,
        all_tenants: true,
      });
      assert.equal(response.statusCode, 200);
      const tree = response.json();
      assert.equal(tree.name, "OpenStack Cluster");
      assert.equal(tree.children[0].name, "host-1");
      const missing = await inject("POST", "/v1/topology", {
        graph_type: "tree",
        all_tenants: true,
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().description, "Failed to get topology.");
      const bad = await inject("POST", "/v1/topology", { query: "{not json" });
      assert.equal(bad.statusCode, 400);
    });

    it("shows a tenant its own resources and the path to them", async () => {
      const response = await inject("POST", "/v1/topology", { graph_type: "graph" }, member);
      assert.equal(response.statusCode, 200);
      const names = response
        .json()
        .nodes.map((node: { name: string }) => node.name)
        .sort();
      assert.deepEqual(names, ["OpenStack Cluster", "host-1", "vm-1"]);
    });

    it("lists, counts and shows resources", async () => {
      const list = await inject("POST", "/v1/resources", {
        resource_type: null,
        all_tenants: true,
        query: null,
      });
      assert.equal(list.statusCode, 200);
      assert.equal(list.json().length, 4);
      const hosts = await inject("POST", "/v1/resources", {
        resource_type: "nova.host",
        all_tenants: true,
      });
      assert.deepEqual(
        hosts.json().map((vertex: { name: string }) => vertex.name),
        ["host-1"],
      );
      const count = await inject("POST", "/v1/resources/count", { all_tenants: true });
      assert.deepEqual(count.json(), {
        "openstack.cluster": 1,
        switch: 1,
        "nova.host": 1,
        "nova.instance": 1,
      });
      const show = await inject("GET", "/v1/resources/v-vm");
      assert.equal(show.json().name, "vm-1");
      const hidden = await inject("GET", "/v1/resources/v-switch", undefined, member);
      assert.equal(hidden.statusCode, 404);
      assert.deepEqual(hidden.json(), {
        code: 404,
        title: "Not Found",
        description: "Failed to show resource.",
      });
      const memberList = await inject("POST", "/v1/resources", {}, member);
      assert.deepEqual(
        memberList.json().map((vertex: { name: string }) => vertex.name),
        ["vm-1"],
      );
    });

    it("records alarms from notifications and lists them", async () => {
      core.entityGraph.updateVertex(
        "a-switch",
        alarmVertex("a-switch", "link", "nagios", "CRITICAL"),
      );
      core.entityGraph.updateVertex("a-vm", alarmVertex("a-vm", "vm down", "vitrage", "CRITICAL"));
      core.emit({
        type: "vitrage.alarm.activate",
        payload: {
          ...alarmVertex("a-switch", "link", "nagios", "CRITICAL"),
          resource: switchVertex,
        },
      });
      core.emit({
        type: "vitrage.deduced_alarm.activate",
        payload: { ...alarmVertex("a-vm", "vm down", "vitrage", "CRITICAL"), resource: vmVertex },
      });
      core.emit({
        type: "vitrage.causal_relationship.activate",
        payload: {
          source_id: "a-switch",
          target_id: "a-vm",
          relationship_type: "causes",
          vitrage_is_deleted: false,
        },
      });
      await service.whenIdle();

      const list = await inject(
        "GET",
        "/v1/alarm/?vitrage_id=all&all_tenants=True&sort_by=start_timestamp&sort_by=vitrage_id&sort_dirs=asc&sort_dirs=asc&next_page=True",
      );
      assert.equal(list.statusCode, 200);
      const alarms = list.json();
      assert.deepEqual(
        alarms.map((alarm: { vitrage_id: string }) => alarm.vitrage_id),
        ["a-switch", "a-vm"],
      );
      assert.equal(alarms[1].vitrage_resource_id, "v-vm");
      assert.equal(alarms[1].vitrage_resource_type, "nova.instance");
      assert.match(alarms[0].start_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);

      const onVm = await inject("GET", "/v1/alarm/?vitrage_id=v-vm&all_tenants=False");
      assert.deepEqual(
        onVm.json().map((alarm: { vitrage_id: string }) => alarm.vitrage_id),
        ["a-vm"],
      );
      const memberAlarms = await inject("GET", "/v1/alarm/?vitrage_id=all", undefined, member);
      assert.deepEqual(
        memberAlarms.json().map((alarm: { vitrage_id: string }) => alarm.vitrage_id),
        ["a-vm"],
      );

      const count = await inject("GET", "/v1/alarm/count/?all_tenants=True");
      assert.deepEqual(count.json(), { SEVERE: 0, CRITICAL: 2, WARNING: 0, OK: 0, "N/A": 0 });
      const show = await inject("GET", "/v1/alarm/a-vm");
      assert.equal(show.json().name, "vm down");
      const notAlarm = await inject("GET", "/v1/alarm/v-vm");
      assert.equal(notAlarm.statusCode, 404);
      const badSort = await inject("GET", "/v1/alarm/?sort_dirs=sideways");
      assert.equal(badSort.statusCode, 400);
    });

    it("answers rca from the history, also after the alarm ended", async () => {
      const rca = await inject("GET", "/v1/rca/?alarm_id=a-vm&all_tenants=False");
      assert.equal(rca.statusCode, 200);
      const graph = rca.json();
      assert.equal(graph.nodes[graph.inspected_index].vitrage_id, "a-vm");
      assert.equal(graph.links.length, 1);
      assert.equal(graph.nodes[graph.links[0].source].vitrage_id, "a-switch");
      assert.equal(graph.links[0].relationship_type, "causes");

      core.emit({
        type: "vitrage.deduced_alarm.deactivate",
        payload: alarmVertex("a-vm", "vm down", "vitrage", "CRITICAL"),
      });
      core.emit({
        type: "vitrage.alarm.deactivate",
        payload: alarmVertex("a-switch", "link", "nagios", "CRITICAL"),
      });
      await service.whenIdle();
      const active = await inject("GET", "/v1/alarm/?vitrage_id=all&all_tenants=True");
      assert.deepEqual(active.json(), []);
      const ended = await inject("GET", "/v1/rca/a-vm?all_tenants=True");
      const nodes = ended.json().nodes;
      assert.equal(nodes.length, 2);
      assert.ok(
        nodes.every(
          (node: { state: string; end_timestamp?: string }) =>
            node.state === "Inactive" && node.end_timestamp,
        ),
      );
      const history = await inject("GET", "/v1/alarm/history/?all_tenants=True&start=2000-01-01");
      assert.equal(history.json().length, 2);
      const unknown = await inject("GET", "/v1/rca/nope");
      assert.equal(unknown.statusCode, 404);
    });

    it("manages webhooks", async () => {
      const added = await inject("POST", "/v1/webhook", {
        url: "http://127.0.0.1:1/hook",
        regex_filter: null,
        headers: null,
      });
      assert.equal(added.statusCode, 200);
      const webhook = added.json();
      assert.equal(webhook.is_admin_webhook, true);
      const shown = await inject("GET", `/v1/webhook/${webhook.id}`);
      assert.equal(shown.json().url, "http://127.0.0.1:1/hook");
      const listed = await inject("GET", "/v1/webhook/?all_tenants=False");
      assert.equal(listed.json().length, 1);
      const missing = await inject("POST", "/v1/webhook", { headers: "{}" });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().description, "Missing mandatory field: URL");
      const deleted = await inject("DELETE", `/v1/webhook/${webhook.id}`);
      assert.deepEqual(deleted.json(), { SUCCESS: `Webhook ${webhook.id} deleted` });
      const gone = await inject("DELETE", `/v1/webhook/${webhook.id}`);
      assert.equal(gone.statusCode, 404);
    });

    it("hands posted doctor events to the doctor datasource", async () => {
      const response = await inject("POST", "/v1/event/", {
        time: "2026-01-01T00:00:00Z",
        type: "compute.host.down",
        details: { hostname: "host-1", status: "down", source: "sample_monitor" },
      });
      assert.equal(response.statusCode, 200);
      assert.equal(response.body, "");
      const event = core.submitted.find((submitted) => submitted.datasource === "doctor");
      assert.equal(event?.name, "compute.host.down");
      const alertmanager = await service.app.inject({
        method: "POST",
        url: "/v1/event/",
        headers: { ...admin, "user-agent": "Alertmanager/0.25.0" },
        payload: {
          receiver: "vitrage",
          status: "firing",
          alerts: [{ status: "firing", labels: { alertname: "HighCpu", severity: "critical" } }],
        },
      });
      assert.equal(alertmanager.statusCode, 200);
      const alert = core.submitted.find((submitted) => submitted.datasource === "prometheus");
      assert.equal(alert?.name, "HighCpu");
      assert.equal(alert?.severity, "critical");
      const invalid = await inject("POST", "/v1/event/", [1]);
      assert.equal(invalid.statusCode, 400);
    });

    it("routes template requests to the template service", async () => {
      const document = {
        metadata: { name: "t1", version: "3", type: "standard" },
        entities: {},
        scenarios: [],
      };
      const validated = await inject("POST", "/v1/template/", {
        templates: [["t1.yaml", document]],
        template_type: null,
        params: {},
      });
      assert.equal(validated.json().results[0]["status code"], 0);
      const added = await inject("PUT", "/v1/template/", {
        templates: [["t1.yaml", document]],
        template_type: null,
      });
      const [summary] = added.json();
      assert.equal(summary.name, "t1");
      const missingType = await inject("PUT", "/v1/template/", {
        templates: [["t1.yaml", document]],
      });
      assert.equal(missingType.statusCode, 400);
      const list = await inject("GET", "/v1/template/");
      assert.equal(list.json().length, 1);
      const shown = await inject("GET", "/v1/template/t1");
      assert.deepEqual(shown.json(), document);
      const deleted = await inject("DELETE", "/v1/template/", { id: summary.uuid });
      assert.equal(deleted.statusCode, 200);
      const gone = await inject("GET", `/v1/template/${summary.uuid}`);
      assert.equal(gone.statusCode, 404);
      const versions = await inject("GET", "/v1/template/versions");
      assert.equal(versions.json().length, 3);
    });

    it("posts alarm notifications to webhooks", async () => {
      const received: Record<string, unknown>[] = [];
      const receiver = createServer((request, response) => {
        let text = "";
        request.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        request.on("end", () => {
          received.push(JSON.parse(text) as Record<string, unknown>);
          response.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      try {
        const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
        const added = await inject("POST", "/v1/webhook", {
          url,
          regex_filter: '{"name": "disk.*"}',
        });
        assert.equal(added.statusCode, 200);
        core.emit({
          type: "vitrage.alarm.activate",
          payload: alarmVertex("a-cpu", "cpu high", "nagios", "WARNING"),
        });
        core.emit({
          type: "vitrage.alarm.activate",
          payload: alarmVertex("a-disk", "disk full", "nagios", "WARNING"),
        });
        await service.whenIdle();
        assert.equal(received.length, 1);
        assert.equal(received[0]?.notification, "vitrage.alarm.activate");
        const payload = received[0]?.payload as { name: string } | undefined;
        assert.equal(payload?.name, "disk full");
        await inject("DELETE", `/v1/webhook/${added.json().id}`);
      } finally {
        receiver.close();
      }
    });

    it("rejects invalid resource queries and alarm arguments", async () => {
      const query = JSON.stringify({ "~~": { name: "x" } });
      const resources = await inject("POST", "/v1/resources", { all_tenants: true, query });
      assert.equal(resources.statusCode, 400);
      const end = await inject("GET", "/v1/alarm/history/?end=2026-01-01");
      assert.equal(end.statusCode, 400);
      assert.equal(end.json().description, "'end' can't be used without 'start'");
      const sort = await inject("GET", "/v1/alarm/?sort_by=password");
      assert.equal(sort.statusCode, 400);
      const forbidden = await inject("GET", "/v1/alarm/count/?all_tenants=true", undefined, member);
      assert.equal(forbidden.statusCode, 403);
    });

    it("reports status, services and bad requests", async () => {
      const status = await inject("GET", "/v1/status/");
      assert.deepEqual(status.json(), { reason: "OK" });
      const services = await inject("GET", "/v1/service/");
      assert.ok(services.json().length > 0);
      const malformed = await service.app.inject({
        method: "POST",
        url: "/v1/resources",
        headers: { ...admin, "content-type": "application/json" },
        payload: "{bad",
      });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().code, 400);
    });
  });
}

const clusterVertex = vertex(
  "v-cluster",
  "openstack.cluster",
  "OpenStack Cluster",
  "OpenStack Cluster",
);
const switchVertex = vertex("v-switch", "switch", "switch-1", "12345");
const hostVertex = vertex("v-host", "nova.host", "host-1", "host-1");
const vmVertex = { ...vertex("v-vm", "nova.instance", "vm-1", "vm-uuid"), project_id: "p-1" };

function vertex(vitrageId: string, type: string, name: string, id: string) {
  return {
    vitrage_id: vitrageId,
    vitrage_type: type,
    vitrage_category: "RESOURCE" as const,
    id,
    name,
    state: "available",
    vitrage_is_deleted: false,
    vitrage_is_placeholder: false,
  };
}

function alarmVertex(vitrageId: string, name: string, type: string, severity: string) {
  return {
    vitrage_id: vitrageId,
    vitrage_type: type,
    vitrage_category: "ALARM" as const,
    name,
    severity,
    state: "Active",
    vitrage_operational_severity: severity,
    vitrage_aggregated_severity: severity,
    vitrage_is_deleted: false,
    vitrage_is_placeholder: false,
  };
}

function fillGraph(core: TestCore) {
  const graph = core.entityGraph;
  for (const entity of [clusterVertex, switchVertex, hostVertex, vmVertex]) {
    graph.updateVertex(entity.vitrage_id, entity);
  }
  graph.updateVertex("v-placeholder", {
    ...vertex("v-placeholder", "router", "r", "r"),
    vitrage_is_placeholder: true,
  });
  graph.updateEdge("v-cluster", "v-host", "contains", { vitrage_is_deleted: false });
  graph.updateEdge("v-switch", "v-host", "attached", { vitrage_is_deleted: false });
  graph.updateEdge("v-host", "v-vm", "contains", { vitrage_is_deleted: false });
}

describe("rca service restart", () => {
  it("keeps alarm history and rca across a restart", async () => {
    const database = await createTestDatabase(
      testDialects()[testDialects().length - 1] ?? "sqlite",
    );
    const templates = mkdtempSync(join(tmpdir(), "rca-templates-"));
    writeFileSync(
      join(templates, "t.yaml"),
      "metadata:\n  name: preloaded\n  version: 3\n  type: standard\n",
    );
    const config = loadRcaConfig({
      env: {},
      overrides: {
        "listen.port": 0,
        "database.url": database.url,
        "auth.mode": "noauth",
        "datasources.types": [],
        templates_directory: templates,
      },
    });
    const start = async () => {
      let core: TestCore | undefined;
      const service = await createRcaService(config, {
        logger: createLogger({ level: "silent" }),
        bus: new MemoryBus(),
        createCore: (options) => {
          core = createTestCore(options);
          return core;
        },
      });
      await service.whenReady();
      return { service, core: core as TestCore };
    };
    try {
      const first = await start();
      first.core.emit({
        type: "vitrage.alarm.activate",
        payload: alarmVertex("old-cause", "link", "nagios", "CRITICAL"),
      });
      first.core.emit({
        type: "vitrage.deduced_alarm.activate",
        payload: alarmVertex("old-effect", "vm", "vitrage", "CRITICAL"),
      });
      first.core.emit({
        type: "vitrage.causal_relationship.activate",
        payload: { source_id: "old-cause", target_id: "old-effect", relationship_type: "causes" },
      });
      await first.service.whenIdle();
      const listed = await first.service.app.inject({
        method: "GET",
        url: "/v1/template",
        headers: admin,
      });
      assert.deepEqual(
        listed.json().map((template: { name: string }) => template.name),
        ["preloaded"],
      );
      await first.service.close();

      const second = await start();
      const rca = await second.service.app.inject({
        method: "GET",
        url: "/v1/rca/old-effect?all_tenants=true",
        headers: admin,
      });
      assert.equal(rca.statusCode, 200);
      assert.equal(rca.json().nodes.length, 2);
      assert.equal(rca.json().links.length, 1);
      const active = await second.service.app.inject({
        method: "GET",
        url: "/v1/alarm/?all_tenants=true",
        headers: admin,
      });
      assert.deepEqual(active.json(), []);
      const reloaded = await second.service.app.inject({
        method: "GET",
        url: "/v1/template",
        headers: admin,
      });
      assert.equal(reloaded.json().length, 1);
      await second.service.close();
    } finally {
      rmSync(templates, { recursive: true, force: true });
      await database.drop();
    }
  });
});
