import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import {
  ConfigError,
  databaseSchema,
  listenSchema,
  loadConfig,
  serviceSchema,
} from "../src/index.js";

const schema = serviceSchema({
  listen: listenSchema(9311),
  database: databaseSchema("example"),
  limit: Type.Integer({ default: 10, minimum: 1 }),
  names: Type.Array(Type.String(), { default: [] }),
});

describe("configuration loader", () => {
  it("applies defaults with no file", () => {
    const config = loadConfig(schema, { section: "example", env: {} });
    assert.equal(config.listen.port, 9311);
    assert.equal(config.listen.host, "127.0.0.1");
    assert.match(config.database.url, /^sqlite:.*example\.sqlite$/);
    assert.equal(config.limit, 10);
  });

  it("reads the section of a YAML file", () => {
    const folder = mkdtempSync(join(tmpdir(), "osts-config-"));
    const file = join(folder, "config.yaml");
    writeFileSync(
      file,
      "example:\n  listen:\n    port: 1234\n  limit: 3\nother:\n  ignored: true\n",
    );
    const config = loadConfig(schema, { section: "example", file, env: {} });
    assert.equal(config.listen.port, 1234);
    assert.equal(config.limit, 3);
  });

  it("lets environment variables override the file", () => {
    const env = { OSTS_EXAMPLE__LISTEN__PORT: "4321", OSTS_EXAMPLE__NAMES: "[a, b]" };
    const config = loadConfig(schema, { section: "example", env });
    assert.equal(config.listen.port, 4321);
    assert.deepEqual(config.names, ["a", "b"]);
  });

  it("lists every problem at once", () => {
    const env = {
      OSTS_EXAMPLE__LIMIT: "0",
      OSTS_EXAMPLE__LISTEN__PORT: "99999",
      OSTS_EXAMPLE__TYPO: "1",
    };
    assert.throws(
      () => loadConfig(schema, { section: "example", env }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.ok(error.problems.some((problem) => problem.startsWith("limit:")));
        assert.ok(error.problems.some((problem) => problem.startsWith("listen.port:")));
        assert.ok(error.problems.some((problem) => problem === "typo: unknown setting"));
        return true;
      },
    );
  });

  it("reports an unreadable file", () => {
    assert.throws(
      () => loadConfig(schema, { section: "example", file: "/nonexistent/config.yaml", env: {} }),
      /cannot read configuration file/,
    );
  });
});
