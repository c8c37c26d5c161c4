import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type IdentityServiceInstance, identityModule } from "@openstack-ts/identity";
import { createLogger, issueToken, MemoryBus } from "@openstack-ts/kernel";
import { createTestDatabase, type TestDatabase } from "@openstack-ts/kernel/testing";
import { startKeyManager, type TestKeyManager } from "./helpers.js";

const TEMPEST = "/usr/bin/tempest";
const PLUGIN = "/usr/lib/python3/dist-packages/barbican_tempest_plugin";
const ADMIN_PASSWORD = "tempest-admin-password";
const run = promisify(execFile);

/** Roles the plugin's credentials use; tempest itself creates only `member`. */
const ROLES = [
  "member",
  "reader",
  "admin",
  "key-manager:service-admin",
  "creator",
  "observer",
  "audit",
];

function skipReason(): string | false {
  if (process.env.OSTS_TEST_SLOW !== "1") {
    return "slow suite (about four minutes); set OSTS_TEST_SLOW=1 to run barbican-tempest-plugin";
  }
  if (!existsSync(TEMPEST) || !existsSync(PLUGIN)) {
    return "tempest or the plugin is missing; install python3-tempest and barbican-tempest-plugin";
  }
  return false;
}

/**
 * tempest.conf for dynamic credentials. `rbac` turns on the plugin's RBAC tests, which need the
 * key manager to enforce new defaults and scopes.
 */
function tempestConf(workspace: string, identityUrl: string, rbac: boolean): string {
  return `[DEFAULT]
log_dir = ${workspace}/logs
log_file = tempest.log

[oslo_concurrency]
lock_path = ${workspace}/lock

[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = ${ADMIN_PASSWORD}
admin_project_name = admin
admin_domain_name = Default
admin_user_domain_name = Default
admin_project_domain_name = Default
default_credentials_domain_name = Default
create_isolated_networks = false
tempest_roles =

[identity]
auth_version = v3
uri_v3 = ${identityUrl}/v3
region = RegionOne
v3_endpoint_type = public
catalog_type = identity
admin_role = admin
default_domain_id = default

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
barbican = true
neutron = false
nova = false
cinder = false
glance = false
swift = false

[key_manager]
min_microversion = 1.0
max_microversion = 1.1

[barbican_tempest]
enable_multiple_secret_stores = false

[barbican_rbac_scope_verification]
enforce_scope = ${rbac}

[enforce_scope]
barbican = ${rbac}

[validation]
run_validation = false
`;
}

function count(output: string, label: string): number {
  const match = new RegExp(`- ${label}: (\\d+)`).exec(output);
  return match === null ? -1 : Number(match[1]);
}

describe("barbican-tempest-plugin", { skip: skipReason() }, () => {
  let database: TestDatabase;
  let folder: string;
  let identity: IdentityServiceInstance;
  let identityUrl: string;

  before(async () => {
    database = await createTestDatabase("sqlite");
    folder = mkdtempSync(join(tmpdir(), "osts-tempest-km-"));
    const config = identityModule.loadConfig({
      env: {},
      overrides: {
        "database.url": database.url,
        "bootstrap.admin_password": ADMIN_PASSWORD,
        "bootstrap.password_file": join(folder, "passwords.json"),
        "credential.key_file": join(folder, "credential.key"),
        "token.cleanup_interval_seconds": 0,
        "log.level": "silent",
        "listen.port": 0,
      },
    });
    identity = await identityModule.create(config, {
      logger: createLogger({ level: "silent" }),
      bus: new MemoryBus(),
    });
    identityUrl = await identity.listen();
    await createRoles(identityUrl);
  });

  after(async () => {
    await identity?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  /** Starts a key manager validating tokens in process and puts it in the catalog. */
  async function startBarbican(rbac: boolean): Promise<TestKeyManager> {
    const km = await startKeyManager(
      "sqlite",
      {
        "auth.mode": "keystone",
        host_href: "",
        "policy.enforce_new_defaults": rbac,
        "policy.enforce_scope": rbac,
      },
      identity.tokenValidator,
    );
    identity.setCatalogEndpoint("key-manager", "barbican", await km.service.listen());
    return km;
  }

  async function runTempest(regex: string, rbac: boolean): Promise<string> {
    const workspace = join(folder, `ws-${rbac ? "rbac" : "api"}`);
    // tempest keeps its list of workspaces under $HOME, so HOME points into the folder.
    const env = { PATH: "/usr/bin:/bin", HOME: folder };
    const name = `osts-${randomBytes(4).toString("hex")}`;
    await run(TEMPEST, ["init", "--name", name, workspace], { env });
    writeFileSync(
      join(workspace, "etc", "tempest.conf"),
      tempestConf(workspace, identityUrl, rbac),
    );
    try {
      const result = await run(TEMPEST, ["run", "--regex", regex, "--concurrency", "2"], {
        env,
        cwd: workspace,
        maxBuffer: 64 * 1024 * 1024,
      });
      return result.stdout;
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  }

  it("api tests pass with legacy policy", { timeout: 15 * 60_000 }, async () => {
    const km = await startBarbican(false);
    try {
      const output = await runTempest("^barbican_tempest_plugin.tests.api", false);
      assert.equal(count(output, "Failed"), 0, output.slice(-4000));
      assert.equal(count(output, "Passed"), 13, output.slice(-4000));
    } finally {
      await km.close();
    }
  });

  it("rbac tests pass with new defaults and scopes", { timeout: 20 * 60_000 }, async () => {
    const km = await startBarbican(true);
    try {
      const output = await runTempest("^barbican_tempest_plugin.tests.rbac", true);
      assert.equal(count(output, "Failed"), 0, output.slice(-4000));
      // Three secret-store classes skip while the plugin's multiple-stores option is off.
      assert.ok(count(output, "Passed") >= 291, output.slice(-4000));
    } finally {
      await km.close();
    }
  });
});

/** Creates the roles the plugin needs, as an operator would before running it. */
async function createRoles(identityUrl: string): Promise<void> {
  const { value: token } = await issueToken({
    authUrl: identityUrl,
    username: "admin",
    password: ADMIN_PASSWORD,
    projectName: "admin",
    userDomainName: "Default",
    projectDomainName: "Default",
  });
  const headers = { "x-auth-token": token, "content-type": "application/json" };
  const listed = await fetch(`${identityUrl}/v3/roles`, { headers });
  const existing = new Set(
    ((await listed.json()) as { roles: { name: string }[] }).roles.map((role) => role.name),
  );
  for (const name of ROLES.filter((role) => !existing.has(role))) {
    const created = await fetch(`${identityUrl}/v3/roles`, {
      method: "POST",
      headers,
      body: JSON.stringify({ role: { name } }),
    });
    assert.equal(created.status, 201, `creating role ${name}`);
  }
}
