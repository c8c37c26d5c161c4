/** Target of a role grant: a project, a domain, or the whole deployment (`system`). */
export type AssignmentTarget =
  | { type: "project"; id: string }
  | { type: "domain"; id: string }
  | { type: "system"; id: "all" };

/** Receiver of a role grant: a user, or a group whose members all get the role. */
export interface Actor {
  type: "user" | "group";
  id: string;
}

/** One grant of a role to an actor on a target. */
export interface Assignment {
  actor: Actor;
  target: AssignmentTarget;
  roleId: string;
}

export interface AssignmentFilter {
  /** Grants to any of these actors; undefined means any actor. */
  actors?: Actor[] | undefined;
  roleId?: string | undefined;
  targetType?: AssignmentTarget["type"] | undefined;
  targetId?: string | undefined;
}

/** The system target, the only value of a system assignment's target. */
export const SYSTEM_TARGET: AssignmentTarget = { type: "system", id: "all" };
