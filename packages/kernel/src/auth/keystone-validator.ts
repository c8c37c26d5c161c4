import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import {
  type AuthContext,
  authContextFromKeystoneToken,
  type KeystoneTokenBody,
  type TokenValidator,
} from "./auth-context.js";

export interface ServiceCredentials {
  /** Keystone URL, with or without the `/v3` suffix. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

export interface KeystoneValidatorOptions {
  credentials: ServiceCredentials;
  /** Maximum number of validated tokens kept in memory. */
  cacheSize?: number;
  /** Seconds a validated token is trusted before it is checked again (never beyond its expiry). */
  cacheSeconds?: number;
  /** Seconds an HTTP call to Keystone may take. */
  timeoutSeconds?: number;
  logger?: Logger;
}

/**
 * Validates tokens against a Keystone v3 server with `GET /v3/auth/tokens`, the way
 * keystonemiddleware does: the service authenticates as its own service user and sends the token to
 * check in `X-Subject-Token`. Results are cached by token hash for a bounded time and count, so a
 * revoked token stays accepted for at most `cacheSeconds`.
 */
export class KeystoneTokenValidator implements TokenValidator {
  readonly #options: Required<Omit<KeystoneValidatorOptions, "logger">> & { logger?: Logger };
  readonly #cache: LRUCache<string, AuthContext>;
  #serviceToken: { value: string; expiresAt: number } | null = null;

  constructor(options: KeystoneValidatorOptions) {
    this.#options = { cacheSize: 10_000, cacheSeconds: 300, timeoutSeconds: 10, ...options };
    this.#cache = new LRUCache({ max: this.#options.cacheSize });
  }

  async validate(token: string): Promise<AuthContext | null> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const context = await this.#validateRemotely(token, true);
    if (context === null) {
      return null;
    }
    const ttl = this.#cacheTtlMs(context);
    if (ttl > 0) {
      this.#cache.set(key, context, { ttl });
    }
    return context;
  }

  #cacheTtlMs(context: AuthContext): number {
    const limit = this.#options.cacheSeconds * 1000;
    if (context.expiresAt === null) {
      return limit;
    }
    return Math.min(limit, context.expiresAt.getTime() - Date.now());
  }

  async #validateRemotely(
    token: string,
    retryOnServiceTokenFailure: boolean,
  ): Promise<AuthContext | null> {
    const serviceToken = await this.#getServiceToken();
    const response = await fetch(`${identityV3(this.#options.credentials.authUrl)}/auth/tokens`, {
      headers: {
        "x-auth-token": serviceToken,
        "x-subject-token": token,
        accept: "application/json",
      },
      signal: AbortSignal.timeout(this.#options.timeoutSeconds * 1000),
    });
    if (response.status === 401 && retryOnServiceTokenFailure) {
      this.#serviceToken = null;
      return this.#validateRemotely(token, false);
    }
    if (response.status === 404 || response.status === 401) {
      return null;
    }
    if (!response.ok) {
      throw new Error(`token validation failed: identity service returned HTTP ${response.status}`);
    }
    const body = (await response.json()) as { token: KeystoneTokenBody };
    const context = authContextFromKeystoneToken(body.token);
    if (context.expiresAt !== null && context.expiresAt.getTime() <= Date.now()) {
      return null;
    }
    return context;
  }

  async #getServiceToken(): Promise<string> {
    const current = this.#serviceToken;
    if (current !== null && current.expiresAt - Date.now() > 60_000) {
      return current.value;
    }
    const issued = await issueToken(this.#options.credentials, this.#options.timeoutSeconds);
    this.#serviceToken = issued;
    this.#options.logger?.info(
      { user: this.#options.credentials.username },
      "service token obtained",
    );
    return issued.value;
  }
}

/** Returns the `/v3` base URL of an identity endpoint given with or without the version. */
export function identityV3(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, "");
  return trimmed.endsWith("/v3") ? trimmed : `${trimmed}/v3`;
}

/**
 * Authenticates with a password and a project scope, returning the token and its expiry (in epoch
 * milliseconds) together with the token body, which carries the service catalog.
 */
export async function issueToken(credentials: ServiceCredentials, timeoutSeconds = 10) {
  const response = await fetch(`${identityV3(credentials.authUrl)}/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: {
              name: credentials.username,
              password: credentials.password,
              domain: { name: credentials.userDomainName },
            },
          },
        },
        scope: {
          project: {
            name: credentials.projectName,
            domain: { name: credentials.projectDomainName },
          },
        },
      },
    }),
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  if (response.status !== 201) {
    throw new Error(
      `authentication of ${credentials.username} at ${credentials.authUrl} failed: HTTP ${response.status}`,
    );
  }
  const value = response.headers.get("x-subject-token");
  if (value === null) {
    throw new Error(`identity service at ${credentials.authUrl} returned no X-Subject-Token`);
  }
  const body = (await response.json()) as { token: KeystoneTokenBody };
  const expiresAt =
    body.token.expires_at === undefined ? Date.now() + 3600_000 : Date.parse(body.token.expires_at);
  return { value, expiresAt, body: body.token };
}
