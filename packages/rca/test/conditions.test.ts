import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createStateNormaliser, parseStateTable } from "../src/states/state-normaliser.js";
import {
  ConditionParseError,
  hasPositiveClause,
  parseCondition,
} from "../src/templates/condition.js";

function render(condition: string): string[] {
  return parseCondition(condition).map((clause) =>
    clause.map((term) => (term.positive ? term.symbol : `~${term.symbol}`)).join("&"),
  );
}

describe("condition parsing", () => {
  it("converts to disjunctive normal form", () => {
    assert.deepEqual(render("a"), ["a"]);
    assert.deepEqual(render("a and b or c"), ["a&b", "c"]);
    assert.deepEqual(render("a and (b or c)"), ["a&b", "a&c"]);
    assert.deepEqual(render("a AND NOT (b OR c)"), ["a&~b&~c"]);
    assert.deepEqual(render("not (a and not b)"), ["~a", "b"]);
    assert.deepEqual(render("a or a or a and b and b"), ["a", "a&b"]);
    assert.deepEqual(render("a and not a"), ["a&~a"]);
    assert.deepEqual(render("(a or b) and (c or d)"), ["a&c", "a&d", "b&c", "b&d"]);
  });

  it("rejects malformed conditions", () => {
    for (const condition of [
      "",
      "a b",
      "and a",
      "a or",
      "(a",
      "a)",
      "a & [b]",
      "not or a",
      "a and True",
      "not not a",
    ]) {
      assert.throws(() => parseCondition(condition), ConditionParseError, condition);
    }
  });

  it("finds positive clauses", () => {
    assert.equal(hasPositiveClause(parseCondition("a and not b")), true);
    assert.equal(hasPositiveClause(parseCondition("not a or not b")), false);
  });
});

describe("state normalisation", () => {
  const normaliser = createStateNormaliser({ datasourceTypes: ["nova.host", "custom.type"] });

  it("aggregates the worse of two states", () => {
    const stored = { vitrage_type: "nova.instance", vitrage_category: "RESOURCE", state: "ACTIVE" };
    assert.deepEqual(normaliser.normalise({ vitrage_state: "SUBOPTIMAL" }, stored), {
      vitrage_aggregated_state: "SUBOPTIMAL",
      vitrage_operational_state: "SUBOPTIMAL",
    });
    assert.deepEqual(normaliser.normalise({ vitrage_state: null }, stored), {
      vitrage_aggregated_state: "ACTIVE",
      vitrage_operational_state: "OK",
    });
    assert.deepEqual(
      normaliser.normalise({ state: "paused" }, { ...stored, vitrage_state: "ERROR" }),
      {
        vitrage_aggregated_state: "ERROR",
        vitrage_operational_state: "ERROR",
      },
    );
  });

  it("unknown values and types", () => {
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "router", vitrage_category: "RESOURCE", state: "weird" },
        undefined,
      ),
      { vitrage_aggregated_state: "WEIRD", vitrage_operational_state: "N/A" },
    );
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "custom.type", vitrage_category: "RESOURCE", state: "ok" },
        undefined,
      ),
      {
        vitrage_aggregated_state: "undefined datasource",
        vitrage_operational_state: "undefined datasource",
      },
    );
    assert.deepEqual(
      normaliser.normalise(
        { vitrage_type: "nagios", vitrage_category: "ALARM", severity: "down" },
        undefined,
      ),
      { vitrage_aggregated_severity: "DOWN", vitrage_operational_severity: "CRITICAL" },
    );
    assert.equal(normaliser.normalise({ state: "x" }, undefined), undefined);
  });

  it("scores states and severities", () => {
    assert.equal(normaliser.statePriority("nova.instance", "error"), 70);
    assert.equal(normaliser.statePriority("unknown.type", "ERROR"), 30);
    assert.equal(normaliser.statePriority("nova.host", "BAD"), 0);
    assert.equal(normaliser.deducedSeverityPriority("critical"), 50);
    assert.equal(normaliser.deducedSeverityPriority("MAJOR"), 40);
  });

  it("rejects an invalid table", () => {
    assert.throws(() => parseStateTable("category: RESOURCE\nvalues: x\n"), /values/);
    assert.throws(
      () =>
        parseStateTable(
          "category: ALARM\nvalues:\n  - aggregated values:\n      priority: 1\n      original values:\n        - name: A\n          operational_value: ERROR\n",
        ),
      /invalid original value/,
    );
    assert.throws(() => parseStateTable("category: OTHER\nvalues: []\n"), /invalid category/);
  });
});
