import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  createLogger,
  MemoryBus,
  type ServiceCredentials,
  type ServiceDependencies,
  type ServiceInstance,
} from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { createKeyManagerService, loadKeyManagerConfig } from "@openstack-ts/key-manager";

const OPENSTACK = "/usr/bin/openstack";
const BARBICAN = "/usr/bin/barbican";
const PASSPHRASE = "Be77erPa$$phrazE";
const ROOT = resolve(import.meta.dirname, "../../..");

const missingClients = !existsSync(OPENSTACK) || !existsSync(BARBICAN);
const skipReason = missingClients
  ? "real clients missing: install python3-openstackclient and python3-barbicanclient"
  : false;

/** The parts of the identity service this suite uses. */
interface IdentityInstance extends ServiceInstance {
  setCatalogEndpoint(type: string, name: string, url: string): void;
  adminCredentials(): ServiceCredentials;
  serviceCredentials(): ServiceCredentials;
  readonly region: string;
}

interface IdentityPackage {
  loadIdentityConfig(options: {
    env: NodeJS.ProcessEnv;
    overrides: Record<string, unknown>;
  }): unknown;
  createIdentityService(
    config: unknown,
    dependencies: ServiceDependencies,
  ): Promise<IdentityInstance>;
}

/** Loads the identity package, or returns the reason it cannot be used. */
async function loadIdentity(): Promise<IdentityPackage | string> {
  const name = "@openstack-ts/identity";
  try {
    const loaded = (await import(name)) as Partial<IdentityPackage>;
    if (
      typeof loaded.createIdentityService !== "function" ||
      typeof loaded.loadIdentityConfig !== "function"
    ) {
      return "the identity package does not export createIdentityService yet";
    }
    return loaded as IdentityPackage;
  } catch (error) {
    return `the identity package cannot be loaded: ${(error as Error).message}`;
  }
}

/**
 * Runs a bash script with a clean environment, Debian's python first on PATH. The child runs
 * asynchronously, because the services it talks to run in this process.
 */
function bash(
  script: string,
  folder: string,
  extraPath = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("/bin/bash", ["-c", script], {
      cwd: folder,
      env: { PATH: `${extraPath}/usr/bin:/bin`, HOME: folder, LANG: "C.UTF-8" },
      timeout: 600_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** Writes an `openstack-ts` command that runs the CLI from source, and returns its folder. */
function openstackTsOnPath(folder: string): string {
  const bin = join(folder, "bin");
  mkdirSync(bin, { recursive: true });
  const script = join(bin, "openstack-ts");
  writeFileSync(
    script,
    `#!/bin/sh\ncd "${ROOT}" && exec "${process.execPath}" --import tsx --conditions=source "${ROOT}/packages/cli/src/main.ts" "$@"\n`,
  );
  chmodSync(script, 0o755);
  return `${bin}:`;
}

async function startKeyManager(
  database: TestDatabase,
  folder: string,
  overrides: Record<string, unknown>,
): Promise<{ service: ServiceInstance; url: string }> {
  const config = loadKeyManagerConfig({
    env: {},
    overrides: {
      "database.url": database.url,
      "listen.port": 0,
      "crypto.master_key_file": join(folder, "master-keys.json"),
      ...overrides,
    },
  });
  const service = await createKeyManagerService(config, {
    logger: createLogger({ level: "silent" }),
    bus: new MemoryBus(),
  });
  return { service, url: await service.listen() };
}

describe("barbican client without auth", { skip: skipReason }, () => {
  let database: TestDatabase;
  let service: ServiceInstance;
  let url: string;
  let folder: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "osts-e2e-noauth-"));
    database = await createTestDatabase("sqlite");
    ({ service, url } = await startKeyManager(database, folder, { "auth.mode": "noauth" }));
  });
  after(async () => {
    await service.close();
    await database.drop();
  });

  test("store, get, list and delete", async () => {
    const barbican = `${BARBICAN} --no-auth --endpoint ${url} --os-project-id e2e-project`;
    const flow = await bash(
      [
        "set -e",
        `REF=$(${barbican} secret store --name passphrase --payload '${PASSPHRASE}' -c 'Secret href' -f value)`,
        'echo "ref=$REF"',
        `echo "payload=$(${barbican} secret get --payload "$REF" -c Payload -f value)"`,
        `echo "listed=$(${barbican} secret list -c Name -f value)"`,
        `${barbican} secret delete "$REF"`,
        `if ${barbican} secret get "$REF" >/dev/null 2>&1; then echo still-there; else echo deleted; fi`,
      ].join("\n"),
      folder,
    );
    assert.equal(flow.code, 0, flow.stderr);
    assert.match(flow.stdout, new RegExp(`ref=${url}/v1/secrets/[0-9a-f-]{36}`));
    assert.match(flow.stdout, /payload=Be77erPa\$\$phrazE\n/);
    assert.match(flow.stdout, /listed=passphrase\n/);
    assert.match(flow.stdout, /\ndeleted\n/);
  });
});

describe("clients through Keystone", { skip: skipReason }, () => {
  let identityService: IdentityInstance | undefined;
  let keyManager: ServiceInstance | undefined;
  let databases: TestDatabase[] = [];
  let folder: string;
  let keyManagerUrl: string;
  let identityUrl: string;
  let unavailable: string | undefined;

  before(async () => {
    const identity = await loadIdentity();
    if (typeof identity === "string") {
      unavailable = identity;
      return;
    }
    folder = mkdtempSync(join(tmpdir(), "osts-e2e-keystone-"));
    const identityDatabase = await createTestDatabase("sqlite");
    const keyManagerDatabase = await createTestDatabase("sqlite");
    databases = [identityDatabase, keyManagerDatabase];
    const identityConfig = identity.loadIdentityConfig({
      env: {},
      overrides: {
        "database.url": identityDatabase.url,
        "listen.port": 0,
        "bootstrap.admin_password": "e2e-admin-password",
        "bootstrap.service_password": "e2e-service-password",
        "bootstrap.password_file": join(folder, "passwords.json"),
        "credential.key_file": join(folder, "credential.key"),
        "log.level": "silent",
      },
    });
    identityService = await identity.createIdentityService(identityConfig, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
    });
    identityUrl = await identityService.listen();
    const credentials = identityService.serviceCredentials();
    const started = await startKeyManager(keyManagerDatabase, folder, {
      "auth.mode": "keystone",
      "auth.auth_url": `${identityUrl}/v3`,
      "auth.username": credentials.username,
      "auth.password": credentials.password,
      "auth.project_name": credentials.projectName,
    });
    keyManager = started.service;
    keyManagerUrl = started.url;
    identityService.setCatalogEndpoint("key-manager", "barbican", keyManagerUrl);
    const admin = identityService.adminCredentials();
    writeFileSync(
      join(folder, "openrc"),
      [
        `export OS_AUTH_URL=${identityUrl}/v3`,
        `export OS_USERNAME=${admin.username}`,
        `export OS_PASSWORD='${admin.password}'`,
        `export OS_PROJECT_NAME=${admin.projectName}`,
        `export OS_USER_DOMAIN_NAME=${admin.userDomainName}`,
        `export OS_PROJECT_DOMAIN_NAME=${admin.projectDomainName}`,
        `export OS_REGION_NAME=${identityService.region}`,
        "export OS_IDENTITY_API_VERSION=3",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await keyManager?.close();
    await identityService?.close();
    for (const database of databases) {
      await database.drop();
    }
  });

  test("openstack secret store and get", async (context) => {
    if (unavailable !== undefined) {
      context.skip(unavailable);
      return;
    }
    const flow = await bash(
      [
        "set -e",
        "source openrc",
        `SECRET_REF=$(openstack secret store --secret-type passphrase --name "passphrase" --payload '${PASSPHRASE}' -c 'Secret href' -f value)`,
        "PASSPHRASE=$(openstack secret get --payload $SECRET_REF -c Payload -f value)",
        'echo "ref=$SECRET_REF"',
        'echo "passphrase=$PASSPHRASE"',
      ].join("\n"),
      folder,
    );
    assert.equal(flow.code, 0, flow.stderr);
    assert.match(flow.stdout, new RegExp(`ref=${keyManagerUrl}/v1/secrets/`));
    assert.match(flow.stdout, /passphrase=Be77erPa\$\$phrazE\n/);
  });

  test("barbican list, get and delete with a token", async (context) => {
    if (unavailable !== undefined) {
      context.skip(unavailable);
      return;
    }
    const flow = await bash(
      [
        "set -e",
        "source openrc",
        `REF=$(openstack secret store --name listed --payload '${PASSPHRASE}' -c 'Secret href' -f value)`,
        'B="barbican --os-auth-url $OS_AUTH_URL --os-username $OS_USERNAME --os-password $OS_PASSWORD --os-project-name $OS_PROJECT_NAME --os-user-domain-name Default --os-project-domain-name Default"',
        'echo "listed=$($B secret list --name listed -c Name -f value)"',
        'echo "got=$($B secret get "$REF" -c Name -f value)"',
        '$B secret delete "$REF"',
        'if $B secret get "$REF" >/dev/null 2>&1; then echo still-there; else echo deleted; fi',
      ].join("\n"),
      folder,
    );
    assert.equal(flow.code, 0, flow.stderr);
    assert.match(flow.stdout, /listed=listed\n/);
    assert.match(flow.stdout, /got=listed\n/);
    assert.match(flow.stdout, /\ndeleted\n/);
  });

  test("openstack-ts flow verbatim", async (context) => {
    if (unavailable !== undefined) {
      context.skip(unavailable);
      return;
    }
    const flow = await bash(
      [
        "set -e",
        "source openrc",
        `SECRET_REF=$(openstack-ts secret store --secret-type passphrase --name "passphrase" \\`,
        `  --payload '${PASSPHRASE}' -c secret_ref -f value)`,
        "PASSPHRASE=$(openstack-ts secret get --payload $SECRET_REF -c payload -f value)",
        'echo "ref=$SECRET_REF"',
        'echo "passphrase=$PASSPHRASE"',
        'echo "by-openstack=$(openstack secret get --payload $SECRET_REF -c Payload -f value)"',
      ].join("\n"),
      folder,
      openstackTsOnPath(folder),
    );
    assert.equal(flow.code, 0, flow.stderr);
    assert.match(flow.stdout, new RegExp(`ref=${keyManagerUrl}/v1/secrets/`));
    assert.match(flow.stdout, /passphrase=Be77erPa\$\$phrazE\n/);
    assert.match(flow.stdout, /by-openstack=Be77erPa\$\$phrazE\n/);
  });

  test("invalid token gets 401 with WWW-Authenticate", async (context) => {
    if (unavailable !== undefined) {
      context.skip(unavailable);
      return;
    }
    const response = await fetch(`${keyManagerUrl}/v1/secrets`, {
      headers: { "x-auth-token": "not-a-token" },
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), `Keystone uri="${identityUrl}"`);
    const body = (await response.json()) as { error: { code: number } };
    assert.equal(body.error.code, 401);
    const anonymous = await fetch(`${keyManagerUrl}/v1/secrets`);
    assert.equal(anonymous.status, 401);
    const versions = await fetch(`${keyManagerUrl}/`);
    assert.equal(versions.status, 300);
  });
});
