import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import { createNagiosDatasource } from "../src/datasources/nagios/nagios-datasource.js";
import { createStaticDatasource } from "../src/datasources/static/static-datasource.js";
import type { EntityEvent } from "../src/processor/processor-types.js";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const logger = createLogger({ level: "silent" });

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const keysOf = (events: readonly EntityEvent[]) =>
  events.map((event) => `${event.type}:${event.id}`).sort();

describe("static datasource under hostile files", () => {
  it("keeps a file's entities when it turns invalid", async () => {
    const folder = mkdtempSync(join(tmpdir(), "rca-static-"));
    const file = join(folder, "static.yaml");
    copyFileSync(join(fixtures, "static/changes__baseline__static.yaml"), file);
    const datasource = createStaticDatasource({ directory: folder, intervalSeconds: 0.05, logger });
    try {
      const listing = await datasource.getAll();
      const expected = keysOf(listing);
      assert.equal(expected.length, 4);
      const snapshots: EntityEvent[][] = [];
      await datasource.start({
        update: () => undefined,
        snapshot: (events) => snapshots.push([...events]),
      });

      for (const broken of [
        "definitions: [unclosed",
        "definitions:\n  entities:\n    - static_id: s1\n      type: switch\n",
        "\u0000\u0001 not yaml at all: : :",
      ]) {
        writeFileSync(file, broken);
        await sleep(300);
        for (const snapshot of snapshots) {
          assert.deepEqual(keysOf(snapshot), expected, `after writing ${JSON.stringify(broken)}`);
        }
      }

      copyFileSync(join(fixtures, "static/changes__mixed_changes__static.yaml"), file);
      await sleep(300);
      const last = snapshots[snapshots.length - 1] ?? [];
      assert.ok(keysOf(last).includes("router:222"), "a valid change is still applied");
    } finally {
      await datasource.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("drops a removed file's entities", async () => {
    const folder = mkdtempSync(join(tmpdir(), "rca-static-"));
    const file = join(folder, "static.yaml");
    copyFileSync(join(fixtures, "static/changes__baseline__static.yaml"), file);
    const datasource = createStaticDatasource({ directory: folder, intervalSeconds: 0.05, logger });
    try {
      await datasource.getAll();
      const snapshots: EntityEvent[][] = [];
      await datasource.start({
        update: () => undefined,
        snapshot: (events) => snapshots.push([...events]),
      });
      rmSync(file);
      await sleep(300);
      assert.deepEqual(snapshots[snapshots.length - 1], []);
    } finally {
      await datasource.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("nagios datasource under hostile pages", () => {
  it("garbage pages clear no alarms", async () => {
    const statusPage = readFileSync(join(fixtures, "nagios/nagios4-status.html"), "utf8");
    let body = statusPage;
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { "content-type": "text/html" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const datasource = createNagiosDatasource({
      url: `http://127.0.0.1:${port}/cgi-bin/nagios4/status.cgi`,
      user: "u",
      password: "p",
      mappings: [{ pattern: /^(?:switch-1)/, type: "switch", name: "switch-1" }],
      intervalSeconds: 0.05,
      timeoutSeconds: 2,
      logger,
    });
    try {
      const listing = await datasource.getAll();
      assert.deepEqual(
        listing.map((event) => [event.name, event.action]),
        [["link", "snapshot"]],
      );
      const updates: EntityEvent[] = [];
      datasource.start({
        update: (events) => updates.push(...events),
        snapshot: () => undefined,
      });
      for (const garbage of [
        "<html><body><h1>Internal Server Error</h1></body></html>",
        "<html><body><p>It appears as though you do not have permission</p></body></html>",
        "\u0000\u00ff<<<>>>",
        "",
      ]) {
        body = garbage;
        const seen = requests;
        while (requests < seen + 3) {
          await sleep(20);
        }
      }
      assert.deepEqual(
        updates.map((event) => [event.name, event.action]),
        [],
        "a page that is not a status page cleared alarms",
      );
      body = statusPage;
      const seen = requests;
      while (requests < seen + 3) {
        await sleep(20);
      }
      assert.deepEqual(updates, []);
    } finally {
      await datasource.stop();
      server.close();
    }
  });

  it("slow pages do not overlap polls", async () => {
    const statusPage = readFileSync(join(fixtures, "nagios/nagios4-status.html"), "utf8");
    let inFlight = 0;
    let maxInFlight = 0;
    const server = createServer((_request, response) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(200, { "content-type": "text/html" }).end(statusPage);
      }, 300);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const datasource = createNagiosDatasource({
      url: `http://127.0.0.1:${port}/status.cgi`,
      user: "u",
      password: "p",
      mappings: [{ pattern: /^(?:switch-1)/, type: "switch", name: "switch-1" }],
      intervalSeconds: 0.05,
      timeoutSeconds: 5,
      logger,
    });
    try {
      datasource.start({ update: () => undefined, snapshot: () => undefined });
      await sleep(1000);
      assert.equal(maxInFlight, 1);
    } finally {
      await datasource.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
