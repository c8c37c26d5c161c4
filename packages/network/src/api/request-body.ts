import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * Reads every request body as JSON, as Neutron does: an empty body is no body (clients such as
 * tempest send `Content-Type: application/json` on DELETE without one), and a body with another or
 * no content type is still parsed as JSON. Invalid JSON raises a SyntaxError, which the error
 * handler turns into "Body contains invalid data".
 */
export function registerJsonBodies(app: FastifyInstance): void {
  const parse = (
    _request: FastifyRequest,
    body: string,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    if (body.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body) as unknown);
    } catch (error) {
      done(error as Error);
    }
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, parse);
}
