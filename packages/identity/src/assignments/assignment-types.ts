/** What a role is granted on: a project, a domain, or the whole deployment (`system`). */
export type AssignmentTarget =
  | { type: "project"; id: string }
  | { type: "domain"; id: string }
  | { type: "system"; id: "all" };

/** One grant of a role to a user on a target. */
export interface Assignment {
  userId: string;
  target: AssignmentTarget;
  roleId: string;
}

export interface AssignmentFilter {
  userId?: string | undefined;
  roleId?: string | undefined;
  targetType?: AssignmentTarget["type"] | undefined;
  targetId?: string | undefined;
}

/** The system target, the only value of a system assignment's target. */
export const SYSTEM_TARGET: AssignmentTarget = { type: "system", id: "all" };
