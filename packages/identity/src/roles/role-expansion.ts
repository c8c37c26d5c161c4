import type { RoleInference } from "./role-types.js";

/** Returns the ids of the roles given plus every role they imply, directly or not. */
export function expandRoleIds(
  roleIds: Iterable<string>,
  inferences: readonly RoleInference[],
): Set<string> {
  const implied = new Map<string, string[]>();
  for (const { priorRoleId, impliedRoleId } of inferences) {
    implied.set(priorRoleId, [...(implied.get(priorRoleId) ?? []), impliedRoleId]);
  }
  const result = new Set<string>();
  const pending = [...roleIds];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (result.has(id)) {
      continue;
    }
    result.add(id);
    pending.push(...(implied.get(id) ?? []));
  }
  return result;
}
