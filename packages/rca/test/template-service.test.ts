import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@openstack-ts/kernel";
import { createMemoryTemplateStore } from "../src/templates/memory-template-store.js";
import {
  createTemplateService,
  type StoredTemplate,
  TemplateNotFoundError,
  TemplateRequestError,
} from "../src/templates/template-service.js";
import { FIXTURES, loadYaml } from "./helpers/core-harness.js";

function fixture(name: string): readonly [string, unknown] {
  return [name, loadYaml(`${FIXTURES}templates/${name}`)];
}

function createService() {
  const store = createMemoryTemplateStore();
  const activated: string[] = [];
  const deactivated: string[] = [];
  let releaseActivation: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const service = createTemplateService({
    store,
    logger: createLogger({ level: "silent" }),
    activation: {
      async activate(templates: readonly StoredTemplate[]) {
        await gate;
        activated.push(...templates.map((template) => template.name));
        return new Map();
      },
      async deactivate(templates: readonly StoredTemplate[]) {
        await gate;
        deactivated.push(...templates.map((template) => template.name));
      },
    },
  });
  const hold = () => {
    gate = new Promise((resolve) => {
      releaseActivation = resolve;
    });
  };
  return { service, store, activated, deactivated, hold, release: () => releaseActivation() };
}

describe("template service", () => {
  it("add goes from loading to active", async () => {
    const { service, activated, hold, release } = createService();
    hold();
    const [added] = await service.add([fixture("v2_standard.yaml")]);
    assert.equal(added?.status, "LOADING");
    assert.equal(added?.name, "v2_standard");
    assert.equal(added?.type, "standard");
    assert.equal(added?.["status details"], "Template validation is OK");
    assert.match(String(added?.uuid), /^[0-9a-f-]{36}$/);
    release();
    await service.whenSettled();
    assert.deepEqual(activated, ["v2_standard"]);
    const [listed] = await service.list();
    assert.equal(listed?.status, "ACTIVE");
  });

  it("invalid template is stored as error", async () => {
    const { service, activated } = createService();
    const [added] = await service.add([fixture("tempest/corrupted_template.yaml")]);
    assert.equal(added?.status, "ERROR");
    assert.match(String(added?.["status details"]), /^template_id does not appear/);
    await service.whenSettled();
    assert.deepEqual(activated, []);
    assert.equal((await service.list()).length, 1);
  });

  it("untyped v1 template is not stored", async () => {
    const { service } = createService();
    const [added] = await service.add([fixture("general__basic.yaml")], null);
    assert.deepEqual(
      { uuid: added?.uuid, status: added?.status, details: added?.["status details"] },
      { uuid: "", status: "ERROR", details: "Unknown template type" },
    );
    assert.deepEqual(await service.list(), []);
    const [typed] = await service.add([fixture("general__basic.yaml")], "standard");
    assert.equal(typed?.status, "LOADING");
  });

  it("duplicate name is rejected", async () => {
    const { service } = createService();
    await service.add([fixture("v2_standard.yaml")]);
    const [second] = await service.add([fixture("v2_standard.yaml")]);
    assert.equal(second?.status, "ERROR");
    assert.equal(second?.uuid, "");
    assert.equal(second?.["status details"], "Duplicate template name");
  });

  it("overwrite replaces the template", async () => {
    const { service, deactivated } = createService();
    const [first] = await service.add([fixture("v2_standard.yaml")]);
    await service.whenSettled();
    const [second] = await service.add([fixture("v2_standard.yaml")], null, null, {
      overwrite: true,
    });
    assert.equal(second?.status, "LOADING");
    assert.notEqual(second?.uuid, first?.uuid);
    assert.deepEqual(deactivated, ["v2_standard"]);
  });

  it("show by uuid and name", async () => {
    const { service } = createService();
    const [added] = await service.add([fixture("v2_standard.yaml")]);
    const byName = await service.show("v2_standard");
    const byUuid = await service.show(String(added?.uuid));
    assert.deepEqual(byName, byUuid);
    assert.equal((byName.metadata as Record<string, string>).type, "standard");
    await assert.rejects(service.show("nope"), TemplateNotFoundError);
  });

  it("delete goes through deleting", async () => {
    const { service, store, deactivated, hold, release } = createService();
    const [good] = await service.add([fixture("v2_standard.yaml")]);
    const [bad] = await service.add([fixture("tempest/corrupted_template.yaml")]);
    await service.whenSettled();
    hold();
    await service.delete([String(good?.uuid), "corrupted_template"]);
    const statuses = Object.fromEntries(
      (await store.list()).map((template) => [template.name, template.status]),
    );
    assert.deepEqual(statuses, { v2_standard: "DELETING", corrupted_template: "DELETED" });
    release();
    await service.whenSettled();
    assert.deepEqual(deactivated, ["v2_standard"]);
    assert.deepEqual(await service.list(), []);
    await assert.rejects(service.show(String(bad?.uuid)), TemplateNotFoundError);
    await service.delete("unknown-name");
  });

  it("definition template enables includes", async () => {
    const { service } = createService();
    const before = await service.validate([fixture("basic_with_include.yaml")], "standard");
    assert.equal(before.results[0]?.["status code"], 142);
    await service.add([fixture("basic_def_template.yaml")], "definition");
    const after = await service.validate([fixture("basic_with_include.yaml")], "standard");
    assert.equal(after.results[0]?.["status code"], 0);
    assert.equal(after.results[0]?.status, "validation OK");
    assert.equal(after.results[0]?.["file path"], "basic_with_include.yaml");
  });

  it("numbers in JSON are read as strings", async () => {
    const { service } = createService();
    const content = structuredClone(loadYaml(`${FIXTURES}templates/valid_actions.yaml`)) as Record<
      string,
      Record<string, unknown>
    >;
    (content.metadata as Record<string, unknown>).version = 3;
    const { results } = await service.validate([["json", content]]);
    assert.equal(results[0]?.["status code"], 0);
  });

  it("versions lists v3 as current", () => {
    const { service } = createService();
    assert.deepEqual(service.versions(), [
      { version: "v1", status: "SUPPORTED" },
      { version: "v2", status: "SUPPORTED" },
      { version: "v3", status: "CURRENT" },
    ]);
  });

  it("malformed request is rejected", async () => {
    const { service } = createService();
    await assert.rejects(service.validate([["only-path"]] as never), TemplateRequestError);
    await assert.rejects(service.add("x" as never), TemplateRequestError);
  });
});
