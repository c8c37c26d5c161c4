import type { ApiError, Logger } from "@openstack-ts/kernel";
import { identityError } from "../errors.js";

/** The part of a logger that records authentication failures. */
export type FailureLog = Pick<Logger, "info">;

/**
 * Logs why an authentication or scoping attempt failed, with the ids involved, and returns the
 * uniform 401 to throw. The client never sees the reason; the operator finds it in the log.
 * `details` must not contain a password, secret or token.
 */
export function authenticationFailed(
  log: FailureLog,
  reason: string,
  details: Record<string, unknown> = {},
): ApiError {
  log.info({ ...details, reason }, "authentication failed");
  return identityError("UNAUTHORIZED");
}
