import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PolicyEnforcer, PolicySyntaxError, parsePolicyRule } from "../src/index.js";

const member = { roles: ["member", "reader"], project_id: "p1", user_id: "u1", system_scope: null };
const admin = { roles: ["admin"], project_id: "p2", user_id: "u9", system_scope: null };

describe("policy rules", () => {
  const enforcer = new PolicyEnforcer({
    defaults: {
      admin: "role:admin",
      owner: "user_id:%(target.secret.creator_id)s",
      same_project: "project_id:%(target.secret.project_id)s",
      "secret:get":
        "rule:admin or (role:member and rule:same_project and not 'False':%(target.secret.read_project_access)s)",
      "secret:delete": "rule:admin or (rule:owner and rule:same_project)",
      new_defaults: "True:%(enforce_new_defaults)s and role:reader",
      always: "@",
      never: "!",
      empty: "",
    },
  });
  const target = {
    "target.secret.project_id": "p1",
    "target.secret.creator_id": "u1",
    "target.secret.read_project_access": true,
    enforce_new_defaults: true,
  };

  it("grants a member of the owning project", () => {
    assert.equal(enforcer.enforce("secret:get", target, member), true);
  });

  it("denies a member of another project", () => {
    assert.equal(enforcer.enforce("secret:get", target, { ...member, project_id: "p3" }), false);
  });

  it("honours a private read ACL", () => {
    const privateTarget = { ...target, "target.secret.read_project_access": false };
    assert.equal(enforcer.enforce("secret:get", privateTarget, member), false);
    assert.equal(enforcer.enforce("secret:get", privateTarget, admin), true);
  });

  it("compares literals with Python string forms", () => {
    assert.equal(enforcer.enforce("new_defaults", target, member), true);
    assert.equal(
      enforcer.enforce("new_defaults", { ...target, enforce_new_defaults: false }, member),
      false,
    );
  });

  it("treats a missing target key as a failed check", () => {
    assert.equal(enforcer.enforce("secret:delete", {}, member), false);
  });

  it("evaluates always, never and empty rules", () => {
    assert.equal(enforcer.enforce("always", {}, {}), true);
    assert.equal(enforcer.enforce("never", {}, admin), false);
    assert.equal(enforcer.enforce("empty", {}, {}), true);
  });

  it("denies an action without a rule", () => {
    assert.equal(enforcer.enforce("unknown:action", target, admin), false);
  });

  it("matches roles case-insensitively", () => {
    assert.equal(enforcer.enforce("admin", {}, { roles: ["Admin"] }), true);
  });

  it("binds and tighter than or", () => {
    const rule = new PolicyEnforcer({ defaults: { r: "role:a or role:b and role:c" } });
    assert.equal(rule.enforce("r", {}, { roles: ["a"] }), true);
    assert.equal(rule.enforce("r", {}, { roles: ["b"] }), false);
    assert.equal(rule.enforce("r", {}, { roles: ["b", "c"] }), true);
  });

  it("rejects malformed expressions", () => {
    assert.throws(() => parsePolicyRule("(role:admin"), PolicySyntaxError);
    assert.throws(() => parsePolicyRule("role:admin or"), PolicySyntaxError);
    assert.throws(() => parsePolicyRule("nonsense"), PolicySyntaxError);
  });

  it("applies overrides over defaults", () => {
    const overridden = new PolicyEnforcer({
      defaults: { r: "role:admin" },
      overrides: { r: "role:reader" },
    });
    assert.equal(overridden.enforce("r", {}, member), true);
    assert.equal(overridden.enforce("r", {}, admin), false);
  });

  it("looks up nested credentials and lists", () => {
    const rule = new PolicyEnforcer({ defaults: { r: "groups.name:%(group)s" } });
    const credentials = { groups: [{ name: "ops" }, { name: "dev" }] };
    assert.equal(rule.enforce("r", { group: "dev" }, credentials), true);
    assert.equal(rule.enforce("r", { group: "qa" }, credentials), false);
  });
});
