import { randomUUID } from "node:crypto";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { ApiError } from "./api-error.js";
import { registerMetrics } from "./metrics.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Routes marked public skip authentication (version documents, health, metrics). */
    public?: boolean;
  }
}

/** Turns an error into the service's wire format: status, headers and body. */
export type ErrorFormatter = (error: ApiError, request: FastifyRequest) => unknown;

export interface HttpServerOptions {
  /** Service name used in metrics labels and logs. */
  service: string;
  logger: Logger;
  /** Renders an ApiError in the service's upstream JSON error shape. */
  formatError: ErrorFormatter;
  /** Maximum request body in bytes; larger bodies get 413. */
  bodyLimit?: number;
  /** Extra checks run by `/healthcheck`; a rejected promise makes it return 503. */
  healthCheck?: () => Promise<void>;
  /** Disables the `/metrics` route (it is on by default). */
  metrics?: boolean;
}

/** Header that carries the request id on every response, as OpenStack services do. */
export const REQUEST_ID_HEADER = "x-openstack-request-id";

/**
 * Creates a fastify instance with the conventions every service shares: a `req-<uuid>` request id
 * on each response and log line, `/healthcheck`, Prometheus `/metrics`, and one error handler that
 * turns every failure, including fastify's own, into an ApiError rendered by the service.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ service: options.service }),
    genReqId: () => `req-${randomUUID()}`,
    logController: new LogController({
      requestIdLogLabel: "request_id",
      disableRequestLogging: true,
    }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const line = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (reply.statusCode >= 500) {
      request.log.error(line, "request failed");
    } else {
      request.log.info(line, "request completed");
    }
  });

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500 && !(error instanceof ApiError)) {
      request.log.error({ err: error }, "unhandled error");
    } else if (apiError.status >= 500) {
      request.log.error(
        { code: apiError.code, status: apiError.status, reason: apiError.message },
        "request failed",
      );
    } else {
      request.log.info(
        { code: apiError.code, status: apiError.status, reason: apiError.message },
        "request rejected",
      );
    }
    sendApiError(reply, request, apiError, options.formatError);
  });
  app.setNotFoundHandler((request, reply) => {
    const apiError = new ApiError("NOT_FOUND", 404, "The resource could not be found.");
    sendApiError(reply, request, apiError, options.formatError);
  });

  const healthCheck = options.healthCheck;
  app.route({
    method: ["GET", "HEAD"],
    url: "/healthcheck",
    config: { public: true },
    handler: async (_request, reply) => {
      try {
        await healthCheck?.();
      } catch (error) {
        reply.log.warn({ err: error }, "health check failed");
        return reply.code(503).type("text/plain").send("DOWN");
      }
      return reply.type("text/plain").send("OK");
    },
  });
  if (options.metrics !== false) {
    registerMetrics(app, options.service);
  }
  return app;
}

/** Sends an ApiError through the service's formatter, with the error's extra headers. */
export function sendApiError(
  reply: FastifyReply,
  request: FastifyRequest,
  error: ApiError,
  formatError: ErrorFormatter,
): FastifyReply {
  if (error.headers !== undefined) {
    reply.headers(error.headers);
  }
  return reply.code(error.status).type("application/json").send(formatError(error, request));
}

/** Maps fastify's own errors (body too large, bad JSON, unsupported media type...) to ApiErrors. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("REQUEST_TOO_LARGE", 413, "Request entity too large.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported media type.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError("EMPTY_BODY", 400, "The request body is empty.");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError("MALFORMED_JSON", 400, "The request body is not valid JSON.");
    case "FST_ERR_VALIDATION":
      return new ApiError("INVALID_REQUEST", 400, fastifyError.message ?? "Invalid request.");
    default:
      break;
  }
  if (error instanceof SyntaxError) {
    return new ApiError("MALFORMED_JSON", 400, "The request body is not valid JSON.");
  }
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError("BAD_REQUEST", status, fastifyError.message ?? "Bad request.");
  }
  return new ApiError(
    "INTERNAL_ERROR",
    500,
    "The server has either erred or is incapable of performing the requested operation.",
  );
}
