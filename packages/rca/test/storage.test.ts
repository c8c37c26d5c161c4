import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Database, migrateToLatest, openDatabase } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import type { Kysely } from "kysely";
import { rcaMigrations } from "../src/db/migrations.js";
import { ActiveActionRepo } from "../src/storage/active-action-repo.js";
import {
  AlarmHistoryRepo,
  type AlarmQuery,
  type AlarmRecord,
} from "../src/storage/alarm-history-repo.js";
import { SnapshotRepo } from "../src/storage/snapshot-repo.js";
import type { RcaDatabase } from "../src/storage/storage-types.js";
import { TemplateRepo } from "../src/storage/template-repo.js";
import { WebhookRepo } from "../src/storage/webhook-repo.js";

function alarm(id: string, overrides: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    vitrageId: id,
    name: `alarm ${id}`,
    vitrageType: "nagios",
    aggregatedSeverity: "CRITICAL",
    operationalSeverity: "CRITICAL",
    projectId: null,
    resourceType: "switch",
    resourceId: "r-1",
    resourceProjectId: null,
    payload: { vitrage_id: id, name: `alarm ${id}` },
    ...overrides,
  };
}

function query(overrides: Partial<AlarmQuery> = {}): AlarmQuery {
  return {
    onlyActive: true,
    limit: 1000,
    sortBy: ["start_timestamp", "vitrage_id"],
    sortDirs: ["asc", "asc"],
    filters: [],
    nextPage: true,
    isAdminProject: false,
    ...overrides,
  };
}

for (const dialect of testDialects()) {
  describe(`rca storage on ${dialect}`, () => {
    let testDatabase: TestDatabase;
    let database: Database<RcaDatabase>;
    let history: AlarmHistoryRepo;

    before(async () => {
      testDatabase = await createTestDatabase(dialect);
      database = openDatabase<RcaDatabase>(testDatabase.url);
      await migrateToLatest(database.db as Kysely<unknown>, "rca", rcaMigrations(dialect));
      history = new AlarmHistoryRepo(database.db);
    });

    after(async () => {
      await database.close();
      await testDatabase.drop();
    });

    it("alarm history activates, lists and ends alarms", async () => {
      await history.activate(alarm("a1"), "2026-01-01T00:00:01.000Z");
      await history.activate(alarm("a2", { projectId: "p1" }), "2026-01-01T00:00:02.000Z");
      await history.activate(
        alarm("a3", { operationalSeverity: "WARNING" }),
        "2026-01-01T00:00:03.000Z",
      );
      const now = "2026-01-01T00:01:00.000Z";

      const active = await history.list(query(), now);
      assert.deepEqual(
        active.map((row) => row.vitrageId),
        ["a1", "a2", "a3"],
      );
      assert.deepEqual(active[0]?.payload, { vitrage_id: "a1", name: "alarm a1" });

      await history.deactivate("a1", "2026-01-01T00:00:30.000Z");
      const stillActive = await history.list(query(), now);
      assert.deepEqual(
        stillActive.map((row) => row.vitrageId),
        ["a2", "a3"],
      );

      const all = await history.list(query({ onlyActive: false }), now);
      assert.equal(all.length, 3);
      assert.equal(all[0]?.active, false);
      assert.equal(all[0]?.endTimestamp, "2026-01-01T00:00:30.000Z");
    });

    it("alarm list filters by project, text and time frame", async () => {
      const now = "2026-01-01T00:01:00.000Z";
      const ofProject = await history.list(query({ projectId: "p1" }), now);
      assert.deepEqual(
        ofProject.map((row) => row.vitrageId),
        ["a2"],
      );
      const ofAdminProject = await history.list(
        query({ projectId: "p1", isAdminProject: true }),
        now,
      );
      assert.deepEqual(
        ofAdminProject.map((row) => row.vitrageId),
        ["a2", "a3"],
      );
      const byName = await history.list(
        query({ filters: [{ column: "name", values: ["a3"] }] }),
        now,
      );
      assert.deepEqual(
        byName.map((row) => row.vitrageId),
        ["a3"],
      );
      const inFrame = await history.list(
        query({
          onlyActive: false,
          start: "2026-01-01T00:00:00.000Z",
          end: "2026-01-01T00:00:01.500Z",
        }),
        now,
      );
      assert.deepEqual(
        inFrame.map((row) => row.vitrageId),
        ["a1"],
      );
    });

    it("alarm list pages forward and back by marker", async () => {
      const now = "2026-01-01T00:01:00.000Z";
      const first = await history.list(query({ onlyActive: false, limit: 2 }), now);
      assert.deepEqual(
        first.map((row) => row.vitrageId),
        ["a1", "a2"],
      );
      const second = await history.list(query({ onlyActive: false, limit: 2, marker: "a2" }), now);
      assert.deepEqual(
        second.map((row) => row.vitrageId),
        ["a3"],
      );
      const back = await history.list(
        query({ onlyActive: false, limit: 1, marker: "a3", nextPage: false }),
        now,
      );
      assert.deepEqual(
        back.map((row) => row.vitrageId),
        ["a2"],
      );
      const descending = await history.list(
        query({ onlyActive: false, sortBy: ["name"], sortDirs: ["desc"] }),
        now,
      );
      assert.deepEqual(
        descending.map((row) => row.vitrageId),
        ["a3", "a2", "a1"],
      );
    });

    it("alarm count groups active alarms by severity", async () => {
      const counts = await history.countActive("2026-01-01T00:01:00.000Z", undefined, false);
      assert.deepEqual(counts, { SEVERE: 0, CRITICAL: 1, WARNING: 1, OK: 0, "N/A": 0 });
    });

    it("rca walks causal edges both ways, ended ones too", async () => {
      await history.activate(alarm("cause"), "2026-01-01T00:02:00.000Z");
      await history.activate(alarm("effect"), "2026-01-01T00:02:01.000Z");
      await history.activate(alarm("further"), "2026-01-01T00:02:02.000Z");
      const label = "causes";
      await history.activateEdge(
        { sourceId: "cause", targetId: "effect", label, payload: { relationship_type: label } },
        "2026-01-01T00:02:01.000Z",
      );
      await history.activateEdge(
        { sourceId: "effect", targetId: "further", label, payload: { relationship_type: label } },
        "2026-01-01T00:02:02.000Z",
      );
      await history.deactivate("cause", "2026-01-01T00:03:00.000Z");

      const found = await history.rca("effect", undefined, false);
      assert.deepEqual(found.alarms.map((row) => row.vitrageId).sort(), [
        "cause",
        "effect",
        "further",
      ]);
      assert.equal(found.edges.length, 2);
      const cause = found.alarms.find((row) => row.vitrageId === "cause");
      assert.equal(cause?.active, false);
    });

    it("webhooks are stored per project", async () => {
      const repo = new WebhookRepo(database.db);
      const base = {
        url: "http://127.0.0.1:1/hook",
        headers: "",
        regex_filter: "{'name': 'a.*'}",
        created_at: "2026-01-01 00:00:00.000000",
      };
      await repo.create({ ...base, id: "w1", project_id: "p1", is_admin_webhook: false });
      await repo.create({ ...base, id: "w2", project_id: "p2", is_admin_webhook: true });
      assert.deepEqual(
        (await repo.list("p1")).map((row) => row.id),
        ["w1"],
      );
      assert.equal((await repo.list()).length, 2);
      const admin = await repo.get("w2");
      assert.equal(admin?.is_admin_webhook, true);
      assert.equal(admin?.regex_filter, "{'name': 'a.*'}");
      assert.equal(await repo.delete("w1"), true);
      assert.equal(await repo.delete("w1"), false);
    });

    it("snapshot store keeps the latest copy by name", async () => {
      const repo = new SnapshotRepo(database.db);
      assert.equal(await repo.load("nova"), undefined);
      await repo.save("nova", { vertices: [1] }, "2026-01-01T00:00:00.000Z");
      await repo.save("nova", { vertices: [1, 2] }, "2026-01-01T00:00:01.000Z");
      await repo.save("other", { vertices: [] }, "2026-01-01T00:00:01.000Z");
      const loaded = await repo.load("nova");
      assert.deepEqual(loaded?.snapshot, { vertices: [1, 2] });
    });

    it("templates are stored with status and content", async () => {
      const repo = new TemplateRepo(database.db);
      const content = {
        metadata: { name: "t1", version: "3" },
        entities: { host: { type: "nova.host" } },
      };
      await repo.insert({
        uuid: "00000000-0000-0000-0000-000000000001",
        name: "t1",
        status: "LOADING",
        statusDetails: "Template validation is OK",
        type: "standard",
        content,
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: null,
      });
      await repo.updateStatus("00000000-0000-0000-0000-000000000001", "ACTIVE");
      const [stored] = await repo.list({ name: "t1" });
      assert.equal(stored?.status, "ACTIVE");
      assert.equal(stored?.statusDetails, "Template validation is OK");
      assert.deepEqual(stored?.content, content);
      assert.equal((await repo.list({ status: ["DELETED"] })).length, 0);
      assert.equal((await repo.list({ status: [] })).length, 0);
      const uuid = "00000000-0000-0000-0000-000000000001";
      await repo.updateStatus(uuid, "ERROR", "late load", ["LOADING"]);
      assert.equal((await repo.list({ uuid }))[0]?.status, "ACTIVE");
      await repo.updateStatus(uuid, "DELETING", undefined, ["ACTIVE", "LOADING"]);
      assert.equal((await repo.list({ uuid }))[0]?.status, "DELETING");
    });

    it("active actions are saved, replaced and cleared", async () => {
      const repo = new ActiveActionRepo(database.db);
      const action = {
        actionType: "set_state" as const,
        extraInfo: null,
        sourceVertexId: null,
        targetVertexId: "v1",
        actionId: "t-scenario0-action0",
        trigger: "abc",
        score: 30,
        createdAt: "2026-01-01T00:00:00.000Z",
      };
      await repo.save({ added: [action, { ...action, trigger: "def" }], removed: [] });
      await repo.save({
        added: [{ ...action, score: 40 }],
        removed: [{ trigger: "def", actionId: action.actionId }],
      });
      const loaded = await repo.loadAll();
      assert.equal(loaded.length, 1);
      assert.equal(loaded[0]?.score, 40);
      await repo.clear();
      assert.equal((await repo.loadAll()).length, 0);
    });
  });
}
