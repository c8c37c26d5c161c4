// Runs the project's network service in its own process for the RCA network datasource test,
// the way the RCA service meets it in production: over HTTP and a RabbitMQ exchange. The test
// passes the settings in environment variables and reads the URL from the first output line.
import { AmqpBus, createLogger } from "@openstack-ts/kernel";
import { loadNetworkConfig, networkModule } from "@openstack-ts/network";

const logger = createLogger({ level: "warn" });
const bus = await AmqpBus.connect(process.env.RCA_TEST_AMQP_URL ?? "", {
  exchange: process.env.RCA_TEST_EXCHANGE ?? "openstack-ts",
  logger,
});
const config = loadNetworkConfig({
  env: {},
  overrides: {
    "listen.port": 0,
    "database.url": process.env.RCA_TEST_DATABASE_URL,
    "auth.mode": "noauth",
  },
});
const service = await networkModule.create(config, { logger, bus });
process.stdout.write(`${await service.listen()}\n`);
process.once("SIGTERM", async () => {
  await service.close();
  await bus.close();
  process.exit(0);
});
