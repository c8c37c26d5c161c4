import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { type NeutronBackend, neutronBackends } from "./support/neutron-backends.js";
import { type PluginUnderTest, startPlugin } from "./support/plugin-harness.js";

/**
 * Replays every plugin request Docker 20.10 sent while running network create/rm, run, connect,
 * IPv6, auxiliary addresses, port publishing and restarts (recorded against probe plugins), in
 * order, against this plugin. Values the probes chose (PoolIDs, allocated addresses, the default
 * pool's range) are rewritten to the ones this plugin returned, as Docker would have sent them.
 */
interface Recorded {
  step?: string;
  url?: string;
  body?: unknown;
  response?: Record<string, unknown>;
}

const EXISTING_NETWORK = "4f9e0a6c-0000-0000-0000-000000000001";
const records = readFileSync(
  new URL("fixtures/docker-20.10-plugin-requests.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as Recorded);

/** Steps whose requests carried the probes' failure switches, which this plugin does not have. */
function probeFailureStep(step: string): boolean {
  return step.includes("probe.fail");
}

class Rewriter {
  readonly values = new Map<string, string>();
  readonly prefixes = new Map<string, string>();

  learn(recorded: unknown, ours: unknown) {
    if (typeof recorded !== "string" || typeof ours !== "string" || recorded === ours) {
      return;
    }
    this.values.set(recorded, ours);
    const [recordedAddress, recordedLength] = recorded.split("/");
    const [ourAddress] = ours.split("/");
    if (recordedAddress !== undefined && ourAddress !== undefined && recordedLength !== undefined) {
      this.values.set(recordedAddress, ourAddress);
    }
  }

  /** Maps a /24 range the probe picked to the one the default pool gave, for later addresses. */
  learnRange(recorded: unknown, ours: unknown) {
    if (typeof recorded !== "string" || typeof ours !== "string") {
      return;
    }
    const from = recorded.match(/^(\d+\.\d+\.\d+\.)0\/24$/)?.[1];
    const to = ours.match(/^(\d+\.\d+\.\d+\.)0\/24$/)?.[1];
    if (from !== undefined && to !== undefined && from !== to) {
      this.prefixes.set(from, to);
    }
  }

  rewrite(value: unknown): unknown {
    if (typeof value === "string") {
      return this.rewriteText(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.rewrite(item));
    }
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.rewrite(item)]),
      );
    }
    return value;
  }

  rewriteText(text: string): string {
    const exact = this.values.get(text);
    if (exact !== undefined) {
      return exact;
    }
    const [address, length] = text.split("/");
    const mappedAddress = address === undefined ? undefined : this.values.get(address);
    if (mappedAddress !== undefined) {
      return length === undefined ? mappedAddress : `${mappedAddress}/${length}`;
    }
    for (const [from, to] of this.prefixes) {
      if (text.startsWith(from)) {
        return `${to}${text.slice(from.length)}`;
      }
    }
    return text;
  }
}

for (const backend of neutronBackends()) {
  describe(`Docker 20.10 transcript against ${backend.name}`, () => {
    let neutron: NeutronBackend;
    let plugin: PluginUnderTest;

    before(async () => {
      neutron = await backend.start();
      plugin = await startPlugin(neutron.url, { access: neutron.access });
    });
    after(async () => {
      await plugin?.close();
      await neutron?.close();
    });

    test("every recorded request succeeds", async () => {
      const existing = await plugin.neutron.networks.create({
        name: "n7-existing",
        admin_state_up: true,
      });
      const userPool = await plugin.neutron.subnetpools.create({
        name: "mypool",
        prefixes: ["10.82.0.0/16"],
        default_prefixlen: 24,
      });
      const rewriter = new Rewriter();
      rewriter.values.set(EXISTING_NETWORK, existing.id);

      let step = "";
      const counts = new Map<string, number>();
      for (const record of records) {
        if (record.step !== undefined) {
          step = record.step;
          continue;
        }
        if (record.url === undefined || probeFailureStep(step)) {
          continue;
        }
        const body = record.body === null ? undefined : rewriter.rewrite(record.body);
        const response = await plugin.call(record.url, body);
        const where = `${step}\n${record.url} ${JSON.stringify(body)}`;
        assert.equal(response.status, 200, `${where}\n=> ${JSON.stringify(response.body)}`);
        assert.equal(response.body.Err, undefined, `${where}\n=> ${JSON.stringify(response.body)}`);
        assert.equal(response.body.Error, undefined, where);
        counts.set(record.url, (counts.get(record.url) ?? 0) + 1);

        if (record.url === "/IpamDriver.RequestPool") {
          rewriter.learnRange(record.response?.Pool, response.body.Pool);
          rewriter.learn(record.response?.PoolID, response.body.PoolID);
        }
        if (record.url === "/IpamDriver.RequestAddress") {
          rewriter.learn(record.response?.Address, response.body.Address);
        }
      }
      assert.ok((counts.get("/NetworkDriver.CreateEndpoint") ?? 0) >= 20);
      assert.ok((counts.get("/NetworkDriver.DeleteNetwork") ?? 0) >= 15);

      assert.deepEqual(
        (await plugin.neutron.networks.list()).map((network) => network.id),
        [existing.id],
        "only the user's network remains",
      );
      assert.deepEqual(await plugin.neutron.subnets.list(), []);
      assert.deepEqual(await plugin.neutron.ports.list(), []);
      const groups = await plugin.neutron.securityGroups.list();
      assert.deepEqual(
        groups.filter((group) => group.name.endsWith("-exposed_ports")),
        [],
      );
      const pools = (await plugin.neutron.subnetpools.list()).map((pool) => pool.name);
      assert.deepEqual(
        pools.filter((name) => name.startsWith("kuryrPool-")),
        [],
        "every pool made for a Docker network is gone",
      );
      assert.ok(pools.includes("kuryr"), "the default pool is kept");
      assert.ok(pools.includes(userPool.name), "the user's pool is kept");
      assert.equal(plugin.binding.plugged.size, 0);
      assert.equal(plugin.binding.bridges.size, 0);
    });
  });
}
