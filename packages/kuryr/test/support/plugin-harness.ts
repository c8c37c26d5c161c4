import { Writable } from "node:stream";
import { createLogger, type Logger } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";
import { buildKuryrApp } from "../../src/app.js";
import type { HostBinding, PortToPlug } from "../../src/binding/bridge-binding.js";
import { type KuryrConfig, loadKuryrConfig } from "../../src/config.js";
import { type NeutronAccess, noauthAccess } from "../../src/neutron/neutron-access.js";
import { NeutronClient } from "../../src/neutron/neutron-client.js";

/** Docker's request body: nothing, text as given, or JSON. */
function requestText(body: unknown): string {
  if (body === undefined) {
    return "";
  }
  return typeof body === "string" ? body : JSON.stringify(body);
}

/** A binding that records calls instead of touching the host's links. */
export interface RecordingBinding extends HostBinding {
  plugged: Map<string, PortToPlug>;
  bridges: Set<string>;
}

export function recordingBinding(): RecordingBinding {
  const plugged = new Map<string, PortToPlug>();
  const bridges = new Set<string>();
  return {
    plugged,
    bridges,
    async plug(port) {
      plugged.set(port.portId, port);
      bridges.add(port.networkId);
      return {
        containerInterface: `t_c${port.portId}`.slice(0, 14),
        hostInterface: `tap${port.portId}`.slice(0, 14),
      };
    },
    async unplug(portId) {
      plugged.delete(portId);
    },
    async removeStale(networkId, livePortIds) {
      const live = new Set(await livePortIds());
      for (const [portId, port] of plugged) {
        if (port.networkId === networkId && !live.has(portId)) {
          plugged.delete(portId);
        }
      }
    },
    async releaseBridge(networkId, livePortIds) {
      if (livePortIds !== undefined) {
        await this.removeStale(networkId, livePortIds);
      }
      const used = [...plugged.values()].some((port) => port.networkId === networkId);
      if (!used) {
        bridges.delete(networkId);
      }
    },
  };
}

/** Creates a logger that keeps its lines in memory, so test output stays readable. */
export function quietLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return Object.assign(createLogger({ level: "debug", destination: sink }), { lines });
}

export interface PluginUnderTest {
  app: FastifyInstance;
  binding: RecordingBinding;
  neutron: NeutronClient;
  config: KuryrConfig;
  /** The plugin's log lines (JSON text), debug level included. */
  logLines: string[];
  /** POSTs a plugin call the way Docker does: no Content-Type, raw JSON text. */
  call(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Builds the plugin app against a Neutron, reached in no-auth mode unless `access` is given. */
export async function startPlugin(
  neutronUrl: string,
  options: { access?: NeutronAccess; overrides?: Record<string, unknown> } = {},
): Promise<PluginUnderTest> {
  const config = loadKuryrConfig({
    env: {},
    overrides: { spec_file: "", socket_path: "", ...(options.overrides ?? {}) },
  });
  const access = options.access ?? noauthAccess(neutronUrl, "kuryr-tests", "admin");
  const binding = recordingBinding();
  const logger = quietLogger();
  const { app } = buildKuryrApp({ config, logger, access, binding });
  await app.ready();
  const neutron = new NeutronClient(access, 10);
  return {
    app,
    binding,
    neutron,
    config,
    logLines: logger.lines,
    async call(url, body) {
      const response = await app.inject({
        method: "POST",
        url,
        payload: requestText(body),
        headers: { accept: "application/vnd.docker.plugins.v1.2+json" },
      });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    },
    close: () => app.close(),
  };
}
