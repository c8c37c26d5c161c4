import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
