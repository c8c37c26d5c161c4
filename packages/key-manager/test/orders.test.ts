import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { idOf, startKeyManager, type TestKeyManager } from "./helpers.js";

/** Polls an order until it leaves PENDING, for at most `timeoutMs`. */
async function waitForOrder(
  km: TestKeyManager,
  orderId: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await km.call({ method: "GET", url: `/v1/orders/${orderId}` });
    const order = response.json();
    if (order.status !== "PENDING" || Date.now() > deadline) {
      return order;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const dialect of testDialects()) {
  describe(`orders on the in-process queue on ${dialect}`, () => {
    let km: TestKeyManager;

    before(async () => {
      km = await startKeyManager(dialect);
    });
    after(async () => {
      await km.close();
    });

    async function order(body: unknown, project = "project-a") {
      return km.call({ method: "POST", url: "/v1/orders", body, project });
    }

    test("key order becomes ACTIVE", async () => {
      const created = await order({
        type: "key",
        meta: {
          name: "aes-key",
          algorithm: "aes",
          bit_length: 256,
          mode: "cbc",
          payload_content_type: "application/octet-stream",
        },
      });
      assert.equal(created.status, 202, created.body);
      const ref = String(created.json().order_ref);
      assert.equal(created.headers.location, ref);

      const finished = await waitForOrder(km, idOf(ref));
      assert.equal(finished.status, "ACTIVE");
      assert.equal(finished.type, "key");
      assert.equal(finished.sub_status, "Unknown");
      assert.deepEqual(finished.meta, {
        name: "aes-key",
        algorithm: "aes",
        bit_length: 256,
        mode: "cbc",
        payload_content_type: "application/octet-stream",
        expiration: null,
      });
      const secret = await km.call({
        method: "GET",
        url: `/v1/secrets/${idOf(finished.secret_ref)}`,
      });
      assert.equal(secret.json().secret_type, "symmetric");
      assert.equal(secret.json().bit_length, 256);
      const payload = await km.call({
        method: "GET",
        url: `/v1/secrets/${idOf(finished.secret_ref)}/payload`,
        headers: { accept: "application/octet-stream" },
      });
      assert.equal(payload.raw.length, 32);
    });

    test("asymmetric order with passphrase", async () => {
      const created = await order({
        type: "asymmetric",
        meta: { name: "rsa", algorithm: "rsa", bit_length: 2048, passphrase: "phrase" },
      });
      assert.equal(created.status, 202, created.body);
      const finished = await waitForOrder(km, idOf(created.json().order_ref));
      assert.equal(finished.status, "ACTIVE", JSON.stringify(finished));
      assert.equal(finished.secret_ref, undefined);
      const container = await km.call({
        method: "GET",
        url: `/v1/containers/${idOf(finished.container_ref)}`,
      });
      assert.equal(container.json().type, "rsa");
      const refs = Object.fromEntries(
        (container.json().secret_refs as { name: string; secret_ref: string }[]).map((ref) => [
          ref.name,
          idOf(ref.secret_ref),
        ]),
      );
      assert.deepEqual(Object.keys(refs).sort(), [
        "private_key",
        "private_key_passphrase",
        "public_key",
      ]);
      const read = async (id: string | undefined) =>
        (await km.call({ method: "GET", url: `/v1/secrets/${id}/payload` })).raw;
      const privatePem = (await read(refs.private_key)).toString();
      assert.match(privatePem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      const privateKey = createPrivateKey({ key: privatePem, passphrase: "phrase" });
      assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
      const publicPem = (await read(refs.public_key)).toString();
      assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----/);
      assert.equal(
        createPublicKey(publicPem).export({ format: "pem", type: "spki" }),
        createPublicKey(privateKey).export({ format: "pem", type: "spki" }),
      );
      assert.equal((await read(refs.private_key_passphrase)).toString(), "phrase");
    });

    test("unsupported generation becomes ERROR", async () => {
      const created = await order({
        type: "key",
        meta: { algorithm: "blowfish", bit_length: 128 },
      });
      assert.equal(created.status, 202);
      const finished = await waitForOrder(km, idOf(created.json().order_ref));
      assert.equal(finished.status, "ERROR");
      assert.equal(finished.error_status_code, "400");
      assert.match(String(finished.error_reason), /No plugin was found/);
    });

    test("order validation errors", async () => {
      const cases: [unknown, RegExp][] = [
        [{ meta: {} }, /'type' is a required property. Invalid property: 'type'/],
        [{ type: "key" }, /'meta' is a required property. Invalid property: 'meta'/],
        [{ type: "certificate", meta: {} }, /is not one of \['key', 'asymmetric'\]/],
        [
          { type: "key", meta: { bit_length: 256 } },
          /'algorithm' is required field for key type order/,
        ],
        [
          { type: "asymmetric", meta: { algorithm: "rsa" } },
          /'bit_length' is required field for asymmetric key/,
        ],
        [
          { type: "key", meta: { algorithm: "aes", bit_length: 257 } },
          /Provided field value is not supported/,
        ],
        [
          { type: "key", meta: { algorithm: "aes", bit_length: 256, payload: "x" } },
          /schema 'Secret' within 'Order': If 'payload' is supplied, 'payload_content_type'/,
        ],
        [
          {
            type: "key",
            meta: {
              algorithm: "aes",
              bit_length: 256,
              payload: "x",
              payload_content_type: "text/plain",
            },
          },
          /'payload' not allowed for key type order/,
        ],
        [
          { type: "key", meta: { algorithm: "aes", bit_length: 256, expiration: "2000-01-01" } },
          /'expiration' is before current time/,
        ],
        [
          { type: "key", meta: { algorithm: "aes", bit_length: 256, payload_content_type: "x/y" } },
          /payload_content_type is not one of/,
        ],
      ];
      for (const [body, message] of cases) {
        const response = await order(body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(String(response.json().description), message, JSON.stringify(body));
      }
    });

    test("listing, other projects and deletion", async () => {
      const created = await order(
        { type: "key", meta: { algorithm: "aes", bit_length: 128 } },
        "project-orders",
      );
      const id = idOf(created.json().order_ref);
      const listed = await km.call({ method: "GET", url: "/v1/orders", project: "project-orders" });
      assert.equal(listed.json().total, 1);
      const other = await km.call({ method: "GET", url: `/v1/orders/${id}`, project: "project-b" });
      assert.equal(other.status, 404);
      assert.equal(other.json().description, "Order not found.");
      const update = await km.call({
        method: "PUT",
        url: "/v1/orders",
        body: {},
        project: "project-orders",
      });
      assert.equal(update.status, 405);
      assert.equal(update.json().description, "Order update is not supported.");
      await waitForOrder(km, id);
      const deleted = await km.call({
        method: "DELETE",
        url: `/v1/orders/${id}`,
        project: "project-orders",
      });
      assert.equal(deleted.status, 204);
      const after = await km.call({ method: "GET", url: "/v1/orders", project: "project-orders" });
      assert.equal(after.json().total, 0);
    });
  });
}
