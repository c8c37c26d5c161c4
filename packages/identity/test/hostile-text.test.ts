import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { assertKeystoneError, type Harness, startHarness } from "./support/identity-harness.js";

const NUL = "\u0000";
const LONE_SURROGATE = "\ud800";

for (const dialect of testDialects()) {
  describe(`text input on ${dialect}`, () => {
    let harness: Harness;
    let admin: string;

    before(async () => {
      harness = await startHarness(dialect);
      admin = await harness.adminToken();
    });

    after(async () => {
      await harness.close();
    });

    async function userCount(): Promise<number> {
      const reply = await harness.request("GET", "/v3/users", { token: admin });
      return reply.body.users.length;
    }

    it("rejects invalid UTF-8 in a body", async () => {
      const before = await userCount();
      const body = Buffer.concat([
        Buffer.from('{"user": {"name": "bad-'),
        Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]),
        Buffer.from('"}}'),
      ]);
      const reply = await harness.service.app.inject({
        method: "POST",
        url: "/v3/users",
        headers: { "x-auth-token": admin, "content-type": "application/json" },
        payload: body,
      });
      assertKeystoneError(
        { status: reply.statusCode, headers: reply.headers, body: reply.json(), text: reply.body },
        400,
        "Bad Request",
      );
      assert.match(reply.json().error.message, /UTF-8/);
      assert.equal(await userCount(), before);
    });

    it("rejects NUL and lone surrogates in bodies", async () => {
      const before = await userCount();
      const cases: Array<[string, string, unknown, RegExp]> = [
        ["POST", "/v3/users", { user: { name: `a${NUL}b` } }, /user\.name/],
        ["POST", "/v3/users", { user: { name: "u", description: NUL } }, /user\.description/],
        ["POST", "/v3/users", { user: { name: "u", email: `x${NUL}` } }, /user\.email/],
        ["POST", "/v3/users", { user: { name: `n${LONE_SURROGATE}` } }, /user\.name/],
        ["POST", "/v3/users", { user: { name: "u", [`k${NUL}`]: "v" } }, /user/],
        ["POST", "/v3/roles", { role: { name: `r${NUL}` } }, /role\.name/],
        ["POST", "/v3/projects", { project: { name: "p", tags: [`t${NUL}`] } }, /project\.tags\.0/],
        ["POST", "/v3/domains", { domain: { name: `d${LONE_SURROGATE}x` } }, /domain\.name/],
      ];
      for (const [method, url, body, field] of cases) {
        const reply = await harness.request(method, url, { token: admin, body });
        assertKeystoneError(reply, 400, "Bad Request");
        assert.match(reply.body.error.message, field, JSON.stringify(body));
      }
      assert.equal(await userCount(), before);
    });

    it("rejects NUL in token requests", async () => {
      const identities = [
        { user: { name: `admin${NUL}`, domain: { id: "default" }, password: "x" } },
        { user: { id: NUL, password: "x" } },
        { user: { name: "admin", domain: { name: NUL }, password: "x" } },
        { user: { name: "admin", domain: { id: "default" }, password: `x${NUL}` } },
      ];
      for (const password of identities) {
        const reply = await harness.request("POST", "/v3/auth/tokens", {
          body: { auth: { identity: { methods: ["password"], password } } },
        });
        assertKeystoneError(reply, 400, "Bad Request");
      }
    });

    it("rejects NUL in paths and queries", async () => {
      const urls = [
        "/v3/users/%00",
        "/v3/users/a%00b/projects",
        "/v3/projects/%00/tags/x",
        "/v3/users?name=%00",
        "/v3/users?domain_id=a%00",
        "/v3/projects?name=%00",
        "/v3/role_assignments?user.id=%00",
        "/v3/roles?na%00me=x",
      ];
      for (const url of urls) {
        const reply = await harness.request("GET", url, { token: admin });
        assertKeystoneError(reply, 400, "Bad Request");
      }
    });

    it("keeps unicode and SQL-looking names", async () => {
      const names = ["Zoë 😀 名前", "'; DROP TABLE identity_users; --", "a\tb", "e\u0301"];
      for (const name of names) {
        const created = await harness.request("POST", "/v3/users", {
          token: admin,
          body: { user: { name, password: "pw" } },
        });
        assert.equal(created.status, 201, created.text);
        const shown = await harness.request("GET", `/v3/users/${created.body.user.id}`, {
          token: admin,
        });
        assert.equal(shown.body.user.name, name);
        const found = await harness.request("GET", `/v3/users?name=${encodeURIComponent(name)}`, {
          token: admin,
        });
        assert.equal(found.body.users.length, 1, name);
        await harness.passwordToken({ name, domain: { id: "default" } }, "pw");
      }
    });
  });
}
