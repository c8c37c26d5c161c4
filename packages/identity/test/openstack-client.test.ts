import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ADMIN_PASSWORD, type Harness, startHarness } from "./support/identity-harness.js";

const OPENSTACK = "/usr/bin/openstack";
const run = promisify(execFile);
const skip = existsSync(OPENSTACK)
  ? false
  : `${OPENSTACK} is missing; install python3-openstackclient`;

describe("openstack client", { skip }, () => {
  let harness: Harness;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    harness = await startHarness("sqlite");
    const url = await harness.service.listen();
    env = {
      PATH: "/usr/bin:/bin",
      HOME: harness.folder,
      OS_AUTH_URL: `${url}/v3`,
      OS_USERNAME: "admin",
      OS_PASSWORD: ADMIN_PASSWORD,
      OS_PROJECT_NAME: "admin",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      OS_IDENTITY_API_VERSION: "3",
      OS_REGION_NAME: "RegionOne",
    };
  });

  after(async () => {
    await harness.close();
  });

  async function openstack(...args: string[]): Promise<unknown> {
    const { stdout } = await run(OPENSTACK, [...args, "-f", "json"], { env, timeout: 60_000 });
    return JSON.parse(stdout);
  }

  it("issues a token", async () => {
    const token = (await openstack("token", "issue")) as Record<string, string>;
    assert.ok((token.id ?? "").length > 0);
    assert.ok((token.project_id ?? "").length > 0);
    assert.ok((token.user_id ?? "").length > 0);
  });

  it("lists projects", async () => {
    const projects = (await openstack("project", "list")) as Array<{ Name: string }>;
    assert.deepEqual(projects.map((project) => project.Name).sort(), ["admin", "service"]);
  });

  it("creates a user and adds a role", async () => {
    const user = (await openstack(
      "user",
      "create",
      "--domain",
      "default",
      "--password",
      "mallory-pw",
      "mallory",
    )) as Record<string, string>;
    assert.equal(user.name, "mallory");
    assert.equal(user.domain_id, "default");

    const { stdout } = await run(
      OPENSTACK,
      ["role", "add", "--project", "admin", "--user", "mallory", "member"],
      { env, timeout: 60_000 },
    );
    assert.equal(stdout.trim(), "");
    const assignments = (await openstack(
      "role",
      "assignment",
      "list",
      "--user",
      "mallory",
      "--names",
    )) as Array<{ Role: string; Project: string }>;
    assert.deepEqual(
      assignments.map((assignment) => [assignment.Role, assignment.Project]),
      [["member", "admin@Default"]],
    );
  });

  it("reads the catalog", async () => {
    const catalog = (await openstack("catalog", "list")) as Array<{ Type: string }>;
    assert.deepEqual(catalog.map((service) => service.Type).sort(), [
      "identity",
      "key-manager",
      "network",
      "rca",
    ]);
  });
});
