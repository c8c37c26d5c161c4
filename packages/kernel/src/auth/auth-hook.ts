import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../http/api-error.js";
import { type AuthContext, emptyAuthContext, type TokenValidator } from "./auth-context.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller; routes marked `public` see an empty, unauthenticated context. */
    auth: AuthContext;
  }
}

export type AuthMode = "keystone" | "noauth";

export interface AuthHookOptions {
  mode: AuthMode;
  /** Required in keystone mode. */
  validator?: TokenValidator;
  /** Roles given to a no-auth request that sends no `X-Roles` header. */
  noauthDefaultRoles?: string[];
  /** The error for a missing or invalid token; defaults to a plain 401. */
  unauthorized?: (request: FastifyRequest) => ApiError;
  /** Value of the `WWW-Authenticate` header on 401 responses, as keystonemiddleware sends it. */
  wwwAuthenticate?: string;
}

/**
 * Adds authentication to every route that is not marked `config: { public: true }`.
 *
 * In keystone mode the `X-Auth-Token` header is validated and the caller comes from the token. In
 * no-auth mode, as in upstream's unauthenticated pipelines, the caller comes from `X-Project-Id`,
 * `X-User-Id`, `X-User-Name` and `X-Roles` (comma-separated, lower-cased), and nothing is checked.
 */
export function registerAuth(app: FastifyInstance, options: AuthHookOptions): void {
  if (options.mode === "keystone" && options.validator === undefined) {
    throw new Error("keystone authentication needs a token validator");
  }
  app.decorateRequest("auth", null as unknown as AuthContext);

  app.addHook("onRequest", async (request) => {
    request.auth = emptyAuthContext();
    if (request.routeOptions.config?.public === true) {
      return;
    }
    if (options.mode === "noauth") {
      request.auth = noauthContext(request, options.noauthDefaultRoles ?? []);
      return;
    }
    const token = headerValue(request, "x-auth-token");
    const context =
      token === undefined ? null : await validateOrFail(options.validator as TokenValidator, token);
    if (context === null) {
      const error =
        options.unauthorized?.(request) ??
        new ApiError("UNAUTHORIZED", 401, "Authentication required.");
      throw withAuthenticateHeader(error, options.wwwAuthenticate);
    }
    request.auth = context;
  });
}

async function validateOrFail(
  validator: TokenValidator,
  token: string,
): Promise<AuthContext | null> {
  try {
    return await validator.validate(token);
  } catch (error) {
    throw new ApiError(
      "IDENTITY_UNAVAILABLE",
      503,
      `The identity service could not validate the token: ${(error as Error).message}`,
    );
  }
}

function withAuthenticateHeader(error: ApiError, wwwAuthenticate: string | undefined): ApiError {
  if (wwwAuthenticate === undefined || error.status !== 401) {
    return error;
  }
  return new ApiError(error.code, error.status, error.message, {
    ...(error.headers ?? {}),
    "www-authenticate": wwwAuthenticate,
  });
}

/** Builds the caller from no-auth headers. */
export function noauthContext(request: FastifyRequest, defaultRoles: string[]): AuthContext {
  const context = emptyAuthContext();
  context.projectId = headerValue(request, "x-project-id") ?? null;
  context.userId = headerValue(request, "x-user-id") ?? null;
  context.userName = headerValue(request, "x-user-name") ?? headerValue(request, "x-user") ?? null;
  context.domainId = headerValue(request, "x-domain-id") ?? null;
  const roles = (headerValue(request, "x-roles") ?? "")
    .split(",")
    .map((role) => role.trim().toLowerCase())
    .filter((role) => role !== "");
  context.roles = roles.length > 0 ? roles : [...defaultRoles];
  return context;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}
