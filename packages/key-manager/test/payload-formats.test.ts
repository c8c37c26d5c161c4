import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { createSecret, startKeyManager, type TestKeyManager } from "./helpers.js";

/** A self-signed P-256 certificate made for these tests with `openssl req -x509`. */
const CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUO2DIg9oHthNWa31gFfPDc6kL0IowCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRb3BlbnN0YWNrLXRzIHRlc3QwIBcNMjYxMjA0MjAzODEzWhgP
MjEyNjExMTAyMDM4MTNaMBwxGjAYBgNVBAMMEW9wZW5zdGFjay10cyB0ZXN0MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUrL+hB87iXCVnzIpFmDb1GR8kJ9fr62A
clg8B61N91Ad9Tyt4Ak7BlyQbfjp4oZHvcnv2WMeKawgSuCXwH9C0aNTMFEwHQYD
VR0OBBYEFB/n/slf7vG18LFkPa8lpmpmShVxMB8GA1UdIwQYMBaAFB/n/slf7vG1
8LFkPa8lpmpmShVxMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
agQVDGUDywe0l5hSukgyvA2z57RzgJn70FHjaD9tCnwCIQCx6xABZInOMyD0plJx
jG1DiJ0WDomKTXZSdjInhAmhjg==
-----END CERTIFICATE-----
`;

/** Accept values that name a PEM or DER format. Barbican serves none of them. */
const CONVERSION_ACCEPTS = [
  "application/x-pem-file",
  "application/pkix-cert",
  "application/x-x509-ca-cert",
  "application/pem-certificate-chain",
  "application/pkcs8; format=pem",
  "application/octet-stream; charset=binary",
];

for (const dialect of testDialects()) {
  describe(`PEM and DER payloads on ${dialect}`, () => {
    let km: TestKeyManager;
    const keys = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const privatePem = Buffer.from(keys.privateKey.export({ format: "pem", type: "pkcs8" }));
    const privateDer = keys.privateKey.export({ format: "der", type: "pkcs8" });
    const publicPem = Buffer.from(keys.publicKey.export({ format: "pem", type: "spki" }));
    const certificateDer = new X509Certificate(CERTIFICATE_PEM).raw;

    before(async () => {
      km = await startKeyManager(dialect);
    });
    after(async () => {
      await km.close();
    });

    async function payload(id: string, accept?: string) {
      return km.call({
        method: "GET",
        url: `/v1/secrets/${id}/payload`,
        ...(accept === undefined ? {} : { headers: { accept } }),
      });
    }

    /** Creates a secret, sending a text/plain payload as text and any other as base64. */
    async function store(secretType: string, bytes: Buffer, contentType: string) {
      const text = contentType === "text/plain";
      return createSecret(km, {
        name: `${secretType}-${contentType}`,
        secret_type: secretType,
        payload: text ? bytes.toString("utf8") : bytes.toString("base64"),
        payload_content_type: contentType,
        ...(text ? {} : { payload_content_encoding: "base64" }),
      });
    }

    test("PEM private key comes back unchanged", async () => {
      const id = await store("private", privatePem, "application/octet-stream");
      for (const accept of [undefined, "application/octet-stream", "application/pkcs8", "*/*"]) {
        const response = await payload(id, accept);
        assert.equal(response.status, 200, `${accept}: ${response.body}`);
        assert.deepEqual(response.raw, privatePem, `Accept ${accept}`);
      }
      const asText = await payload(id, "text/plain");
      assert.equal(asText.status, 200);
      assert.equal(asText.body, privatePem.toString("utf8"));
      const metadata = await km.call({ method: "GET", url: `/v1/secrets/${id}` });
      assert.deepEqual(metadata.json().content_types, { default: "application/octet-stream" });
    });

    test("DER private key is not converted to PEM", async () => {
      const id = await store("private", privateDer, "application/pkcs8");
      const response = await payload(id, "application/pkcs8");
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-type"], "application/pkcs8");
      assert.deepEqual(response.raw, privateDer);
      const parsed = createPrivateKey({ key: response.raw, format: "der", type: "pkcs8" });
      assert.equal(parsed.asymmetricKeyType, "rsa");
      const asText = await payload(id, "text/plain");
      assert.equal(asText.status, 406, "DER is not UTF-8 text");
      assert.equal(
        asText.json().description,
        "Secret payload retrieval issue seen - Wrong payload content-type.",
      );
    });

    test("PEM public key uploaded in two steps", async () => {
      const id = await createSecret(km, { name: "public-two-step", secret_type: "public" });
      const upload = await km.call({
        method: "PUT",
        url: `/v1/secrets/${id}`,
        headers: { "content-type": "application/octet-stream" },
        body: publicPem,
      });
      assert.equal(upload.status, 204, upload.body);
      const response = await payload(id, "*/*");
      assert.equal(response.status, 200);
      assert.deepEqual(response.raw, publicPem);
    });

    test("certificates in PEM and DER", async () => {
      const pemId = await store("certificate", Buffer.from(CERTIFICATE_PEM), "text/plain");
      const pem = await payload(pemId, "text/plain");
      assert.equal(pem.status, 200);
      // Every string of a JSON body is trimmed, as upstream does, so the final newline is gone.
      assert.equal(pem.body, CERTIFICATE_PEM.trimEnd());
      assert.equal(new X509Certificate(pem.body).subject, "CN=openstack-ts test");

      const derId = await store("certificate", certificateDer, "application/octet-stream");
      const der = await payload(derId);
      assert.equal(der.status, 200);
      assert.deepEqual(der.raw, certificateDer);
      assert.deepEqual(new X509Certificate(der.raw).raw, certificateDer);
      assert.equal((await payload(derId, "text/plain")).status, 406);
    });

    test("Accept asking for a conversion gets 406", async () => {
      const id = await store("certificate", Buffer.from(CERTIFICATE_PEM), "text/plain");
      for (const accept of CONVERSION_ACCEPTS) {
        const response = await payload(id, accept);
        assert.equal(response.status, 406, `${accept}: ${response.body}`);
        assert.equal(
          response.json().description,
          "Secret payload retrieval issue seen - Wrong payload content-type.",
        );
        const direct = await km.call({
          method: "GET",
          url: `/v1/secrets/${id}`,
          headers: { accept },
        });
        assert.equal(direct.status, 406, `${accept} on the secret: ${direct.body}`);
        assert.equal(
          direct.json().description,
          "Secret retrieval issue seen - Wrong payload content-type.",
        );
      }
    });

    test("PEM content types rejected on create", async () => {
      for (const contentType of ["application/x-pem-file", "application/pkix-cert"]) {
        const response = await km.call({
          method: "POST",
          url: "/v1/secrets",
          body: {
            secret_type: "certificate",
            payload: CERTIFICATE_PEM,
            payload_content_type: contentType,
          },
        });
        assert.equal(response.status, 400, response.body);
        assert.match(
          String(response.json().description),
          /payload_content_type is not one of \['text\/plain'/,
        );
      }
    });
  });
}
