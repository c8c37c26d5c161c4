import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHttpServer, createLogger, REQUEST_TIMEOUT_MS } from "../src/index.js";

const logger = createLogger({ level: "silent" });
const formatError = () => ({});

describe("createHttpServer request timeout", () => {
  it("limits a request to a minute by default", async () => {
    const app = createHttpServer({ service: "test", logger, formatError });
    try {
      await app.ready();
      assert.equal(REQUEST_TIMEOUT_MS, 60_000);
      assert.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS);
    } finally {
      await app.close();
    }
  });

  it("takes another limit from the options", async () => {
    const app = createHttpServer({ service: "test", logger, formatError, requestTimeoutMs: 5_000 });
    try {
      await app.ready();
      assert.equal(app.server.requestTimeout, 5_000);
    } finally {
      await app.close();
    }
  });
});
