import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import { createNagiosDatasource } from "../src/datasources/nagios/nagios-datasource.js";
import { parseNagiosMappings } from "../src/datasources/nagios/nagios-mapping.js";
import type { Datasource, EntityEvent } from "../src/processor/processor-types.js";
import { type NagiosServer, nagiosUnavailable, startNagios } from "./helpers/nagios-server.js";

const skip = nagiosUnavailable();

describe("nagios datasource against Nagios 4", { skip }, () => {
  let nagios: NagiosServer;
  let datasource: Datasource;
  const updates: EntityEvent[] = [];

  before(async () => {
    nagios = await startNagios([{ name: "switch-1", services: ["link", "fan"] }]);
    datasource = createNagiosDatasource({
      url: nagios.statusUrl,
      user: nagios.user,
      password: nagios.password,
      mappings: parseNagiosMappings(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the mapping file's placeholder text.
        { nagios: [{ nagios_host: "switch-.*", type: "switch", name: "${nagios_host}" }] },
        "test",
      ),
      intervalSeconds: 0.2,
      timeoutSeconds: 5,
      logger: createLogger({ level: "silent" }),
    });
  });

  after(async () => {
    await datasource?.stop();
    await nagios?.stop();
  });

  async function nextUpdate(count: number): Promise<EntityEvent> {
    const deadline = Date.now() + 10_000;
    while (updates.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(updates.length >= count, `expected ${count} updates, got ${updates.length}`);
    return updates[count - 1] as EntityEvent;
  }

  it("lists no alarm while every service is pending", async () => {
    assert.deepEqual(await datasource.getAll(), []);
  });

  it("rejects wrong credentials", async () => {
    const wrong = createNagiosDatasource({
      url: nagios.statusUrl,
      user: nagios.user,
      password: "wrong",
      mappings: [],
      intervalSeconds: 1,
      timeoutSeconds: 5,
      logger: createLogger({ level: "silent" }),
    });
    assert.deepEqual(await wrong.getAll(), []);
  });

  it("raises an alarm on CRITICAL and clears it on OK", async () => {
    await datasource.start({
      update: (events) => updates.push(...events),
      snapshot: () => undefined,
    });

    await nagios.submit("switch-1", "link", 2, "CRITICAL - link down");
    await nagios.waitForStatus("switch-1", "link", "CRITICAL");
    const raised = await nextUpdate(1);
    assert.equal(raised.action, "update");
    assert.equal(raised.category, "ALARM");
    assert.equal(raised.type, "nagios");
    assert.equal(raised.name, "link");
    assert.equal(raised.severity, "CRITICAL");
    assert.equal(raised.properties?.info, "CRITICAL - link down");
    assert.deepEqual(raised.relationships?.[0]?.neighbor, { type: "switch", name: "switch-1" });

    await nagios.submit("switch-1", "fan", 1, "WARNING - fan slow");
    await nagios.waitForStatus("switch-1", "fan", "WARNING");
    const warning = await nextUpdate(2);
    assert.equal(warning.name, "fan");
    assert.equal(warning.severity, "WARNING");

    await nagios.submit("switch-1", "link", 0, "OK - link up");
    await nagios.waitForStatus("switch-1", "link", "OK");
    const cleared = await nextUpdate(3);
    assert.equal(cleared.action, "delete");
    assert.equal(cleared.id, raised.id);
  });
});
