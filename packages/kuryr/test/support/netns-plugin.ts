/**
 * Runs the plugin the way `openstack-ts serve kuryr` does, configured by `OSTS_KURYR__*`
 * variables, inside the test network namespace. Writes `{url}` to the ready file given as the
 * first argument once it listens, and closes cleanly on SIGTERM.
 */
import { writeFileSync } from "node:fs";
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { kuryrModule } from "../../src/kuryr-service.js";

const [readyFile] = process.argv.slice(2);
if (readyFile === undefined) {
  throw new Error("usage: netns-plugin.ts <ready file>");
}
const config = kuryrModule.loadConfig({ env: process.env });
const logger = createLogger({ service: "kuryr", level: "debug" });
const service = await kuryrModule.create(config, { logger, bus: new MemoryBus() });
const url = await service.listen();
writeFileSync(readyFile, JSON.stringify({ url }));
process.on("SIGTERM", () => {
  void service.close().finally(() => process.exit(0));
});
