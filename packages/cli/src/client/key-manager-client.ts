import { ServiceError } from "./api-error.js";
import { sendRequest } from "./http-client.js";
import type { ServiceSession } from "./session.js";

/** A secret as the key manager API returns it. */
export interface SecretBody {
  secret_ref: string;
  name: string | null;
  created?: string | null;
  status?: string | null;
  content_types?: Record<string, string> | null;
  algorithm: string | null;
  bit_length: number | null;
  secret_type: string;
  mode: string | null;
  expiration: string | null;
}

/** Thin client of the key manager's `/v1/secrets` API. */
export function createKeyManagerClient(session: ServiceSession) {
  async function call(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string | Buffer,
  ) {
    const response = await sendRequest(
      method,
      `${session.baseUrl}${path}`,
      { ...session.headers, ...headers },
      body,
      session.tls,
    );
    if (response.status >= 400) {
      throw ServiceError.fromResponse(response);
    }
    return response;
  }

  return {
    /** Creates a secret and returns its href. */
    async storeSecret(request: Record<string, unknown>): Promise<string> {
      const response = await call(
        "POST",
        "/v1/secrets/",
        { "content-type": "application/json", accept: "application/json" },
        JSON.stringify(request),
      );
      return (JSON.parse(response.body.toString("utf8")) as { secret_ref: string }).secret_ref;
    },

    async getSecret(secretId: string): Promise<SecretBody> {
      const response = await call("GET", `/v1/secrets/${secretId}`, { accept: "application/json" });
      return JSON.parse(response.body.toString("utf8")) as SecretBody;
    },

    /** Returns the payload bytes, asking for `accept` as the content type. */
    async getPayload(secretId: string, accept: string): Promise<Buffer> {
      const response = await call("GET", `/v1/secrets/${secretId}/payload`, { accept });
      return response.body;
    },

    async putPayload(secretId: string, payload: string): Promise<void> {
      await call("PUT", `/v1/secrets/${secretId}`, { "content-type": "text/plain" }, payload);
    },

    async listSecrets(query: URLSearchParams): Promise<SecretBody[]> {
      const response = await call("GET", `/v1/secrets?${query.toString()}`, {
        accept: "application/json",
      });
      return (JSON.parse(response.body.toString("utf8")) as { secrets: SecretBody[] }).secrets;
    },

    /** Deletes a secret; `force` also deletes one that has consumers (microversion 1.2). */
    async deleteSecret(secretId: string, force: boolean): Promise<void> {
      if (force) {
        await call("DELETE", `/v1/secrets/${secretId}?force=true`, {
          "openstack-api-version": "key-manager 1.2",
        });
        return;
      }
      await call("DELETE", `/v1/secrets/${secretId}`);
    },
  };
}
