import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatList, formatOne, SECRET_COLUMNS, selectColumns } from "../src/index.js";

const SECRET = {
  secret_ref: "http://km/v1/secrets/1",
  name: "pp",
  created: "2026-01-01T00:00:00+00:00",
  status: "ACTIVE",
  content_types: { default: "text/plain" },
  algorithm: "aes",
  bit_length: 256,
  secret_type: "passphrase",
  mode: "cbc",
  expiration: null,
};

describe("output formatters", () => {
  test("show table has Field and Value columns", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["Name", "Bit length", "Content types"]);
    assert.equal(
      formatOne(columns, SECRET, "table"),
      [
        "+---------------+---------------------------+",
        "| Field         | Value                     |",
        "+---------------+---------------------------+",
        "| Name          | pp                        |",
        "| Bit length    | 256                       |",
        "| Content types | {'default': 'text/plain'} |",
        "+---------------+---------------------------+",
        "",
      ].join("\n"),
    );
  });

  test("value format prints Python text", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["expiration", "secret_ref"]);
    assert.equal(formatOne(columns, SECRET, "value"), "None\nhttp://km/v1/secrets/1\n");
  });

  test("columns by field name and label", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["secret_ref", "Secret type"]);
    assert.deepEqual(
      columns.map((column) => column.label),
      ["Secret href", "Secret type"],
    );
  });

  test("unknown columns are rejected", () => {
    assert.throws(() => selectColumns(SECRET_COLUMNS, ["colour"]), /No recognized column names/);
  });

  test("shell format names variables like cliff", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["Secret href", "Expiration"]);
    assert.equal(
      formatOne(columns, SECRET, "shell"),
      'secret_href="http://km/v1/secrets/1"\nexpiration="None"\n',
    );
  });

  test("json keeps types and labels", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["Bit length", "Expiration", "Content types"]);
    assert.deepEqual(JSON.parse(formatOne(columns, SECRET, "json")), {
      "Bit length": 256,
      Expiration: null,
      "Content types": { default: "text/plain" },
    });
  });

  test("list table right-aligns numbers", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["Name", "Bit length"]);
    const output = formatList(
      columns,
      [SECRET, { ...SECRET, name: "longer-name", bit_length: 8 }],
      "table",
    );
    assert.equal(
      output,
      [
        "+-------------+------------+",
        "| Name        | Bit length |",
        "+-------------+------------+",
        "| pp          |        256 |",
        "| longer-name |          8 |",
        "+-------------+------------+",
        "",
      ].join("\n"),
    );
  });

  test("list value and csv formats", () => {
    const columns = selectColumns(SECRET_COLUMNS, ["Name", "Bit length", "Expiration"]);
    assert.equal(formatList(columns, [SECRET], "value"), "pp 256 None\n");
    assert.equal(
      formatList(columns, [SECRET], "csv"),
      '"Name","Bit length","Expiration"\n"pp",256,""\n',
    );
  });
});
