import { checkJson, type JsonRule } from "../validation/json-checks.js";
import type { ReadAclChange } from "./acls-types.js";

/** Upstream's `ACL` schema: only `read` may be given, with users and project access. */
const ACL_RULE: JsonRule = {
  types: ["object"],
  properties: [
    [
      "read",
      {
        types: ["object"],
        properties: [
          ["users", { types: ["array"], items: { types: ["string"], maxLength: 255 } }],
          ["project-access", { types: ["boolean"] }],
        ],
        additionalProperties: false,
      },
    ],
  ],
  additionalProperties: false,
};

/**
 * Validates an ACL body and returns the read ACL change, or undefined when the body names no
 * read ACL. As upstream, an empty `read` object counts as absent.
 */
export function validateAcl(body: unknown): ReadAclChange | undefined {
  checkJson(body, "ACL", ACL_RULE);
  const read = (body as { read?: { users?: string[]; "project-access"?: boolean } }).read;
  if (read === undefined || Object.keys(read).length === 0) {
    return undefined;
  }
  const change: ReadAclChange = {};
  if (read.users !== undefined) {
    change.users = read.users;
  }
  if (read["project-access"] !== undefined) {
    change.projectAccess = read["project-access"];
  }
  return change;
}
