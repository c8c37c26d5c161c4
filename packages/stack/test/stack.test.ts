import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, issueToken } from "@openstack-ts/kernel";
import { type RunningStack, startStack } from "../src/index.js";

/** Environment of a stack under test: fast password hashing, quiet logs, nothing from the host. */
const TEST_ENV: NodeJS.ProcessEnv = {
  OSTS_IDENTITY__PASSWORD__SCRYPT_COST: "1024",
  OSTS_IDENTITY__LOG__LEVEL: "silent",
  OSTS_KEY_MANAGER__LOG__LEVEL: "silent",
  OSTS_NETWORK__LOG__LEVEL: "silent",
};

function parseOpenrc(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.trim().split("\n")) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    assert.ok(match !== null, `unexpected openrc line: ${line}`);
    const [, name, raw] = match as unknown as [string, string, string];
    variables[name] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll("'\\''", "'") : raw;
  }
  return variables;
}

/** Counts the handles that keep the event loop alive and that a stack could leak. */
function serviceHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === "TCPServerWrap" || name === "TCPSocketWrap" || name === "Timeout")
    .length;
}

describe("stack", () => {
  let folder: string;
  let stack: RunningStack;
  let handlesBefore: number;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "osts-stack-"));
    handlesBefore = serviceHandles();
    stack = await startStack({
      dataDir: folder,
      freePorts: true,
      env: TEST_ENV,
      logger: createLogger({ level: "silent" }),
    });
  });

  after(async () => {
    await stack.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("binds free ports on loopback", () => {
    const names = stack.services.map((service) => service.name);
    assert.equal(names[0], "identity");
    for (const service of stack.services) {
      const port = Number(new URL(service.url).port);
      assert.ok(port > 0, `${service.name} bound ${service.url}`);
      assert.notEqual(port, 5000);
      assert.equal(new URL(service.url).hostname, "127.0.0.1");
    }
  });

  it("runs every service of the stack", async () => {
    const names = stack.services.map((service) => service.name);
    assert.deepEqual(names, ["identity", "key-manager", "network", "rca"]);
    const network = stack.services.find((service) => service.catalogType === "network");
    assert.ok(network !== undefined);
    const reply = await fetch(`${network.url}/v2.0/networks`);
    assert.equal(reply.status, 401);
  });

  it("announces the bound identity URL", async () => {
    const identityUrl = stack.services[0]?.url;
    const paths: Record<string, string> = {
      "key-manager": "/v1/secrets",
      network: "/v2.0/networks",
      rca: "/v1/alarm?vitrage_id=all",
    };
    for (const service of stack.services.slice(1)) {
      const reply = await fetch(`${service.url}${paths[service.name] ?? "/"}`);
      assert.equal(reply.status, 401, `${service.name} accepted a request without a token`);
      const announced = /^Keystone uri="([^"]+)"$/.exec(
        reply.headers.get("www-authenticate") ?? "",
      );
      assert.ok(announced !== null, `${service.name} sent no Keystone WWW-Authenticate header`);
      assert.equal(announced[1]?.replace(/\/v3$/, ""), identityUrl, service.name);
    }
  });

  it("writes openrc with mode 0600", () => {
    assert.equal(stack.openrcPath, join(folder, "openrc"));
    assert.equal(statSync(stack.openrcPath).mode & 0o777, 0o600);
    const variables = parseOpenrc(readFileSync(stack.openrcPath, "utf8"));
    const identityUrl = stack.services[0]?.url;
    assert.equal(variables.OS_AUTH_URL, `${identityUrl}/v3`);
    assert.equal(variables.OS_USERNAME, "admin");
    assert.equal(variables.OS_PASSWORD, stack.adminCredentials.password);
    assert.ok((variables.OS_PASSWORD ?? "").length >= 16);
    assert.equal(variables.OS_PROJECT_NAME, "admin");
    assert.equal(variables.OS_USER_DOMAIN_NAME, "Default");
    assert.equal(variables.OS_PROJECT_DOMAIN_NAME, "Default");
    assert.equal(variables.OS_IDENTITY_API_VERSION, "3");
    assert.equal(variables.OS_REGION_NAME, "RegionOne");
  });

  it("keeps data in the data folder", () => {
    assert.ok(statSync(join(folder, "identity.sqlite")).isFile());
    assert.equal(statSync(join(folder, "identity-passwords.json")).mode & 0o777, 0o600);
  });

  it("issues a token from openrc credentials", async () => {
    const variables = parseOpenrc(readFileSync(stack.openrcPath, "utf8"));
    const issued = await issueToken({
      authUrl: variables.OS_AUTH_URL ?? "",
      username: variables.OS_USERNAME ?? "",
      password: variables.OS_PASSWORD ?? "",
      projectName: variables.OS_PROJECT_NAME ?? "",
      userDomainName: variables.OS_USER_DOMAIN_NAME ?? "",
      projectDomainName: variables.OS_PROJECT_DOMAIN_NAME ?? "",
    });
    assert.ok(issued.value.length > 0);
    assert.equal(issued.body.project?.name, "admin");

    const catalog = issued.body.catalog as Array<{
      type: string;
      endpoints: Array<{ url: string; interface: string; region: string }>;
    }>;
    for (const service of stack.services) {
      if (service.catalogType === undefined) {
        continue;
      }
      const entry = catalog.find((candidate) => candidate.type === service.catalogType);
      assert.ok(entry !== undefined, `catalog lacks ${service.catalogType}`);
      const expected = service.catalogType === "identity" ? `${service.url}/v3` : service.url;
      for (const endpoint of entry.endpoints) {
        assert.equal(endpoint.url, expected);
        assert.equal(endpoint.region, "RegionOne");
      }
    }
  });

  it("lets services validate identity tokens", async () => {
    const keyManager = stack.services.find((service) => service.name === "key-manager");
    if (keyManager === undefined) {
      return;
    }
    const issued = await issueToken(stack.adminCredentials);
    const accepted = await fetch(`${keyManager.url}/v1/secrets`, {
      headers: { "x-auth-token": issued.value, accept: "application/json" },
    });
    assert.equal(accepted.status, 200);
    const rejected = await fetch(`${keyManager.url}/v1/secrets`, {
      headers: { "x-auth-token": "not-a-token", accept: "application/json" },
    });
    assert.equal(rejected.status, 401);
  });

  it("stops without leaving handles open", async () => {
    await stack.stop();
    await stack.stop();
    for (const service of stack.services) {
      await assert.rejects(fetch(service.url), `${service.name} still answers after stop`);
    }
    // Client sockets of fetch close shortly after the servers are gone.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(serviceHandles() <= handlesBefore, process.getActiveResourcesInfo().join(", "));
  });
});

const AMQP_URL = process.env.OSTS_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/";

/** Runs a stack in a child process, stops it, and returns how the process ended. */
async function runAndStop(env: NodeJS.ProcessEnv) {
  const folder = mkdtempSync(join(tmpdir(), "osts-stack-exit-"));
  const script = [
    'import { createLogger, issueToken } from "@openstack-ts/kernel";',
    'import { startStack } from "@openstack-ts/stack";',
    `const stack = await startStack({ dataDir: ${JSON.stringify(folder)}, freePorts: true,`,
    `  env: ${JSON.stringify(env)}, logger: createLogger({ level: "silent" }) });`,
    "await issueToken(stack.adminCredentials);",
    "await stack.stop();",
  ].join("\n");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", "--input-type=module", "--eval", script],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);
  rmSync(folder, { recursive: true, force: true });
  return { code, signal, stderr };
}

describe("stack process", () => {
  it("exits by itself after stop", async () => {
    const { code, signal, stderr } = await runAndStop(TEST_ENV);
    assert.equal(signal, null, "the process had to be killed: something kept it running");
    assert.equal(code, 0, stderr);
  });

  it("exits by itself on the RabbitMQ bus", async () => {
    const { code, signal, stderr } = await runAndStop({
      ...TEST_ENV,
      OSTS_STACK__BUS__URL: AMQP_URL,
    });
    assert.equal(signal, null, "the process had to be killed: something kept it running");
    assert.equal(code, 0, stderr);
  });
});

describe("stack restart", () => {
  it("keeps networks in the RCA graph", async (context) => {
    const folder = mkdtempSync(join(tmpdir(), "osts-stack-restart-"));
    context.after(() => rmSync(folder, { recursive: true, force: true }));
    const start = () =>
      startStack({
        dataDir: folder,
        freePorts: true,
        env: { ...TEST_ENV, OSTS_RCA__LOG__LEVEL: "silent" },
        logger: createLogger({ level: "silent" }),
      });
    const serviceUrl = (running: RunningStack, name: string) => {
      const url = running.services.find((service) => service.name === name)?.url;
      assert.ok(url !== undefined, `the stack runs no ${name} service`);
      return url;
    };

    let stack = await start();
    let networkId: string;
    try {
      const token = (await issueToken(stack.adminCredentials)).value;
      const created = await fetch(`${serviceUrl(stack, "network")}/v2.0/networks`, {
        method: "POST",
        headers: { "x-auth-token": token, "content-type": "application/json" },
        body: JSON.stringify({ network: { name: "kept-after-restart" } }),
      });
      assert.equal(created.status, 201);
      networkId = ((await created.json()) as { network: { id: string } }).network.id;
    } finally {
      await stack.stop();
    }

    // The second stack learns of the network only from a listing, because no change event
    // reaches it.
    stack = await start();
    try {
      const rcaUrl = serviceUrl(stack, "rca");
      const token = (await issueToken(stack.adminCredentials)).value;
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) {
        status = (await fetch(`${rcaUrl}/v1/status`, { headers: { "x-auth-token": token } }))
          .status;
        if (status !== 200) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.equal(status, 200, "RCA never applied its initial listings");
      const listed = await fetch(
        `${rcaUrl}/v1/resources?resource_type=neutron.network&all_tenants=true`,
        { headers: { "x-auth-token": token } },
      );
      assert.equal(listed.status, 200);
      const resources = (await listed.json()) as Array<{ id: string; name?: string }>;
      const ids = resources.map((resource) => resource.id);
      assert.ok(ids.includes(networkId), `neutron.network vertices: ${JSON.stringify(resources)}`);
    } finally {
      await stack.stop();
    }
  });
});
