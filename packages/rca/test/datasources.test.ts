import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import { AlarmCache } from "../src/datasources/alarm-cache.js";
import { createDoctorDatasource } from "../src/datasources/events/doctor-datasource.js";
import {
  createPrometheusDatasource,
  loadAlertMappings,
} from "../src/datasources/events/prometheus-datasource.js";
import {
  mapAlarms,
  parseNagiosTime,
  toEntityEvents,
} from "../src/datasources/nagios/nagios-datasource.js";
import { loadNagiosMappings, mapNagiosHost } from "../src/datasources/nagios/nagios-mapping.js";
import { parseNagiosStatusPage } from "../src/datasources/nagios/nagios-parser.js";
import { changeToEntityEvent } from "../src/datasources/network/network-datasource.js";
import { toEntityEvent as novaEntityEvent } from "../src/datasources/nova/nova-datasource.js";
import {
  interpretNovaNotification,
  openEnvelope,
} from "../src/datasources/nova/nova-notifications.js";
import { createStaticDatasource } from "../src/datasources/static/static-datasource.js";
import { parseStaticFile } from "../src/datasources/static/static-parser.js";
import type { EntityEvent } from "../src/processor/processor-types.js";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const fixture = (path: string) => readFileSync(join(fixtures, path), "utf8");
const logger = createLogger({ level: "silent" });

describe("nagios status page parser", () => {
  it("reads every service row of a Nagios 3 page", () => {
    const services = parseNagiosStatusPage(fixture("nagios/nagios3-status.html"));
    assert.equal(services.length, 10);
    assert.deepEqual(services[0], {
      host: "compute-0-0.local",
      service: "CPU load",
      status: "WARNING",
      lastCheck: "2016-02-09 13:05:32",
      duration: "8d  2h 16m 33s",
      attempt: "1/1",
      statusInfo: "high CPU load",
    });
    assert.equal(services.filter((service) => service.status !== "OK").length, 2);
  });

  it("reads a Nagios 4 page and inherits host names", () => {
    const services = parseNagiosStatusPage(fixture("nagios/nagios4-status.html"));
    assert.deepEqual(
      services.map((service) => [service.host, service.service, service.status]),
      [["switch-1", "link", "CRITICAL"]],
    );
    assert.equal(services[0]?.statusInfo, "CRITICAL - link down");
  });

  it("returns nothing for a page without a status table", () => {
    assert.deepEqual(parseNagiosStatusPage("<html><body><p>login</p></body></html>"), []);
  });

  it("parses both last-check formats", () => {
    assert.equal(parseNagiosTime("12-04-2026 17:17:01")?.getFullYear(), 2026);
    assert.equal(parseNagiosTime("2016-02-09 13:05:32")?.getMonth(), 1);
    assert.equal(parseNagiosTime("yesterday"), undefined);
  });
});

describe("nagios host mapping", () => {
  const mappings = loadNagiosMappings(join(fixtures, "nagios/nagios_conf.yaml"));

  it("uses the first matching entry", () => {
    assert.deepEqual(mapNagiosHost(mappings, "compute-1"), {
      type: "nova.host",
      name: "compute-1",
    });
    assert.deepEqual(mapNagiosHost(mappings, "compute-2"), { type: "nova.host", name: "host2" });
  });

  it("substitutes the host name placeholder", () => {
    assert.deepEqual(mapNagiosHost(mappings, "compute-7"), {
      type: "nova.host",
      name: "compute-7",
    });
    assert.deepEqual(mapNagiosHost(mappings, "instance-3"), {
      type: "nova.instance",
      name: "instance-3",
    });
  });

  it("anchors patterns at the start only", () => {
    assert.equal(mapNagiosHost(mappings, "my-compute-1"), undefined);
    assert.deepEqual(mapNagiosHost(mappings, "compute-1.local")?.name, "compute-1");
  });
});

describe("nagios alarm events", () => {
  const mappings = loadNagiosMappings(join(fixtures, "nagios/nagios_conf.yaml"));
  const base = {
    host: "compute-1",
    service: "link",
    lastCheck: "2026-01-01 00:00:00",
    duration: "",
    attempt: "1/1",
    statusInfo: "down",
  };

  it("raises on CRITICAL and clears on OK", () => {
    const cache = new AlarmCache<ReturnType<typeof mapAlarms>[number]>({
      key: (alarm) => `${alarm.host}/${alarm.service}`,
      isErroneous: (alarm) => alarm.status !== "OK",
      isValid: () => true,
      statusChanged: (current, previous) => current.status !== previous.status,
    });
    const raised = toEntityEvents(
      cache.readChanges(mapAlarms([{ ...base, status: "CRITICAL" }], mappings)),
      "update",
    );
    assert.equal(raised.length, 1);
    assert.equal(raised[0]?.action, "update");
    assert.equal(raised[0]?.severity, "CRITICAL");
    assert.deepEqual(raised[0]?.relationships?.[0], {
      relationshipType: "on",
      direction: "outgoing",
      neighbor: { type: "nova.host", name: "compute-1" },
    });

    const unchanged = cache.readChanges(mapAlarms([{ ...base, status: "CRITICAL" }], mappings));
    assert.equal(unchanged.length, 0);

    const cleared = toEntityEvents(
      cache.readChanges(mapAlarms([{ ...base, status: "OK" }], mappings)),
      "update",
    );
    assert.equal(cleared[0]?.action, "delete");
    assert.equal(cleared[0]?.id, raised[0]?.id);
  });

  it("deletes a raised alarm that vanished from the page", () => {
    const cache = new AlarmCache<{ key: string; status: string }>({
      key: (alarm) => alarm.key,
      isErroneous: (alarm) => alarm.status !== "OK",
      isValid: () => true,
      statusChanged: (current, previous) => current.status !== previous.status,
    });
    cache.readAll([{ key: "a", status: "WARNING" }]);
    assert.deepEqual(cache.readChanges([]), [
      { alarm: { key: "a", status: "WARNING" }, action: "delete" },
    ]);
  });

  it("ignores hosts without a mapping", () => {
    assert.deepEqual(mapAlarms([{ ...base, host: "router-9", status: "CRITICAL" }], mappings), []);
  });
});

describe("static datasource", () => {
  it("parses entities and relationships of the current format", () => {
    const parsed = parseStaticFile(fixture("static/switch_to_host.yaml"), "switch_to_host.yaml");
    assert.equal(parsed.entities.length, 8);
    assert.equal(parsed.relationships.length, 9);
    assert.deepEqual(parsed.relationships[0], {
      source: { type: "switch", id: "12345" },
      target: { type: "router", id: "45678" },
      relationshipType: "attached",
    });
  });

  it("ignores the legacy static_physical format", () => {
    const parsed = parseStaticFile(fixture("static/switch_to_host_datasource.yaml"), "legacy.yaml");
    assert.deepEqual(parsed, { entities: [], relationships: [] });
  });

  it("rejects relationships to unknown entities", () => {
    const text =
      "definitions:\n  entities: [{static_id: a, type: switch, id: 1}]\n  relationships: [{source: a, target: b, relationship_type: attached}]\n";
    assert.throws(() => parseStaticFile(text, "bad.yaml"), /unknown target b/);
  });

  it("lists the folder and sends a snapshot when files change", async () => {
    const folder = mkdtempSync(join(tmpdir(), "rca-static-"));
    try {
      copyFileSync(
        join(fixtures, "static/changes__baseline__static.yaml"),
        join(folder, "static.yaml"),
      );
      copyFileSync(
        join(fixtures, "static/switch_to_host_datasource.yaml"),
        join(folder, "legacy.yaml"),
      );
      const datasource = createStaticDatasource({
        directory: folder,
        intervalSeconds: 0.05,
        logger,
      });
      const listing = await datasource.getAll();
      assert.deepEqual(listing.map((event) => `${event.type}:${event.id}`).sort(), [
        "nova.host:1",
        "router:45678",
        "switch:12345",
        "switch:23456",
      ]);
      const switch1 = listing.find((event) => event.id === "12345");
      assert.equal(switch1?.name, "switch-1");
      assert.equal(switch1?.state, "available");
      assert.equal(switch1?.properties?.type, undefined);
      assert.deepEqual(switch1?.relationships, [
        {
          relationshipType: "attached",
          direction: "outgoing",
          neighbor: { type: "router", id: "45678" },
        },
      ]);

      const snapshots: EntityEvent[][] = [];
      await datasource.start({
        update: () => undefined,
        snapshot: (events) => snapshots.push([...events]),
      });
      copyFileSync(
        join(fixtures, "static/changes__mixed_changes__static.yaml"),
        join(folder, "static.yaml"),
      );
      for (let attempt = 0; attempt < 100 && snapshots.length === 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await datasource.stop();
      assert.equal(snapshots.length, 1);
      const ids = snapshots[0]?.map((event) => `${event.type}:${event.id}`).sort();
      assert.deepEqual(ids, ["nova.host:1", "router:222", "router:45678", "switch:23456"]);
      assert.equal(snapshots[0]?.find((event) => event.id === "23456")?.state, "error");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("treats a missing folder as empty", async () => {
    const datasource = createStaticDatasource({
      directory: "/nonexistent/rca",
      intervalSeconds: 1,
      logger,
    });
    assert.deepEqual(await datasource.getAll(), []);
  });
});

describe("nova notifications", () => {
  const notification = (name: string) => JSON.parse(fixture(`nova/${name}`)) as unknown;

  it("turns instance.create.end into an instance in its host", () => {
    const parsed = openEnvelope(notification("instance-create-end.json"));
    assert.ok(parsed);
    const change = interpretNovaNotification(parsed, "2026-01-01T00:00:00.000Z");
    assert.ok(change);
    const event = novaEntityEvent(change);
    assert.equal(event.type, "nova.instance");
    assert.equal(event.id, "178b0921-8f85-4257-88b6-2e743b5a975c");
    assert.equal(event.name, "some-server");
    assert.equal(event.state, "ACTIVE");
    assert.equal(event.projectId, "6f70656e737461636b20342065766572");
    assert.deepEqual(event.relationships, [
      {
        relationshipType: "contains",
        direction: "incoming",
        neighbor: { type: "nova.host", id: "compute" },
      },
    ]);
  });

  it("opens the oslo.messaging envelope", () => {
    const body = {
      "oslo.version": "2.0",
      "oslo.message": JSON.stringify(notification("instance-pause-end.json")),
    };
    const parsed = openEnvelope(body);
    assert.equal(parsed?.event_type, "instance.pause.end");
    const change = interpretNovaNotification(
      parsed as NonNullable<typeof parsed>,
      "2026-01-01T00:00:00.000Z",
    );
    assert.equal(change?.kind === "instance" ? change.instance.state : undefined, "PAUSED");
  });

  it("deletes on instance.delete.end", () => {
    const parsed = openEnvelope(notification("instance-delete-end.json"));
    const change = interpretNovaNotification(
      parsed as NonNullable<typeof parsed>,
      "2026-01-01T00:00:00.000Z",
    );
    assert.equal(change?.kind === "instance" ? change.action : undefined, "delete");
  });

  it("reads compute hosts from service.update", () => {
    const parsed = openEnvelope(notification("service-update.json"));
    const change = interpretNovaNotification(
      parsed as NonNullable<typeof parsed>,
      "2026-01-01T00:00:00.000Z",
    );
    assert.ok(change && change.kind === "host");
    assert.equal(novaEntityEvent(change).id, "host1");
    assert.equal(novaEntityEvent(change).state, "AVAILABLE");
  });

  it("ignores other bodies", () => {
    assert.equal(openEnvelope("text"), undefined);
    assert.equal(openEnvelope({ "oslo.message": "{not json" }), undefined);
    assert.equal(openEnvelope({ event_type: "x" }), undefined);
  });
});

describe("doctor datasource", () => {
  const doctorEvent = JSON.parse(fixture("events/doctor-event.json")) as {
    time: string;
    type: string;
    details: Record<string, unknown>;
  };

  it("raises on down and clears on up", () => {
    const datasource = createDoctorDatasource();
    const updates: EntityEvent[] = [];
    datasource.start({ update: (events) => updates.push(...events), snapshot: () => undefined });
    assert.equal(datasource.post(doctorEvent), true);
    assert.equal(datasource.post({ ...doctorEvent, time: "2016-04-12T08:01:00" }), true);
    assert.equal(updates.length, 2);
    assert.equal(updates[0]?.action, "update");
    assert.equal(updates[0]?.name, "compute.host.down");
    assert.equal(updates[1]?.updateTimestamp, doctorEvent.time);
    assert.equal(updates[0]?.properties?.time, "2016-04-12T08:00:00Z");
    assert.equal(updates[0]?.properties?.status, "down");
    assert.deepEqual(updates[0]?.relationships?.[0]?.neighbor, {
      type: "nova.host",
      id: "compute-1",
    });

    datasource.post({ ...doctorEvent, details: { ...doctorEvent.details, status: "up" } });
    assert.equal(updates[2]?.action, "delete");
    assert.equal(updates[2]?.id, updates[0]?.id);
  });

  it("queues events posted before start", () => {
    const datasource = createDoctorDatasource();
    datasource.post(doctorEvent);
    const updates: EntityEvent[] = [];
    datasource.start({ update: (events) => updates.push(...events), snapshot: () => undefined });
    assert.equal(updates.length, 1);
  });

  it("declines events without a status", () => {
    const datasource = createDoctorDatasource();
    assert.equal(datasource.post({ time: "t", type: "x", details: {} }), false);
  });
});

describe("prometheus datasource", () => {
  const body = JSON.parse(fixture("events/alertmanager-event.json")) as {
    details: Record<string, unknown>;
  };
  const mappings = loadAlertMappings(join(fixtures, "prometheus/prometheus_conf.yaml"));

  it("raises one alarm per firing alert, on the mapped resource", () => {
    const host = {
      vitrage_id: "v-host",
      vitrage_type: "nova.host",
      id: "135.248.18.109:9100",
      vitrage_is_deleted: false,
      vitrage_is_placeholder: false,
    };
    const graph = {
      queryVertices: (query?: unknown) =>
        JSON.stringify(query).includes("135.248.18.109:9100") ? [host] : [],
    };
    const datasource = createPrometheusDatasource(mappings, graph);
    const updates: EntityEvent[] = [];
    datasource.start({ update: (events) => updates.push(...events), snapshot: () => undefined });
    assert.equal(
      datasource.post({ time: "t", type: "prometheus.alarm", details: body.details }),
      true,
    );
    assert.equal(updates.length, 6);
    const inodes = updates.find((event) => event.name === "HighInodeUsage");
    assert.equal(inodes?.severity, "critical");
    assert.deepEqual(inodes?.relationships?.[0]?.neighbor, {
      type: "nova.host",
      id: "135.248.18.109:9100",
    });
    const cpu = updates.find((event) => event.name === "HighCpuOnVmAlert");
    assert.deepEqual(cpu?.relationships, []);

    const resolved = (body.details.alerts as Record<string, unknown>[]).map((alert) => ({
      ...alert,
      status: "resolved",
    }));
    datasource.post({ time: "t", type: "prometheus.alarm", details: { alerts: resolved } });
    assert.equal(updates.filter((event) => event.action === "delete").length, 6);
  });

  it("declines other event types", () => {
    const datasource = createPrometheusDatasource([], { queryVertices: () => [] });
    assert.equal(datasource.post({ time: "t", type: "compute.host.down", details: {} }), false);
  });
});

describe("network service events", () => {
  it("maps a compute port to its network and instance", () => {
    const event = changeToEntityEvent({
      event_type: "port.create.end",
      resource_type: "port",
      resource_id: "p1",
      timestamp: "2026-01-01T00:00:00.000Z",
      payload: {
        port: {
          id: "p1",
          name: "",
          status: "ACTIVE",
          network_id: "n1",
          device_owner: "compute:nova",
          device_id: "vm1",
          project_id: "proj",
          fixed_ips: [{ ip_address: "10.0.0.3" }],
        },
      },
    });
    assert.equal(event?.type, "neutron.port");
    assert.equal(event?.projectId, "proj");
    assert.deepEqual(
      event?.relationships?.map((relationship) => [
        relationship.relationshipType,
        relationship.neighbor.type,
      ]),
      [
        ["contains", "neutron.network"],
        ["attached", "nova.instance"],
      ],
    );
  });

  it("maps a Kuryr container port to its host", () => {
    const event = changeToEntityEvent({
      event_type: "port.update.end",
      resource_type: "port",
      resource_id: "p2",
      payload: {
        port: {
          id: "p2",
          network_id: "n1",
          device_owner: "kuryr:container",
          "binding:host_id": "node-1",
        },
      },
    });
    assert.deepEqual(event?.relationships?.[1]?.neighbor, { type: "nova.host", id: "node-1" });
  });

  it("deletes on delete events and ignores subnets", () => {
    const deleted = changeToEntityEvent({
      event_type: "network.delete.end",
      resource_type: "network",
      resource_id: "n1",
      payload: { network_id: "n1" },
    });
    assert.equal(deleted?.action, "delete");
    assert.equal(deleted?.type, "neutron.network");
    assert.equal(
      changeToEntityEvent({ event_type: "subnet.create.end", resource_type: "subnet" }),
      undefined,
    );
  });
});
