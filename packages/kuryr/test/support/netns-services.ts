/**
 * Runs a Neutron on loopback inside the test network namespace, with a Unix socket proxy to it
 * so that the test process in the host namespace can inspect Neutron. The Neutron is the network
 * service when its package exports its module, else the in-memory double. Writes `{url, backend}` to the ready file
 * given as the second argument and stops on SIGTERM.
 */
import { writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { neutronBackends } from "./neutron-backends.js";

const [proxyPath, readyFile] = process.argv.slice(2);
if (proxyPath === undefined || readyFile === undefined) {
  throw new Error("usage: netns-neutron.ts <proxy socket> <ready file>");
}
const [backend] = neutronBackends();
if (backend === undefined) {
  throw new Error("no Neutron backend available");
}
const neutron = await backend.start();
const target = new URL(neutron.url);
const proxy = createServer((client) => {
  const upstream = connect(Number(target.port), target.hostname);
  client.pipe(upstream).pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
proxy.listen(proxyPath, () => {
  writeFileSync(readyFile, JSON.stringify({ url: neutron.url, backend: backend.name }));
});
process.on("SIGTERM", () => {
  proxy.close();
  void neutron.close().finally(() => process.exit(0));
});
