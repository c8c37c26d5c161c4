import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { bindService, createLogger } from "../src/index.js";

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line !== ""),
      );
      callback();
    },
  });
  return { stream, lines };
}

function countKey(line: string, key: string): number {
  return line.split(`"${key}":`).length - 1;
}

describe("bindService", () => {
  it("writes service once when bound twice", async () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    const logger = bindService(bindService(root, "network"), "network");
    logger.info("ready");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lines.length, 1);
    assert.equal(countKey(lines[0] ?? "", "service"), 1);
    assert.equal(JSON.parse(lines[0] ?? "{}").service, "network");
  });

  it("keeps a logger created for the same service", async () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, service: "rca" });
    assert.equal(bindService(root, "rca"), root);
    bindService(root, "rca").info("ready");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(countKey(lines[0] ?? "", "service"), 1);
  });
});
