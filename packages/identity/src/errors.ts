import { ApiError, defineErrorCatalogue, type ErrorSpec, httpTitle } from "@openstack-ts/kernel";

/**
 * Every error the identity service returns, with a stable code. Authentication failures share one
 * message on purpose, so a caller cannot tell an unknown user from a wrong password. The 401
 * messages are Keystone's (with `insecure_debug = false`).
 */
const specs = {
  UNAUTHORIZED: {
    status: 401,
    message: "The request you have made requires authentication.",
  },
  AUTH_METHOD_NOT_SUPPORTED: {
    status: 401,
    message: "Attempted to authenticate with an unsupported method.",
  },
  APPLICATION_CREDENTIAL_AUTH_FAILED: {
    status: 401,
    message: "Error authenticating with application credential: {detail}",
  },
  FORBIDDEN: {
    status: 403,
    message: "The caller is not authorized to perform {action}.",
  },
  INVALID_REQUEST: { status: 400, message: "{reason}" },
  TOKEN_NOT_FOUND: { status: 404, message: "The token is not valid or has expired." },
  DOMAIN_NOT_FOUND: { status: 404, message: "Domain {id} not found." },
  PROJECT_NOT_FOUND: { status: 404, message: "Project {id} not found." },
  USER_NOT_FOUND: { status: 404, message: "User {id} not found." },
  ROLE_NOT_FOUND: { status: 404, message: "Role {id} not found." },
  GROUP_NOT_FOUND: { status: 404, message: "Group {id} not found." },
  TAG_NOT_FOUND: { status: 404, message: "Project {project} has no tag {tag}." },
  MEMBERSHIP_NOT_FOUND: { status: 404, message: "User {user} is not a member of group {group}." },
  IMPLIED_ROLE_NOT_FOUND: {
    status: 404,
    message: "Role {prior} does not imply role {implied}.",
  },
  GRANT_NOT_FOUND: {
    status: 404,
    message: "Role {role} is not assigned to {actor} on {target}.",
  },
  SERVICE_NOT_FOUND: { status: 404, message: "Service {id} not found." },
  ENDPOINT_NOT_FOUND: { status: 404, message: "Endpoint {id} not found." },
  REGION_NOT_FOUND: { status: 404, message: "Region {id} not found." },
  CREDENTIAL_NOT_FOUND: { status: 404, message: "EC2 credential {id} not found." },
  APPLICATION_CREDENTIAL_NOT_FOUND: {
    status: 404,
    message: "Application credential {id} not found.",
  },
  ACCESS_RULE_NOT_FOUND: { status: 404, message: "Access rule {id} not found." },
  DUPLICATE: { status: 409, message: "{what} already exists." },
  DOMAIN_ENABLED: {
    status: 403,
    message: "Domain {id} is enabled; disable it before deleting it.",
  },
  PROTECTED_RESOURCE: { status: 403, message: "{what}" },
  ACCESS_RULE_IN_USE: {
    status: 403,
    message: "Access rule {id} is used by an application credential; delete that first.",
  },
  RESTRICTED_APPLICATION_CREDENTIAL: {
    status: 403,
    message:
      "A token issued from a restricted application credential cannot manage application credentials.",
  },
} as const satisfies Record<string, ErrorSpec>;

const catalogue = defineErrorCatalogue(specs);

/** Code of an identity error, such as `USER_NOT_FOUND`. */
export type IdentityErrorCode = keyof typeof specs;

/** Values that fill the `{placeholders}` of a catalogue message. */
export type IdentityErrorParameters = Record<string, string | number | boolean | null | undefined>;

/** Creates the ApiError of a catalogue entry, its message filled from the parameters. */
export function identityError(
  code: IdentityErrorCode,
  parameters?: IdentityErrorParameters,
): ApiError {
  return catalogue.create(code, parameters);
}

/** Creates a 400 with a message that names the invalid value and the fix. */
export function invalidRequest(reason: string): ApiError {
  return catalogue.create("INVALID_REQUEST", { reason });
}

/**
 * A 401 of an authentication method. Keystone adds an `identity` object to its error body: the
 * supported methods for an unsupported method, and `{}` otherwise.
 */
export class AuthPluginError extends ApiError {
  readonly authentication: Record<string, unknown>;

  constructor(error: ApiError, authentication: Record<string, unknown>) {
    super(error.code, error.status, error.message, error.headers);
    this.authentication = authentication;
  }
}

/** Creates the 401 of an authentication method with the `identity` object of its body. */
export function authPluginError(
  code: "AUTH_METHOD_NOT_SUPPORTED" | "APPLICATION_CREDENTIAL_AUTH_FAILED",
  authentication: Record<string, unknown>,
  parameters?: IdentityErrorParameters,
): AuthPluginError {
  return new AuthPluginError(catalogue.create(code, parameters), authentication);
}

/**
 * Keystone's error body: `{"error": {"code": 404, "message": "...", "title": "Not Found"}}`, with
 * `identity` added for an AuthPluginError.
 */
export function formatKeystoneError(error: ApiError) {
  const body = { code: error.status, message: error.message, title: httpTitle(error.status) };
  if (error instanceof AuthPluginError) {
    return { error: { ...body, identity: error.authentication } };
  }
  return { error: body };
}
