import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase, testDialects } from "@openstack-ts/kernel/testing";
import { createRcaService, type RcaService } from "../src/app.js";
import { loadRcaConfig } from "../src/config.js";
import { createRcaCore } from "../src/processor/rca-core.js";

const admin: Record<string, string> = {
  "x-user-id": "u-admin",
  "x-user-name": "admin",
  "x-project-id": "p-admin",
  "x-roles": "admin",
};
const alice: Record<string, string> = {
  "x-user-id": "u-alice",
  "x-project-id": "p-alice",
  "x-roles": "member",
};
const mallory: Record<string, string> = {
  "x-user-id": "u-mallory",
  "x-project-id": "p-mallory",
  "x-roles": "member",
};

type Method = "GET" | "POST" | "PUT" | "DELETE";

/** Two hosts: one of project p-alice, one without a project. */
const STATIC_HOSTS = `
metadata:
  name: hosts
definitions:
  entities:
    - static_id: h1
      type: nova.host
      id: host-alice
      name: host-alice
      project_id: p-alice
      state: available
    - static_id: h2
      type: nova.host
      id: host-public
      name: host-public
      state: available
`;

/** Asserts the pecan error shape with the given status. */
function assertError(response: { statusCode: number; json(): unknown }, status: number) {
  assert.equal(response.statusCode, status);
  const body = response.json() as { code?: unknown; title?: unknown; description?: unknown };
  assert.equal(body.code, status);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.description, "string");
}

for (const dialect of testDialects()) {
  describe(`rca api under hostile input on ${dialect}`, () => {
    let database: TestDatabase;
    let service: RcaService;
    let staticFolder: string;

    const inject = (method: Method, url: string, body?: unknown, headers = admin) =>
      service.app.inject({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      });

    const raw = (method: Method, url: string, payload: string | Buffer, headers = admin) =>
      service.app.inject({
        method,
        url,
        headers: { ...headers, "content-type": "application/json" },
        payload,
      });

    before(async () => {
      database = await createTestDatabase(dialect);
      staticFolder = mkdtempSync(join(tmpdir(), "rca-hostile-"));
      writeFileSync(join(staticFolder, "hosts.yaml"), STATIC_HOSTS);
      const config = loadRcaConfig({
        env: {},
        overrides: {
          "listen.port": 0,
          "database.url": database.url,
          "auth.mode": "noauth",
          "datasources.types": ["static", "doctor", "prometheus"],
          "datasources.static.directory": staticFolder,
        },
      });
      service = await createRcaService(config, {
        logger: createLogger({ level: "silent" }),
        bus: new MemoryBus(),
        createCore: createRcaCore,
      });
      await service.whenReady();
      await postDoctor("host-alice", "down");
      await service.whenIdle();
    });

    after(async () => {
      await service.close();
      await database.drop();
      rmSync(staticFolder, { recursive: true, force: true });
    });

    async function postDoctor(hostname: string, status: string, type = "compute.host.down") {
      const response = await inject("POST", "/v1/event", {
        time: new Date().toISOString(),
        type,
        details: { hostname, status, source: "test" },
      });
      assert.equal(response.statusCode, 200);
    }

    /** Returns the vitrage_id of a host listed by the static datasource. */
    async function hostId(name: string): Promise<string> {
      const listed = await inject("POST", "/v1/resources", { all_tenants: true });
      const host = (listed.json() as { vitrage_id: string; id: string }[]).find(
        (vertex) => vertex.id === name,
      );
      assert.ok(host, `${name} is not in the graph`);
      return host.vitrage_id;
    }

    it("malformed JSON bodies get 400", async () => {
      for (const payload of ["{bad", "[", '{"query": }', "\u0000"]) {
        assertError(await raw("POST", "/v1/topology", payload), 400);
      }
    });

    it("invalid UTF-8 bodies get a 4xx", async () => {
      const payload = Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      const response = await raw("POST", "/v1/topology", payload);
      assert.ok(response.statusCode < 500, `status ${response.statusCode}`);
    });

    it("topology rejects wrong parameter types", async () => {
      assertError(await inject("POST", "/v1/topology", { depth: "x", root: "r" }), 400);
      assertError(await inject("POST", "/v1/topology", { depth: -1, root: "r" }), 400);
      assertError(await inject("POST", "/v1/topology", { query: 5 }), 400);
      assertError(await inject("POST", "/v1/topology", { query: "[1]" }), 400);
      assertError(await inject("POST", "/v1/topology", { graph_type: "ring" }), 404);
    });

    it("query nested 10,000 levels is 400", async () => {
      let query = '{"==": {"name": "x"}}';
      for (let level = 0; level < 10_000; level++) {
        query = `{"and": [${query}]}`;
      }
      assertError(await inject("POST", "/v1/topology", { query, all_tenants: true }), 400);
      assertError(await inject("POST", "/v1/resources", { query, all_tenants: true }), 400);
    });

    it("topology of an unknown root is 404", async () => {
      const response = await inject("POST", "/v1/topology", {
        root: "no-such-vertex",
        depth: 2,
        query: JSON.stringify({ "==": { vitrage_category: "RESOURCE" } }),
        all_tenants: true,
      });
      assertError(response, 404);
    });

    it("bodies over the limit get 413", async () => {
      const payload = `{"query": "${"x".repeat(17 * 1024 * 1024)}"}`;
      assertError(await raw("POST", "/v1/topology", payload), 413);
    });

    it("all_tenants without admin is 403", async () => {
      for (const [method, url, body] of [
        ["POST", "/v1/topology", { all_tenants: true }],
        ["GET", "/v1/alarm?all_tenants=true", undefined],
        ["GET", "/v1/alarm/count?all_tenants=1", undefined],
        ["GET", "/v1/rca/x?all_tenants=yes", undefined],
        ["POST", "/v1/resources", { all_tenants: "true" }],
        ["GET", "/v1/webhook?all_tenants=true", undefined],
      ] as const) {
        assertError(await inject(method, url, body, alice), 403);
      }
    });

    it("resource of another project is 404", async () => {
      const host = await hostId("host-alice");
      assert.equal(
        (await inject("GET", `/v1/resources/${host}`, undefined, alice)).statusCode,
        200,
      );
      assertError(await inject("GET", `/v1/resources/${host}`, undefined, mallory), 404);
      const listed = (await inject("POST", "/v1/resources", {}, mallory)).json() as unknown[];
      assert.deepEqual(listed, []);
    });

    it("event garbage gets 400", async () => {
      assertError(await raw("POST", "/v1/event", "garbage"), 400);
      assertError(await inject("POST", "/v1/event", [1, 2]), 400);
      assertError(await inject("POST", "/v1/event", { details: {} }), 400);
      assertError(await inject("POST", "/v1/event", { type: "t", details: "x" }), 400);
      assertError(await inject("POST", "/v1/event", { type: 5, details: {} }), 400);
      assertError(await inject("POST", "/v1/event", { type: "t", details: [1] }), 400);
    });

    it("doctor up for an unknown host creates nothing", async () => {
      const before = (await inject("POST", "/v1/resources", { all_tenants: true })).json();
      await postDoctor("never-seen", "up");
      await service.whenIdle();
      const after = (await inject("POST", "/v1/resources", { all_tenants: true })).json();
      assert.deepEqual(after, before);
    });

    it("template requests with wrong shapes get 400", async () => {
      for (const templates of ["x", 5, [5], [["a"]], [["a", "b", "c"]], [[5, {}]], null]) {
        const validate = await inject("POST", "/v1/template", { templates, template_type: null });
        assertError(validate, 400);
        const add = await inject("PUT", "/v1/template", { templates, template_type: null });
        assertError(add, 400);
      }
      assertError(await inject("DELETE", "/v1/template", { uuid: 5 }), 400);
      assertError(await inject("DELETE", "/v1/template", {}), 400);
    });

    it("template contents of any JSON type are validated", async () => {
      for (const content of ["text", 5, null, [], [1], { metadata: "x" }, { metadata: [] }]) {
        const validate = await inject("POST", "/v1/template", {
          templates: [["t.yaml", content]],
          template_type: "standard",
        });
        assert.equal(validate.statusCode, 200, JSON.stringify(content));
        const add = await inject("PUT", "/v1/template", {
          templates: [["t.yaml", content]],
          template_type: "standard",
        });
        assert.equal(add.statusCode, 200, JSON.stringify(content));
      }
    });

    it("unknown routes and methods get the error shape", async () => {
      assertError(await inject("GET", "/v1/nothing"), 404);
      const longId = "x".repeat(2000);
      assert.ok((await inject("GET", `/v1/alarm/${longId}`)).statusCode < 500);
      assert.ok((await inject("GET", "/v1/alarm/%E0%A4%A")).statusCode < 500);
    });

    it("alertmanager bodies with missing labels are accepted", async () => {
      for (const payload of [
        { alerts: [null] },
        { alerts: [5, "x", []] },
        { alerts: [{ status: "firing" }] },
        { alerts: [{ status: "firing", labels: null }] },
        { alerts: [{ status: "firing", labels: "x" }] },
        { alerts: [{ labels: { alertname: "a" } }] },
        { alerts: "x" },
        {},
      ]) {
        const response = await service.app.inject({
          method: "POST",
          url: "/v1/event",
          headers: { ...admin, "user-agent": "Alertmanager/0.25.0" },
          payload,
        });
        assert.equal(response.statusCode, 200, JSON.stringify(payload));
      }
      await service.whenIdle();
    });

    it("topology rejects unknown query operators with 400", async () => {
      const query = JSON.stringify({ "=~": { name: "x" } });
      assertError(await inject("POST", "/v1/topology", { query, all_tenants: true }), 400);
      const tree = await inject("POST", "/v1/topology", {
        query,
        graph_type: "tree",
        all_tenants: true,
      });
      assertError(tree, 400);
    });

    it("alarm list by resource hides other projects", async () => {
      const host = await hostId("host-alice");
      const own = await inject("GET", `/v1/alarm?vitrage_id=${host}`, undefined, alice);
      assert.equal(own.statusCode, 200);
      assert.equal((own.json() as unknown[]).length, 1);
      const other = await inject("GET", `/v1/alarm?vitrage_id=${host}`, undefined, mallory);
      assert.equal(other.statusCode, 200);
      assert.deepEqual(other.json(), []);
    });

    it("rca of another project's alarm is 404", async () => {
      const alarms = (await inject("GET", "/v1/alarm?all_tenants=true")).json() as {
        vitrage_id: string;
      }[];
      const alarmId = alarms[0]?.vitrage_id;
      assert.ok(alarmId);
      const own = await inject("GET", `/v1/rca/${alarmId}`, undefined, alice);
      assert.equal(own.statusCode, 200);
      assertError(await inject("GET", `/v1/rca/${alarmId}`, undefined, mallory), 404);
      assertError(await inject("GET", `/v1/rca?alarm_id=${alarmId}`, undefined, mallory), 404);
      assertError(await inject("GET", `/v1/alarm/${alarmId}`, undefined, mallory), 404);
    });

    it("webhook of another project cannot be deleted", async () => {
      const added = await inject("POST", "/v1/webhook", { url: "http://127.0.0.1:9/" }, alice);
      assert.equal(added.statusCode, 200);
      const id = (added.json() as { id: string }).id;
      assertError(await inject("GET", `/v1/webhook/${id}`, undefined, mallory), 404);
      assertError(await inject("DELETE", `/v1/webhook/${id}`, undefined, mallory), 404);
      assert.equal((await inject("GET", `/v1/webhook/${id}`, undefined, alice)).statusCode, 200);
      assert.equal((await inject("DELETE", `/v1/webhook/${id}`, undefined, alice)).statusCode, 200);
    });

    it("webhook rejects unusable URLs", async () => {
      for (const url of [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
        "http://",
        "not a url",
        "x".repeat(100_000),
      ]) {
        const response = await inject("POST", "/v1/webhook", { url });
        assert.equal(response.statusCode, 400, url.slice(0, 40));
      }
    });

    it("webhook rejects headers and filters that are not dicts", async () => {
      const url = "http://127.0.0.1:9/";
      for (const headers of [
        "[1, 2]",
        "nope",
        5,
        ["a"],
        "{'a': 1",
        "{'a': {'b': 'c'}}",
        { "x-a": "one\r\nx-b: two" },
        { "bad name": "v" },
      ]) {
        const response = await inject("POST", "/v1/webhook", { url, headers });
        assert.equal(response.statusCode, 400, JSON.stringify(headers));
      }
      for (const regex_filter of ["{'name': '('}", "{'name': '[a-'}", "[1]", 7]) {
        const response = await inject("POST", "/v1/webhook", { url, regex_filter });
        assert.equal(response.statusCode, 400, JSON.stringify(regex_filter));
      }
    });

    it("long alarm names are kept in the history", async () => {
      const type = `compute.host.down.${"x".repeat(300)}`;
      await postDoctor("host-long", "down", type);
      await service.whenIdle();
      const alarms = (await inject("GET", "/v1/alarm?all_tenants=true")).json() as {
        name: string;
      }[];
      assert.ok(alarms.some((alarm) => alarm.name === type));
      await postDoctor("host-long", "up", type);
      await service.whenIdle();
    });

    it("template name over 255 characters is rejected", async () => {
      const name = "n".repeat(300);
      const added = await inject("PUT", "/v1/template", {
        templates: [["t.yaml", { metadata: { name, version: "3", type: "standard" } }]],
        template_type: null,
      });
      assert.equal(added.statusCode, 200);
      const [summary] = added.json() as {
        uuid: string;
        status: string;
        "status details": string;
      }[];
      assert.equal(summary?.status, "ERROR");
      assert.equal(summary?.uuid, "");
      assert.equal(summary?.["status details"], "Template name is longer than 255 characters");
      const list = await inject("GET", "/v1/template");
      assert.equal(list.statusCode, 200);
    });

    it("deeply nested event details get 400", async () => {
      const nested = `${"[".repeat(20_000)}1${"]".repeat(20_000)}`;
      const response = await raw(
        "POST",
        "/v1/event",
        `{"type": "compute.host.down", "details": {"hostname": "host-deep", "status": "down", "x": ${nested}}}`,
      );
      assertError(response, 400);
      await service.whenIdle();
      const topology = await inject("POST", "/v1/topology", { all_tenants: true });
      assert.equal(topology.statusCode, 200);
    });
  });
}
