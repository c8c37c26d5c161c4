// Runs one network service process for the tests that need several processes on one database.
// The database URL comes from OSTS_NETWORK_TEST_DATABASE; the process prints its base URL as one
// JSON line on standard output and serves until it receives SIGTERM.
import { createLogger, MemoryBus } from "@openstack-ts/kernel";
import { createNetworkService, loadNetworkConfig } from "../../src/index.js";

const databaseUrl = process.env.OSTS_NETWORK_TEST_DATABASE;
if (databaseUrl === undefined) {
  console.error("OSTS_NETWORK_TEST_DATABASE is not set");
  process.exit(2);
}
const config = loadNetworkConfig({
  env: {},
  overrides: { "listen.port": 0, "database.url": databaseUrl, "auth.mode": "noauth" },
});
const service = await createNetworkService(config, {
  logger: createLogger({ level: process.env.OSTS_TEST_LOG_LEVEL ?? "silent" }),
  bus: new MemoryBus(),
});
const url = await service.listen();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on("SIGTERM", () => {
  void service.close().then(() => process.exit(0));
});
