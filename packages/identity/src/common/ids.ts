import { randomBytes, randomUUID } from "node:crypto";

/** Creates a resource id as Keystone writes them: a random UUID as 32 hex digits. */
export function newId(): string {
  return randomUUID().replaceAll("-", "");
}

/** Creates an audit id: 16 random bytes in URL-safe base64 (22 characters), as Keystone uses. */
export function newAuditId(): string {
  return randomBytes(16).toString("base64url");
}
