import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import {
  assertKeystoneError,
  createUserWithRole,
  type Harness,
  startHarness,
} from "./support/identity-harness.js";

for (const dialect of testDialects()) {
  describe(`admin API on ${dialect}`, () => {
    let harness: Harness;
    let admin: string;
    let adminProjectId: string;

    before(async () => {
      harness = await startHarness(dialect);
      admin = await harness.adminToken();
      const projects = await harness.request("GET", "/v3/projects?name=admin", { token: admin });
      adminProjectId = projects.body.projects[0].id;
    });

    after(async () => {
      await harness.close();
    });

    const roleId = async (name: string) => {
      const reply = await harness.request("GET", `/v3/roles?name=${name}`, { token: admin });
      return reply.body.roles[0].id as string;
    };

    it("shows and filters the default domain", async () => {
      const shown = await harness.request("GET", "/v3/domains/default", { token: admin });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.domain.name, "Default");
      assert.equal(shown.body.domain.enabled, true);
      assert.match(shown.body.domain.links.self, /\/v3\/domains\/default$/);
      const filtered = await harness.request("GET", "/v3/domains?name=Default", { token: admin });
      assert.deepEqual(
        filtered.body.domains.map((domain: { id: string }) => domain.id),
        ["default"],
      );
      const none = await harness.request("GET", "/v3/domains?name=Nope", { token: admin });
      assert.deepEqual(none.body.domains, []);
    });

    it("creates, disables and deletes a domain", async () => {
      const created = await harness.request("POST", "/v3/domains", {
        token: admin,
        body: { domain: { name: "lab", description: "test domain" } },
      });
      assert.equal(created.status, 201);
      const id = created.body.domain.id;
      const project = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "in-lab", domain_id: id } },
      });
      assert.equal(project.status, 201);

      const duplicate = await harness.request("POST", "/v3/domains", {
        token: admin,
        body: { domain: { name: "lab" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");
      const enabled = await harness.request("DELETE", `/v3/domains/${id}`, { token: admin });
      assertKeystoneError(enabled, 403, "Forbidden");

      const disabled = await harness.request("PATCH", `/v3/domains/${id}`, {
        token: admin,
        body: { domain: { enabled: false } },
      });
      assert.equal(disabled.status, 200);
      assert.equal(disabled.body.domain.enabled, false);
      const deleted = await harness.request("DELETE", `/v3/domains/${id}`, { token: admin });
      assert.equal(deleted.status, 204);
      const gone = await harness.request("GET", `/v3/projects/${project.body.project.id}`, {
        token: admin,
      });
      assertKeystoneError(gone, 404, "Not Found");
      const protectedDomain = await harness.request("PATCH", "/v3/domains/default", {
        token: admin,
        body: { domain: { enabled: false } },
      });
      assertKeystoneError(protectedDomain, 403, "Forbidden");
    });

    it("manages projects with names unique per domain", async () => {
      const created = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "p1", description: "first", tags: ["a", "b"], color: "blue" } },
      });
      assert.equal(created.status, 201);
      const project = created.body.project;
      assert.equal(project.domain_id, "default");
      assert.equal(project.parent_id, "default");
      assert.equal(project.is_domain, false);
      assert.deepEqual(project.tags, ["a", "b"]);
      assert.equal(project.color, "blue");

      const duplicate = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "p1" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");

      const updated = await harness.request("PATCH", `/v3/projects/${project.id}`, {
        token: admin,
        body: { project: { name: "p1-renamed", enabled: false } },
      });
      assert.equal(updated.body.project.name, "p1-renamed");
      assert.equal(updated.body.project.enabled, false);
      assert.equal(updated.body.project.color, "blue");

      const byName = await harness.request("GET", "/v3/projects?name=p1-renamed", { token: admin });
      assert.equal(byName.body.projects.length, 1);
      const disabled = await harness.request("GET", "/v3/projects?enabled=false", { token: admin });
      assert.ok(disabled.body.projects.some((item: { id: string }) => item.id === project.id));

      const child = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "child", parent_id: project.id } },
      });
      assert.equal(child.body.project.parent_id, project.id);
      const withChild = await harness.request("DELETE", `/v3/projects/${project.id}`, {
        token: admin,
      });
      assertKeystoneError(withChild, 403, "Forbidden");
      await harness.request("DELETE", `/v3/projects/${child.body.project.id}`, { token: admin });
      const deleted = await harness.request("DELETE", `/v3/projects/${project.id}`, {
        token: admin,
      });
      assert.equal(deleted.status, 204);
      const again = await harness.request("DELETE", `/v3/projects/${project.id}`, { token: admin });
      assertKeystoneError(again, 404, "Not Found");
    });

    it("manages project tags", async () => {
      const created = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "tagged" } },
      });
      const base = `/v3/projects/${created.body.project.id}/tags`;
      const added = await harness.request("PUT", `${base}/blue`, { token: admin, body: {} });
      assert.equal(added.status, 201);
      assert.equal((await harness.request("HEAD", `${base}/blue`, { token: admin })).status, 204);

      const replaced = await harness.request("PUT", base, {
        token: admin,
        body: { tags: ["red", "green", "red"] },
      });
      assert.deepEqual(replaced.body.tags, ["red", "green"]);
      const listed = await harness.request("GET", base, { token: admin });
      assert.deepEqual(listed.body.tags, ["red", "green"]);
      const anyRed = await harness.request("GET", "/v3/projects?tags-any=red,yellow", {
        token: admin,
      });
      assert.deepEqual(
        anyRed.body.projects.map((project: { name: string }) => project.name),
        ["tagged"],
      );
      const notRed = await harness.request("GET", "/v3/projects?not-tags-any=red", {
        token: admin,
      });
      assert.ok(
        notRed.body.projects.every((project: { name: string }) => project.name !== "tagged"),
      );

      const removed = await harness.request("DELETE", `${base}/red`, { token: admin });
      assert.equal(removed.status, 204);
      const gone = await harness.request("GET", `${base}/red`, { token: admin });
      assertKeystoneError(gone, 404, "Not Found");
      const invalid = await harness.request("PUT", `${base}/a,b`, { token: admin, body: {} });
      assertKeystoneError(invalid, 400, "Bad Request");
      const cleared = await harness.request("DELETE", base, { token: admin });
      assert.equal(cleared.status, 204);
      const empty = await harness.request("GET", base, { token: admin });
      assert.deepEqual(empty.body.tags, []);
    });

    it("manages users without exposing passwords", async () => {
      const created = await harness.request("POST", "/v3/users", {
        token: admin,
        body: { user: { name: "frank", password: "frank-pw", email: "frank@example.org" } },
      });
      assert.equal(created.status, 201);
      const user = created.body.user;
      assert.equal(user.domain_id, "default");
      assert.equal(user.email, "frank@example.org");
      assert.equal(user.password, undefined);
      assert.equal(user.enabled, true);
      assert.equal(JSON.stringify(created.body).includes("frank-pw"), false);

      const duplicate = await harness.request("POST", "/v3/users", {
        token: admin,
        body: { user: { name: "frank", password: "x", domain_id: "default" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");

      const listed = await harness.request("GET", "/v3/users?name=frank", { token: admin });
      assert.deepEqual(
        listed.body.users.map((item: { id: string }) => item.id),
        [user.id],
      );
      const patched = await harness.request("PATCH", `/v3/users/${user.id}`, {
        token: admin,
        body: { user: { password: "frank-new", description: "changed" } },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.user.description, "changed");
      await harness.passwordToken({ id: user.id }, "frank-new");

      const moved = await harness.request("PATCH", `/v3/users/${user.id}`, {
        token: admin,
        body: { user: { domain_id: "elsewhere" } },
      });
      assertKeystoneError(moved, 400, "Bad Request");
      const deleted = await harness.request("DELETE", `/v3/users/${user.id}`, { token: admin });
      assert.equal(deleted.status, 204);
      const gone = await harness.request("GET", `/v3/users/${user.id}`, { token: admin });
      assertKeystoneError(gone, 404, "Not Found");
    });

    it("manages roles and implied roles", async () => {
      const created = await harness.request("POST", "/v3/roles", {
        token: admin,
        body: { role: { name: "operator" } },
      });
      assert.equal(created.status, 201);
      const operator = created.body.role.id;
      const duplicate = await harness.request("POST", "/v3/roles", {
        token: admin,
        body: { role: { name: "operator" } },
      });
      assertKeystoneError(duplicate, 409, "Conflict");

      const member = await roleId("member");
      const implied = await harness.request("PUT", `/v3/roles/${operator}/implies/${member}`, {
        token: admin,
      });
      assert.equal(implied.status, 201);
      assert.equal(implied.body.role_inference.prior_role.id, operator);
      assert.equal(implied.body.role_inference.implies.id, member);
      const check = await harness.request("HEAD", `/v3/roles/${operator}/implies/${member}`, {
        token: admin,
      });
      assert.equal(check.status, 204);
      const loop = await harness.request("PUT", `/v3/roles/${member}/implies/${operator}`, {
        token: admin,
      });
      assertKeystoneError(loop, 403, "Forbidden");
      const impliesAdmin = await harness.request(
        "PUT",
        `/v3/roles/${operator}/implies/${await roleId("admin")}`,
        { token: admin },
      );
      assertKeystoneError(impliesAdmin, 403, "Forbidden");

      const inferences = await harness.request("GET", "/v3/role_inferences", { token: admin });
      const names = inferences.body.role_inferences.map(
        (rule: { prior_role: { name: string } }) => rule.prior_role.name,
      );
      assert.ok(names.includes("admin"));
      assert.ok(names.includes("member"));
      assert.ok(names.includes("operator"));

      const user = await createUserWithRole(harness, admin, {
        name: "olga",
        password: "olga-pw",
        role: "operator",
      });
      const token = await harness.passwordToken({ id: user.userId }, "olga-pw", {
        project: { id: user.projectId },
      });
      assert.deepEqual(token.body.roles.map((role: { name: string }) => role.name).sort(), [
        "member",
        "operator",
        "reader",
      ]);

      const removed = await harness.request("DELETE", `/v3/roles/${operator}/implies/${member}`, {
        token: admin,
      });
      assert.equal(removed.status, 204);
      const missing = await harness.request("GET", `/v3/roles/${operator}/implies/${member}`, {
        token: admin,
      });
      assertKeystoneError(missing, 404, "Not Found");
      const deleted = await harness.request("DELETE", `/v3/roles/${operator}`, { token: admin });
      assert.equal(deleted.status, 204);
    });

    it("expands domain-specific roles into what they imply", async () => {
      const domain = await harness.request("POST", "/v3/domains", {
        token: admin,
        body: { domain: { name: "roles-domain" } },
      });
      const domainId = domain.body.domain.id;
      const domainRole = await harness.request("POST", "/v3/roles", {
        token: admin,
        body: { role: { name: "local-editor", domain_id: domainId } },
      });
      assert.equal(domainRole.body.role.domain_id, domainId);
      const localId = domainRole.body.role.id;
      const member = await roleId("member");

      const implies = await harness.request("PUT", `/v3/roles/${localId}/implies/${member}`, {
        token: admin,
      });
      assert.equal(implies.status, 201);
      const reverse = await harness.request("PUT", `/v3/roles/${member}/implies/${localId}`, {
        token: admin,
      });
      assertKeystoneError(reverse, 403, "Forbidden");

      const project = await harness.request("POST", "/v3/projects", {
        token: admin,
        body: { project: { name: "local-project", domain_id: domainId } },
      });
      const user = await harness.request("POST", "/v3/users", {
        token: admin,
        body: { user: { name: "rita", password: "rita-pw", domain_id: domainId } },
      });
      const projectId = project.body.project.id;
      const userId = user.body.user.id;
      const outside = await harness.request(
        "PUT",
        `/v3/projects/${adminProjectId}/users/${userId}/roles/${localId}`,
        { token: admin },
      );
      assertKeystoneError(outside, 403, "Forbidden");
      const grant = await harness.request(
        "PUT",
        `/v3/projects/${projectId}/users/${userId}/roles/${localId}`,
        { token: admin },
      );
      assert.equal(grant.status, 204);

      const token = await harness.passwordToken({ id: userId }, "rita-pw", {
        project: { id: projectId },
      });
      assert.deepEqual(token.body.roles.map((role: { name: string }) => role.name).sort(), [
        "member",
        "reader",
      ]);
      const effective = await harness.request(
        "GET",
        `/v3/role_assignments?user.id=${userId}&effective`,
        { token: admin },
      );
      const roleIds = effective.body.role_assignments.map(
        (item: { role: { id: string } }) => item.role.id,
      );
      assert.equal(roleIds.includes(localId), false);
      assert.equal(roleIds.includes(member), true);
    });

    it("grants, checks, lists and revokes roles", async () => {
      const user = await createUserWithRole(harness, admin, { name: "gina", password: "gina-pw" });
      const reader = await roleId("reader");
      const grantPath = `/v3/projects/${user.projectId}/users/${user.userId}/roles`;

      const again = await harness.request("PUT", `${grantPath}/${user.roleId}`, { token: admin });
      assert.equal(again.status, 204);
      const listed = await harness.request("GET", grantPath, { token: admin });
      assert.deepEqual(
        listed.body.roles.map((role: { name: string }) => role.name),
        ["member"],
      );
      const check = await harness.request("HEAD", `${grantPath}/${user.roleId}`, { token: admin });
      assert.equal(check.status, 204);
      const absent = await harness.request("GET", `${grantPath}/${reader}`, { token: admin });
      assertKeystoneError(absent, 404, "Not Found");
      const unknownRole = await harness.request("PUT", `${grantPath}/no-such-role`, {
        token: admin,
      });
      assertKeystoneError(unknownRole, 404, "Not Found");

      const system = await harness.request(
        "PUT",
        `/v3/system/users/${user.userId}/roles/${reader}`,
        {
          token: admin,
        },
      );
      assert.equal(system.status, 204);
      const systemToken = await harness.passwordToken({ id: user.userId }, "gina-pw", {
        system: { all: true },
      });
      assert.deepEqual(
        systemToken.body.roles.map((role: { name: string }) => role.name),
        ["reader"],
      );
      const systemReader = await harness.request("GET", "/v3/users", { token: systemToken.token });
      assert.equal(systemReader.status, 200);
      const systemWrite = await harness.request("POST", "/v3/roles", {
        token: systemToken.token,
        body: { role: { name: "nope" } },
      });
      assertKeystoneError(systemWrite, 403, "Forbidden");

      const revoked = await harness.request("DELETE", `${grantPath}/${user.roleId}`, {
        token: admin,
      });
      assert.equal(revoked.status, 204);
      const revokedAgain = await harness.request("DELETE", `${grantPath}/${user.roleId}`, {
        token: admin,
      });
      assertKeystoneError(revokedAgain, 404, "Not Found");
      const noRole = await harness.request("POST", "/v3/auth/tokens", {
        body: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { id: user.userId, password: "gina-pw" } },
            },
            scope: { project: { id: user.projectId } },
          },
        },
      });
      assertKeystoneError(noRole, 401, "Unauthorized");
    });

    it("lists role assignments with filters", async () => {
      const user = await createUserWithRole(harness, admin, { name: "hugo", password: "hugo-pw" });
      const direct = await harness.request(
        "GET",
        `/v3/role_assignments?user.id=${user.userId}&scope.project.id=${user.projectId}`,
        { token: admin },
      );
      assert.equal(direct.status, 200);
      assert.equal(direct.body.role_assignments.length, 1);
      const entry = direct.body.role_assignments[0];
      assert.deepEqual(entry.user, { id: user.userId });
      assert.deepEqual(entry.role, { id: user.roleId });
      assert.deepEqual(entry.scope, { project: { id: user.projectId } });
      assert.match(entry.links.assignment, /\/v3\/projects\/.+\/users\/.+\/roles\/.+$/);

      const effective = await harness.request(
        "GET",
        `/v3/role_assignments?user.id=${user.userId}&effective&include_names`,
        { token: admin },
      );
      const roles = effective.body.role_assignments.map(
        (item: { role: { name: string } }) => item.role.name,
      );
      assert.deepEqual(roles.sort(), ["member", "reader"]);
      const implied = effective.body.role_assignments.find(
        (item: { role: { name: string } }) => item.role.name === "reader",
      );
      assert.match(implied.links.prior_role, /\/v3\/roles\//);
      assert.equal(implied.user.name, "hugo");
      assert.deepEqual(implied.user.domain, { id: "default", name: "Default" });
      assert.equal(implied.scope.project.name, "hugo-project");

      const system = await harness.request("GET", "/v3/role_assignments?scope.system=all", {
        token: admin,
      });
      assert.ok(
        system.body.role_assignments.every(
          (item: { scope: { system?: { all: boolean } } }) => item.scope.system?.all === true,
        ),
      );
      const groups = await harness.request("GET", "/v3/role_assignments?group.id=g1", {
        token: admin,
      });
      assert.deepEqual(groups.body.role_assignments, []);
    });

    it("lets users read only themselves", async () => {
      const ivan = await createUserWithRole(harness, admin, { name: "ivan", password: "ivan-pw" });
      const judy = await createUserWithRole(harness, admin, { name: "judy", password: "judy-pw" });
      const token = (
        await harness.passwordToken({ id: ivan.userId }, "ivan-pw", {
          project: { id: ivan.projectId },
        })
      ).token;

      const self = await harness.request("GET", `/v3/users/${ivan.userId}`, { token });
      assert.equal(self.status, 200);
      const projects = await harness.request("GET", `/v3/users/${ivan.userId}/projects`, { token });
      assert.deepEqual(
        projects.body.projects.map((project: { id: string }) => project.id),
        [ivan.projectId],
      );
      const ownProject = await harness.request("GET", `/v3/projects/${ivan.projectId}`, { token });
      assert.equal(ownProject.status, 200);
      const ownDomain = await harness.request("GET", "/v3/domains/default", { token });
      assert.equal(ownDomain.status, 200);

      const forbidden = [
        ["GET", `/v3/users/${judy.userId}`],
        ["GET", `/v3/users/${judy.userId}/projects`],
        ["GET", `/v3/projects/${judy.projectId}`],
        ["GET", "/v3/users"],
        ["GET", "/v3/projects"],
        ["GET", "/v3/role_assignments"],
        ["POST", "/v3/projects"],
        ["DELETE", `/v3/users/${judy.userId}`],
        ["PUT", `/v3/projects/${ivan.projectId}/users/${ivan.userId}/roles/${ivan.roleId}`],
      ];
      for (const [method, url] of forbidden) {
        const reply = await harness.request(method as string, url as string, {
          token,
          ...(method === "POST" ? { body: { project: { name: "x" } } } : {}),
        });
        assertKeystoneError(reply, 403, "Forbidden");
      }
      const anonymous = await harness.request("GET", "/v3/users");
      assertKeystoneError(anonymous, 401, "Unauthorized");
    });

    it("serves the catalog read-only", async () => {
      const services = await harness.request("GET", "/v3/services", { token: admin });
      assert.equal(services.body.services.length, 4);
      const keyManager = await harness.request("GET", "/v3/services?type=key-manager", {
        token: admin,
      });
      assert.equal(keyManager.body.services[0].name, "barbican");
      const endpoints = await harness.request(
        "GET",
        `/v3/endpoints?service_id=${keyManager.body.services[0].id}&interface=public`,
        { token: admin },
      );
      assert.equal(endpoints.body.endpoints.length, 1);
      assert.equal(endpoints.body.endpoints[0].url, "http://127.0.0.1:9311");
      const region = await harness.request("GET", "/v3/regions/RegionOne", { token: admin });
      assert.equal(region.status, 200);
      const create = await harness.request("POST", "/v3/services", {
        token: admin,
        body: { service: { type: "compute" } },
      });
      assertKeystoneError(create, 403, "Forbidden");
    });
  });
}
