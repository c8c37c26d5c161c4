import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runIsolated } from "./helpers/isolated.js";

/**
 * Patterns with nested quantifiers take exponential time on a backtracking engine. Each check
 * runs in a child process that is killed after 60 seconds, because no in-process timeout can
 * interrupt a blocked event loop. A linear-time engine finishes well before that.
 */
const LONG_NAME = `${"a".repeat(5000)}!`;

describe("caller-supplied regular expressions", () => {
  it("template regex on a long name completes", async () => {
    const run = await runIsolated(
      `import { matchesPattern } from "./packages/rca/src/graph/graph-filter.ts";
       console.log(matchesPattern(${JSON.stringify(LONG_NAME)}, "(a+)+$"));`,
      60,
    );
    assert.equal(run.completed, true, "the match did not finish");
    assert.equal(run.stdout.trim(), "false", run.stderr);
  });

  it("webhook regex filter on a long name completes", async () => {
    const run = await runIsolated(
      `import { createWebhookNotifier } from "./packages/rca/src/notifier/webhook-notifier.ts";
       import { createLogger } from "@openstack-ts/kernel";
       const webhook = { id: "w", project_id: "p", is_admin_webhook: true, url: "http://127.0.0.1:9/",
         headers: "", regex_filter: '{"name": "(a+)+$"}', created_at: "" };
       const notifier = createWebhookNotifier({ repo: { list: async () => [webhook] },
         logger: createLogger({ level: "silent" }), maxRetries: 0, timeoutSeconds: 1 });
       await notifier.notify("vitrage.alarm.activate", { vitrage_id: "a", name: ${JSON.stringify(LONG_NAME)} });
       console.log("done");`,
      60,
    );
    assert.equal(run.completed, true, "the filter did not finish");
    assert.equal(run.stdout.trim(), "done", run.stderr);
  });

  it("accepts Python inline flags and named groups", async () => {
    const { matchesPattern } = await import("../src/graph/graph-filter.js");
    assert.equal(matchesPattern("Host-1 DOWN", "(?i)host-(?P<number>\\d+) down"), true);
    assert.equal(matchesPattern("host-1", "host-\\d\\Z"), true);
    assert.equal(matchesPattern("host-12", "host-\\d\\Z"), false);
  });

  it("rejects patterns without a linear-time form", async () => {
    const { compilePattern } = await import("../src/graph/graph-filter.js");
    assert.throws(() => compilePattern("(a)\\1"), SyntaxError);
    assert.throws(() => compilePattern("a(?=b)"), SyntaxError);
    assert.throws(() => compilePattern("("), SyntaxError);
  });
});
