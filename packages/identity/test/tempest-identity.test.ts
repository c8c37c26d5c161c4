import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ADMIN_PASSWORD, type Harness, startHarness } from "./support/identity-harness.js";

const TEMPEST = "/usr/bin/tempest";
const run = promisify(execFile);

function skipReason(): string | false {
  if (process.env.OSTS_TEST_SLOW !== "1") {
    return "slow suite (about a minute); set OSTS_TEST_SLOW=1 to run tempest.api.identity.v3";
  }
  if (!existsSync(TEMPEST)) {
    return `${TEMPEST} is missing; install python3-tempest`;
  }
  return false;
}

/** tempest.conf for dynamic credentials against one Keystone-compatible endpoint. */
function tempestConf(workspace: string, identityUrl: string): string {
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
uri_v3 = ${identityUrl}
region = RegionOne
v3_endpoint_type = public
catalog_type = identity
admin_role = admin
default_domain_id = default

[identity-feature-enabled]
api_v2 = false
api_v3 = true
api_v2_admin = false
trust = false
application_credentials = true
access_rules = true
project_tags = false
security_compliance = false

[service_available]
barbican = false
neutron = false
nova = false
cinder = false
glance = false
swift = false

[validation]
run_validation = false
`;
}

function count(output: string, label: string): number {
  const match = new RegExp(`- ${label}: (\\d+)`).exec(output);
  return match === null ? -1 : Number(match[1]);
}

describe("tempest.api.identity.v3", { skip: skipReason() }, () => {
  let harness: Harness;
  let workspace: string;

  before(async () => {
    harness = await startHarness("sqlite");
    workspace = mkdtempSync(join(tmpdir(), "osts-tempest-"));
  });

  after(async () => {
    await harness.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("passes with dynamic credentials", { timeout: 15 * 60_000 }, async () => {
    const url = await harness.service.listen();
    // tempest keeps its list of workspaces under $HOME, so HOME points into the workspace.
    const env = { PATH: "/usr/bin:/bin", HOME: workspace };
    const name = `osts-${randomBytes(4).toString("hex")}`;
    await run(TEMPEST, ["init", "--name", name, join(workspace, "tempest")], { env });
    writeFileSync(
      join(workspace, "tempest", "etc", "tempest.conf"),
      tempestConf(workspace, `${url}/v3`),
    );

    let output: string;
    try {
      const result = await run(
        TEMPEST,
        ["run", "--regex", "^tempest.api.identity.v3", "--concurrency", "2"],
        { env, cwd: join(workspace, "tempest"), maxBuffer: 64 * 1024 * 1024 },
      );
      output = result.stdout;
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const failed = count(output, "Failed");
    const passed = count(output, "Passed");
    assert.equal(failed, 0, output.slice(-4000));
    assert.ok(passed >= 23, `only ${passed} tests passed:\n${output.slice(-4000)}`);
  });
});
