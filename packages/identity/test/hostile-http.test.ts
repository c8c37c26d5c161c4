import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  ADMIN_PASSWORD,
  assertKeystoneError,
  type Harness,
  type Reply,
  startHarness,
} from "./support/identity-harness.js";

/** Sends raw bytes on a new connection and returns everything the server wrote before closing. */
function rawRequest(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.write(data);
  });
}

/** Splits a raw HTTP response into its status and JSON body, in the harness's reply shape. */
function parseRaw(text: string): Reply {
  const [head = "", body = ""] = text.split("\r\n\r\n");
  const status = Number(head.split(" ")[1]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  return { status, headers: {}, body: parsed, text };
}

describe("identity HTTP edge cases", () => {
  let harness: Harness;
  let admin: string;
  let port: number;

  before(async () => {
    harness = await startHarness("sqlite");
    admin = await harness.adminToken();
    port = Number(new URL(await harness.service.listen()).port);
  });

  after(async () => {
    await harness.close();
  });

  it("rejects an invalid percent-encoding in the path", async () => {
    for (const path of ["/v3/users/%E2%82", "/v3/projects/%FF/tags/x", "/v3/roles/%C0"]) {
      const reply = await harness.request("GET", path, { token: admin });
      assertKeystoneError(reply, 400, "Bad Request");
      assert.match(String(reply.headers["x-openstack-request-id"]), /^req-/);
    }
  });

  it("rejects an over-long path parameter", async () => {
    const reply = await harness.request("GET", `/v3/users/${"a".repeat(600)}`, { token: admin });
    assertKeystoneError(reply, 414, "URI Too Long");
  });

  it("rejects headers over the size limit", async () => {
    const text = await rawRequest(
      port,
      `GET /v3 HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    assertKeystoneError(parseRaw(text), 431, "Request Header Fields Too Large");
  });

  it("rejects a malformed request line", async () => {
    const text = await rawRequest(port, "\u0001\u0002 not http\r\n\r\n");
    assertKeystoneError(parseRaw(text), 400, "Bad Request");
  });

  it("finishes requests in progress on close", async () => {
    const second = await startHarness("sqlite", { "password.scrypt_cost": 16384 });
    const url = await second.service.listen();
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: { name: "admin", domain: { id: "default" }, password: ADMIN_PASSWORD },
          },
        },
      },
    });
    const issued = Array.from({ length: 4 }, () =>
      fetch(`${url}/v3/auth/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).then(
        (response) => response.status,
        (error: Error) => error.message,
      ),
    );
    const server = second.service.app.server;
    while (
      (await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)))) < 4
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await second.close();
    // A request whose headers arrive after closing began gets a 503; none loses its connection.
    const statuses = await Promise.all(issued);
    for (const status of statuses) {
      assert.ok(status === 201 || status === 503, `request ended with ${status}`);
    }
    assert.ok(statuses.includes(201), `no request finished: ${statuses.join(", ")}`);
  });
});
