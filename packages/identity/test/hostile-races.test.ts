import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Database, openDatabase } from "@openstack-ts/kernel";
import { testDialects } from "@openstack-ts/kernel/testing";
import { sql } from "kysely";
import type { IdentitySchema } from "../src/index.js";
import { type Harness, type Reply, startHarness } from "./support/identity-harness.js";

/**
 * Queries that count rows pointing at a row that no longer exists. Each must return 0 rows
 * after any race; the tables have no foreign keys for these references.
 */
const ORPHAN_QUERIES: Record<string, string> = {
  "grant to a missing user": `select 1 from identity_role_assignments a where a.actor_type = 'user'
    and not exists (select 1 from identity_users u where u.id = a.actor_id)`,
  "grant to a missing group": `select 1 from identity_role_assignments a where a.actor_type = 'group'
    and not exists (select 1 from identity_groups g where g.id = a.actor_id)`,
  "grant on a missing project": `select 1 from identity_role_assignments a where a.target_type = 'project'
    and not exists (select 1 from identity_projects p where p.id = a.target_id)`,
  "grant on a missing domain": `select 1 from identity_role_assignments a where a.target_type = 'domain'
    and not exists (select 1 from identity_domains d where d.id = a.target_id)`,
  "grant of a missing role": `select 1 from identity_role_assignments a
    where not exists (select 1 from identity_roles r where r.id = a.role_id)`,
  "member that is a missing user": `select 1 from identity_group_members m
    where not exists (select 1 from identity_users u where u.id = m.user_id)`,
  "member of a missing group": `select 1 from identity_group_members m
    where not exists (select 1 from identity_groups g where g.id = m.group_id)`,
  "role of a missing domain": `select 1 from identity_roles r where r.domain_id <> ''
    and not exists (select 1 from identity_domains d where d.id = r.domain_id)`,
  "implication of a missing role": `select 1 from identity_implied_roles i
    where not exists (select 1 from identity_roles r where r.id = i.prior_role_id)
    or not exists (select 1 from identity_roles r where r.id = i.implied_role_id)`,
  "EC2 credential of a missing user": `select 1 from identity_ec2_credentials c
    where not exists (select 1 from identity_users u where u.id = c.user_id)`,
  "EC2 credential of a missing project": `select 1 from identity_ec2_credentials c
    where not exists (select 1 from identity_projects p where p.id = c.project_id)`,
};

/** Rounds of each race; every round issues the racing requests at once. */
const ROUNDS = 8;

for (const dialect of testDialects()) {
  describe(`concurrent writes on ${dialect}`, () => {
    let harness: Harness;
    let admin: string;
    let memberRole: string;
    let readerRole: string;
    let database: Database<IdentitySchema>;

    before(async () => {
      harness = await startHarness(dialect);
      database = openDatabase<IdentitySchema>(harness.database.url);
      admin = await harness.adminToken();
      const roles = (await harness.request("GET", "/v3/roles", { token: admin })).body.roles;
      memberRole = roles.find((role: { name: string }) => role.name === "member").id;
      readerRole = roles.find((role: { name: string }) => role.name === "reader").id;
    });

    after(async () => {
      await database.close();
      await harness.close();
    });

    /** Asserts that no row refers to a user, group, project, domain or role that is gone. */
    async function assertNoOrphans(context: string) {
      for (const [what, query] of Object.entries(ORPHAN_QUERIES)) {
        const rows = await sql.raw(query).execute(database.db);
        assert.equal(rows.rows.length, 0, `${context}: ${what}`);
      }
    }

    const call = (method: string, url: string, body?: unknown) =>
      harness.request(method, url, { token: admin, body });

    async function create(url: string, body: unknown, key: string): Promise<string> {
      const reply = await call("POST", url, body);
      assert.equal(reply.status, 201, reply.text);
      return reply.body[key].id;
    }

    function assertNoServerError(replies: Reply[]) {
      for (const reply of replies) {
        assert.ok(reply.status < 500, `${reply.status}: ${reply.text}`);
      }
    }

    async function assignmentsMatching(query: string): Promise<unknown[]> {
      const reply = await call("GET", `/v3/role_assignments?${query}`);
      assert.equal(reply.status, 200, reply.text);
      return reply.body.role_assignments;
    }

    it("renames to one name at once", async () => {
      const kinds = [
        ["users", "user"],
        ["projects", "project"],
        ["groups", "group"],
        ["roles", "role"],
        ["domains", "domain"],
      ] as const;
      for (const [collection, key] of kinds) {
        const ids: string[] = [];
        for (let index = 0; index < 6; index++) {
          ids.push(await create(`/v3/${collection}`, { [key]: { name: `${key}-${index}` } }, key));
        }
        const replies = await Promise.all(
          ids.map((id) =>
            call("PATCH", `/v3/${collection}/${id}`, { [key]: { name: `${key}-same` } }),
          ),
        );
        assertNoServerError(replies);
        const statuses = replies.map((reply) => reply.status);
        assert.equal(statuses.filter((status) => status === 200).length, 1, `${collection}`);
        assert.equal(statuses.filter((status) => status === 409).length, 5, `${collection}`);
        const listed = await call("GET", `/v3/${collection}?name=${key}-same`);
        assert.equal(listed.body[collection].length, 1, `${collection} named ${key}-same`);
      }
    });

    it("deletes a resource once", async () => {
      const kinds = [
        ["users", "user"],
        ["projects", "project"],
        ["groups", "group"],
        ["roles", "role"],
      ] as const;
      for (const [collection, key] of kinds) {
        const id = await create(`/v3/${collection}`, { [key]: { name: `${key}-doomed` } }, key);
        const replies = await Promise.all(
          Array.from({ length: 8 }, () => call("DELETE", `/v3/${collection}/${id}`)),
        );
        assertNoServerError(replies);
        const statuses = replies.map((reply) => reply.status);
        assert.equal(statuses.filter((status) => status === 204).length, 1, collection);
        assert.equal(statuses.filter((status) => status === 404).length, 7, collection);
      }
    });

    it("creates one user of a name at once", async () => {
      const replies = await Promise.all(
        Array.from({ length: 12 }, () => call("POST", "/v3/users", { user: { name: "twin" } })),
      );
      assertNoServerError(replies);
      const statuses = replies.map((reply) => reply.status).sort();
      assert.equal(statuses.filter((status) => status === 201).length, 1);
      assert.equal(statuses.filter((status) => status === 409).length, 11);
      const listed = await call("GET", "/v3/users?name=twin");
      assert.equal(listed.body.users.length, 1);
    });

    it("leaves no grant of a deleted user", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const project = await create(
          "/v3/projects",
          { project: { name: `gu-${round}` } },
          "project",
        );
        const user = await create("/v3/users", { user: { name: `gu-${round}` } }, "user");
        const replies = await Promise.all([
          call("PUT", `/v3/projects/${project}/users/${user}/roles/${memberRole}`),
          call("PUT", `/v3/system/users/${user}/roles/${readerRole}`),
          call("DELETE", `/v3/users/${user}`),
        ]);
        assertNoServerError(replies);
        assert.deepEqual(await assignmentsMatching(`user.id=${user}`), [], `round ${round}`);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no grant on a deleted project", async () => {
      const user = await create("/v3/users", { user: { name: "gp-user" } }, "user");
      for (let round = 0; round < ROUNDS; round++) {
        const project = await create(
          "/v3/projects",
          { project: { name: `gp-${round}` } },
          "project",
        );
        const replies = await Promise.all([
          call("PUT", `/v3/projects/${project}/users/${user}/roles/${memberRole}`),
          call("DELETE", `/v3/projects/${project}`),
        ]);
        assertNoServerError(replies);
        const left = await assignmentsMatching(`scope.project.id=${project}`);
        assert.deepEqual(left, [], `round ${round}`);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no grant of a deleted role", async () => {
      const user = await create("/v3/users", { user: { name: "gr-user" } }, "user");
      for (let round = 0; round < ROUNDS; round++) {
        const role = await create("/v3/roles", { role: { name: `gr-${round}` } }, "role");
        const replies = await Promise.all([
          call("PUT", `/v3/system/users/${user}/roles/${role}`),
          call("DELETE", `/v3/roles/${role}`),
        ]);
        assertNoServerError(replies);
        assert.deepEqual(await assignmentsMatching(`role.id=${role}`), [], `round ${round}`);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no grant of a deleted group", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const group = await create("/v3/groups", { group: { name: `gg-${round}` } }, "group");
        const replies = await Promise.all([
          call("PUT", `/v3/system/groups/${group}/roles/${readerRole}`),
          call("DELETE", `/v3/groups/${group}`),
        ]);
        assertNoServerError(replies);
        assert.deepEqual(await assignmentsMatching(`group.id=${group}`), [], `round ${round}`);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no member of a deleted group", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const group = await create("/v3/groups", { group: { name: `gm-${round}` } }, "group");
        const user = await create("/v3/users", { user: { name: `gm-${round}` } }, "user");
        const replies = await Promise.all([
          call("PUT", `/v3/groups/${group}/users/${user}`),
          call("DELETE", `/v3/users/${user}`),
          call("DELETE", `/v3/groups/${group}`),
        ]);
        assertNoServerError(replies);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no rule of a deleted role", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const prior = await create("/v3/roles", { role: { name: `ip-${round}` } }, "role");
        const implied = await create("/v3/roles", { role: { name: `ii-${round}` } }, "role");
        const replies = await Promise.all([
          call("PUT", `/v3/roles/${prior}/implies/${implied}`),
          call("DELETE", `/v3/roles/${implied}`),
        ]);
        assertNoServerError(replies);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("leaves no credential of a deleted user", async () => {
      const project = await create("/v3/projects", { project: { name: "ec2-project" } }, "project");
      for (let round = 0; round < ROUNDS; round++) {
        const user = await create("/v3/users", { user: { name: `ec2-${round}` } }, "user");
        const other = await create(
          "/v3/projects",
          { project: { name: `ec2-${round}` } },
          "project",
        );
        const replies = await Promise.all([
          call("POST", `/v3/users/${user}/credentials/OS-EC2`, { tenant_id: project }),
          call("POST", `/v3/users/${user}/credentials/OS-EC2`, { tenant_id: other }),
          call("DELETE", `/v3/users/${user}`),
          call("DELETE", `/v3/projects/${other}`),
        ]);
        assertNoServerError(replies);
        await assertNoOrphans(`round ${round}`);
      }
    });

    it("creates nothing in a domain being deleted", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const domain = await create(
          "/v3/domains",
          { domain: { name: `dd-${round}`, enabled: false } },
          "domain",
        );
        const replies = await Promise.all([
          call("POST", "/v3/projects", { project: { name: "p", domain_id: domain } }),
          call("POST", "/v3/users", { user: { name: "u", domain_id: domain } }),
          call("POST", "/v3/groups", { group: { name: "g", domain_id: domain } }),
          call("POST", "/v3/roles", { role: { name: "r", domain_id: domain } }),
          call("DELETE", `/v3/domains/${domain}`),
        ]);
        assertNoServerError(replies);
        await assertNoOrphans(`round ${round}`);
        const deleted = replies[4] as Reply;
        if (deleted.status !== 204) {
          continue;
        }
        for (const [url, key] of [
          [`/v3/projects?domain_id=${domain}`, "projects"],
          [`/v3/users?domain_id=${domain}`, "users"],
          [`/v3/groups?domain_id=${domain}`, "groups"],
          [`/v3/roles?domain_id=${domain}`, "roles"],
        ] as const) {
          const listed = await call("GET", url);
          assert.deepEqual(listed.body[key], [], `round ${round}: ${url}`);
        }
      }
    });
  });
}
