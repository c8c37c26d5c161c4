import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadKuryrConfig } from "../src/config.js";
import { createKuryrService } from "../src/kuryr-service.js";
import { noauthAccess } from "../src/neutron/neutron-access.js";
import { quietLogger } from "./support/plugin-harness.js";

const folder = mkdtempSync(join(tmpdir(), "kuryr-listener-"));
after(() => rmSync(folder, { recursive: true, force: true }));

function postOverSocket(
  socketPath: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ socketPath, path, method: "POST" }, (incoming) => {
      let body = "";
      incoming.on("data", (chunk) => {
        body += chunk;
      });
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

test("socket, TCP and spec file", async () => {
  const socketPath = join(folder, "plugins", "kuryr.sock");
  const specFile = join(folder, "spec", "kuryr.spec");
  const config = loadKuryrConfig({
    env: {},
    overrides: { "listen.port": 0, socket_path: socketPath, spec_file: specFile },
  });
  const service = await createKuryrService(
    config,
    { logger: quietLogger() },
    { access: noauthAccess("http://127.0.0.1:9", "p", "admin") },
  );
  const url = await service.listen();
  try {
    assert.equal(readFileSync(specFile, "utf8").trim(), url);
    const overSocket = await postOverSocket(socketPath, "/Plugin.Activate");
    assert.equal(overSocket.status, 200);
    assert.deepEqual(JSON.parse(overSocket.body), { Implements: ["NetworkDriver", "IpamDriver"] });
    const overTcp = await fetch(`${url}/IpamDriver.GetCapabilities`, { method: "POST" });
    assert.equal(overTcp.headers.get("content-type"), "application/vnd.docker.plugins.v1+json");
    assert.equal(
      ((await overTcp.json()) as { RequiresMACAddress: boolean }).RequiresMACAddress,
      false,
    );
  } finally {
    await service.close();
  }
  assert.equal(existsSync(socketPath), false, "the socket is removed");
  assert.equal(existsSync(specFile), false, "the spec file is removed");
});

test("json spec file", async () => {
  const specFile = join(folder, "kuryr.json");
  const config = loadKuryrConfig({
    env: {},
    overrides: { "listen.port": 0, socket_path: "", spec_file: specFile },
  });
  const service = await createKuryrService(
    config,
    { logger: quietLogger() },
    { access: noauthAccess("http://127.0.0.1:9", "p", "admin") },
  );
  const url = await service.listen();
  try {
    assert.deepEqual(JSON.parse(readFileSync(specFile, "utf8")), { Name: "kuryr", Addr: url });
  } finally {
    await service.close();
  }
});
