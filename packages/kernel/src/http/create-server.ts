import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { bindService } from "../log/logger.js";
import { ApiError, httpTitle } from "./api-error.js";
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
  /** Milliseconds a client has to send a whole request; the default is REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

/**
 * Milliseconds a client has to send its headers and body. Node's own limit is five minutes, so a
 * client that announces a `Content-Length` and stops sending would hold a connection that long.
 * A minute still lets a maximum-size payload arrive over a slow link.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Header that carries the request id on every response, as OpenStack services do. */
export const REQUEST_ID_HEADER = "x-openstack-request-id";

/**
 * Seconds `close()` waits for requests in progress to finish before it cuts their connections.
 * Responses sent while closing carry `Connection: close`, so keep-alive clients do not hold the
 * server open.
 */
export const CLOSE_GRACE_SECONDS = 10;

/**
 * Creates a fastify instance with the conventions every service shares: a `req-<uuid>` request id
 * on each response and log line, `/healthcheck`, Prometheus `/metrics`, and one error handler that
 * turns every failure, including fastify's own, into an ApiError rendered by the service.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: bindService(options.logger, options.service),
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    genReqId: () => `req-${randomUUID()}`,
    logController: new LogController({
      requestIdLogLabel: "request_id",
      disableRequestLogging: true,
    }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Errors fastify raises before routing (an invalid percent-encoding in the path, a path
    // parameter over maxParamLength) skip the error handler unless they are handled here.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      sendApiError(reply, request, toApiError(error), options.formatError);
    },
    clientErrorHandler: (error, socket) =>
      answerClientError(error, socket, options.formatError, options.logger),
  }) as unknown as FastifyInstance;
  finishRequestsOnClose(app);

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

/**
 * Lets requests in progress finish when the app closes. Responses sent while closing ask the
 * client to close the connection, and connections still busy after CLOSE_GRACE_SECONDS are cut.
 */
function finishRequestsOnClose(app: FastifyInstance) {
  let closing = false;
  let deadline: NodeJS.Timeout | undefined;
  app.addHook("preClose", async () => {
    closing = true;
    deadline = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_SECONDS * 1000);
    deadline.unref();
  });
  app.addHook("onClose", async () => {
    clearTimeout(deadline);
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) {
      reply.header("connection", "close");
    }
    return payload;
  });
}

/** HTTP statuses of the parser's errors, which occur before fastify creates a request. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Sends the error response for a request the HTTP parser rejected (headers over the size limit,
 * a malformed request line, a timeout) in the service's error shape, then closes the connection.
 * The formatter gets a request with an empty URL, because the parser produced none.
 */
function answerClientError(
  error: Error,
  socket: Socket,
  formatError: ErrorFormatter,
  logger: Logger,
) {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "ECONNRESET" || socket.destroyed) {
    return;
  }
  const status = CLIENT_ERROR_STATUS[code] ?? 400;
  logger.info({ code, status, reason: error.message }, "HTTP request rejected by the parser");
  const message =
    status === 431
      ? "The request headers are too large."
      : status === 408
        ? "The request timed out before it was complete."
        : "The request is not valid HTTP.";
  const apiError = new ApiError("BAD_REQUEST", status, message);
  const placeholder = { url: "", method: "", headers: {} } as FastifyRequest;
  const body = JSON.stringify(formatError(apiError, placeholder));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${httpTitle(status)}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
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
