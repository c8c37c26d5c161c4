import type { FastifyInstance } from "fastify";
import { rcaErrors } from "../errors.js";

/**
 * Maximum nesting of arrays and objects in a request body. Templates, events and webhook
 * registrations need a handful of levels. A deeper body would overflow the stack later, in
 * template validation or when the graph is serialised, so it is rejected when it arrives.
 */
export const MAX_BODY_DEPTH = 100;

/** Rejects request bodies nested deeper than {@link MAX_BODY_DEPTH} with 400. */
export function registerBodyDepthCheck(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    if (nestingDepth(request.body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      throw rcaErrors.create("BODY_TOO_DEEP", { limit: MAX_BODY_DEPTH });
    }
  });
}

/**
 * Returns the nesting depth of a parsed JSON value, or `limit + 1` as soon as it is deeper than
 * `limit`. The walk uses an explicit stack, so it cannot overflow on the values it rejects.
 */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) {
      continue;
    }
    const level = depth + 1;
    if (level > limit) {
      return limit + 1;
    }
    deepest = Math.max(deepest, level);
    for (const child of Object.values(current)) {
      if (typeof child === "object" && child !== null) {
        stack.push([child, level]);
      }
    }
  }
  return deepest;
}
