import type { FastifyInstance, HTTPMethods } from "fastify";
import { errors } from "../errors.js";

const ALL_METHODS: HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/** Responds 405 to every method of `url` that has no route, as upstream's controllers do. */
export function rejectOtherMethods(
  app: FastifyInstance,
  url: string,
  allowed: HTTPMethods[],
  options: { public?: boolean } = {},
): void {
  const others = ALL_METHODS.filter(
    (method) => !allowed.includes(method) && !(method === "HEAD" && allowed.includes("GET")),
  );
  app.route({
    method: others,
    url,
    config: { public: options.public === true },
    handler: async () => {
      throw errors.create("METHOD_NOT_ALLOWED");
    },
  });
}
