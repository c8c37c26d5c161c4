import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
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
