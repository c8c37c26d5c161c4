import { startStack } from "./stack.js";

/**
 * `npm start`: runs the stack until SIGINT or SIGTERM, printing the service URLs and the openrc
 * file to source. A second signal while stopping exits at once.
 */
async function main(): Promise<void> {
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack();
  } catch (error) {
    process.stderr.write(`openstack-ts stack failed to start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }

  const width = Math.max(...stack.services.map((service) => service.name.length));
  const lines = [
    "",
    "openstack-ts is running:",
    ...stack.services.map(
      (service) =>
        `  ${service.name.padEnd(width)}  ${service.url}${service.catalogType === "identity" ? "/v3" : ""}`,
    ),
    "",
    `Credentials of the admin user are in ${stack.openrcPath} (mode 0600). Load them with:`,
    `  source ${stack.openrcPath}`,
    "then run, for example: openstack token issue",
    `Data lives in ${stack.dataDir}. Stop with Ctrl+C.`,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} received again; exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    stack
      .stop()
      .then(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        // Every service closed its sockets, pools and timers, so the process ends by itself. This
        // unreferenced timer fires only if something still keeps the event loop running.
        setTimeout(() => {
          process.stderr.write("handles still open 10 s after stopping; exiting\n");
          process.exit(1);
        }, 10_000).unref();
      })
      .catch((error: Error) => {
        process.stderr.write(`stopping the stack failed: ${error.message}\n`);
        process.exitCode = 1;
      });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

await main();
