import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { assertKeystoneError, type Harness, startHarness } from "./support/identity-harness.js";

for (const dialect of testDialects()) {
  describe(`groups on ${dialect}`, () => {
    let harness: Harness;
    let admin: string;

    before(async () => {
      harness = await startHarness(dialect);
      admin = await harness.adminToken();
    });

    after(async () => {
      await harness.close();
    });

    const create = async (path: string, body: unknown) => {
      const reply = await harness.request("POST", path, { token: admin, body });
      assert.equal(reply.status, 201, reply.text);
      return reply.body;
    };
    const roleId = async (name: string) => {
      const reply = await harness.request("GET", `/v3/roles?name=${name}`, { token: admin });
      return reply.body.roles[0].id as string;
    };

    it("creates, renames and deletes a group", async () => {
      const { group } = await create("/v3/groups", { group: { name: "ops", description: "Ops" } });
      assert.equal(group.domain_id, "default");
      assert.match(group.links.self, new RegExp(`/v3/groups/${group.id}$`));
      const duplicate = await harness.request("POST", "/v3/groups", {
        token: admin,
        body: { group: { name: "ops" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");

      const renamed = await harness.request("PATCH", `/v3/groups/${group.id}`, {
        token: admin,
        body: { group: { name: "operations" } },
      });
      assert.equal(renamed.body.group.name, "operations");
      const filtered = await harness.request("GET", "/v3/groups?name=operations", { token: admin });
      assert.deepEqual(
        filtered.body.groups.map((item: { id: string }) => item.id),
        [group.id],
      );
      const deleted = await harness.request("DELETE", `/v3/groups/${group.id}`, { token: admin });
      assert.equal(deleted.status, 204);
      const gone = await harness.request("GET", `/v3/groups/${group.id}`, { token: admin });
      assertKeystoneError(gone, 404, "Not Found");
    });

    it("adds, checks and removes members", async () => {
      const { group } = await create("/v3/groups", { group: { name: "members" } });
      const { user } = await create("/v3/users", { user: { name: "nina", password: "nina-pw" } });
      const membership = `/v3/groups/${group.id}/users/${user.id}`;

      const absent = await harness.request("HEAD", membership, { token: admin });
      assert.equal(absent.status, 404);
      const added = await harness.request("PUT", membership, { token: admin });
      assert.equal(added.status, 204);
      const again = await harness.request("PUT", membership, { token: admin });
      assert.equal(again.status, 204);
      const present = await harness.request("HEAD", membership, { token: admin });
      assert.equal(present.status, 204);

      const members = await harness.request("GET", `/v3/groups/${group.id}/users`, {
        token: admin,
      });
      assert.deepEqual(
        members.body.users.map((item: { name: string }) => item.name),
        ["nina"],
      );
      const groupsOfUser = await harness.request("GET", `/v3/users/${user.id}/groups`, {
        token: admin,
      });
      assert.deepEqual(
        groupsOfUser.body.groups.map((item: { id: string }) => item.id),
        [group.id],
      );
      const unknownUser = await harness.request("PUT", `/v3/groups/${group.id}/users/nobody`, {
        token: admin,
      });
      assertKeystoneError(unknownUser, 404, "Not Found");

      const removed = await harness.request("DELETE", membership, { token: admin });
      assert.equal(removed.status, 204);
      const removedAgain = await harness.request("DELETE", membership, { token: admin });
      assertKeystoneError(removedAgain, 404, "Not Found");
    });

    it("gives members the roles of their group", async () => {
      const { group } = await create("/v3/groups", { group: { name: "builders" } });
      const { project } = await create("/v3/projects", { project: { name: "build" } });
      const { user } = await create("/v3/users", { user: { name: "omar", password: "omar-pw" } });
      const member = await roleId("member");
      const grant = `/v3/projects/${project.id}/groups/${group.id}/roles/${member}`;

      assert.equal((await harness.request("PUT", grant, { token: admin })).status, 204);
      assert.equal((await harness.request("HEAD", grant, { token: admin })).status, 204);
      const listed = await harness.request(
        "GET",
        `/v3/projects/${project.id}/groups/${group.id}/roles`,
        { token: admin },
      );
      assert.deepEqual(
        listed.body.roles.map((role: { name: string }) => role.name),
        ["member"],
      );

      const refused = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { id: user.id, password: "omar-pw" } },
            },
            scope: { project: { id: project.id } },
          },
        },
      });
      assertKeystoneError(refused, 401, "Unauthorized");

      await harness.request("PUT", `/v3/groups/${group.id}/users/${user.id}`, { token: admin });
      const issued = await harness.passwordToken({ id: user.id }, "omar-pw", {
        project: { id: project.id },
      });
      assert.deepEqual(issued.body.roles.map((role: { name: string }) => role.name).sort(), [
        "member",
        "reader",
      ]);
      const projects = await harness.request("GET", "/v3/auth/projects", { token: issued.token });
      assert.deepEqual(
        projects.body.projects.map((item: { id: string }) => item.id),
        [project.id],
      );

      const direct = await harness.request("GET", `/v3/role_assignments?group.id=${group.id}`, {
        token: admin,
      });
      assert.deepEqual(direct.body.role_assignments[0].group, { id: group.id });
      const effective = await harness.request(
        "GET",
        `/v3/role_assignments?user.id=${user.id}&effective`,
        { token: admin },
      );
      const viaGroup = effective.body.role_assignments.find(
        (item: { role: { id: string } }) => item.role.id === member,
      );
      assert.deepEqual(viaGroup.user, { id: user.id });
      assert.match(
        viaGroup.links.membership,
        new RegExp(`/v3/groups/${group.id}/users/${user.id}$`),
      );
      assert.match(viaGroup.links.assignment, new RegExp(`/groups/${group.id}/roles/${member}$`));
      const bothFilters = await harness.request(
        "GET",
        `/v3/role_assignments?group.id=${group.id}&effective`,
        { token: admin },
      );
      assertKeystoneError(bothFilters, 400, "Bad Request");

      await harness.request("DELETE", `/v3/groups/${group.id}/users/${user.id}`, { token: admin });
      assert.equal(await harness.service.tokenValidator.validate(issued.token), null);
    });

    it("grants group roles on domains and the system", async () => {
      const { group } = await create("/v3/groups", { group: { name: "auditors" } });
      const { user } = await create("/v3/users", { user: { name: "pia", password: "pia-pw" } });
      await harness.request("PUT", `/v3/groups/${group.id}/users/${user.id}`, { token: admin });
      const reader = await roleId("reader");
      for (const path of [
        `/v3/domains/default/groups/${group.id}/roles/${reader}`,
        `/v3/system/groups/${group.id}/roles/${reader}`,
      ]) {
        assert.equal((await harness.request("PUT", path, { token: admin })).status, 204);
      }
      const domain = await harness.passwordToken({ id: user.id }, "pia-pw", {
        domain: { id: "default" },
      });
      assert.deepEqual(domain.body.domain, { id: "default", name: "Default" });
      const domains = await harness.request("GET", "/v3/auth/domains", { token: domain.token });
      assert.deepEqual(
        domains.body.domains.map((item: { id: string }) => item.id),
        ["default"],
      );
      const system = await harness.passwordToken({ id: user.id }, "pia-pw", {
        system: { all: true },
      });
      assert.deepEqual(
        system.body.roles.map((role: { name: string }) => role.name),
        ["reader"],
      );
    });

    it("deletes group grants and memberships with the group", async () => {
      const { group } = await create("/v3/groups", { group: { name: "temporary" } });
      const { project } = await create("/v3/projects", { project: { name: "temporary" } });
      const { user } = await create("/v3/users", { user: { name: "quinn", password: "quinn-pw" } });
      const member = await roleId("member");
      await harness.request("PUT", `/v3/groups/${group.id}/users/${user.id}`, { token: admin });
      await harness.request(
        "PUT",
        `/v3/projects/${project.id}/groups/${group.id}/roles/${member}`,
        {
          token: admin,
        },
      );
      await harness.request("DELETE", `/v3/groups/${group.id}`, { token: admin });

      const assignments = await harness.request(
        "GET",
        `/v3/role_assignments?scope.project.id=${project.id}`,
        { token: admin },
      );
      assert.deepEqual(assignments.body.role_assignments, []);
      const groupsOfUser = await harness.request("GET", `/v3/users/${user.id}/groups`, {
        token: admin,
      });
      assert.deepEqual(groupsOfUser.body.groups, []);
    });

    it("deletes a domain with its groups", async () => {
      const { domain } = await create("/v3/domains", { domain: { name: "short-lived" } });
      const { group } = await create("/v3/groups", {
        group: { name: "inside", domain_id: domain.id },
      });
      await harness.request("PATCH", `/v3/domains/${domain.id}`, {
        token: admin,
        body: { domain: { enabled: false } },
      });
      const deleted = await harness.request("DELETE", `/v3/domains/${domain.id}`, { token: admin });
      assert.equal(deleted.status, 204);
      const gone = await harness.request("GET", `/v3/groups/${group.id}`, { token: admin });
      assertKeystoneError(gone, 404, "Not Found");
    });
  });
}
