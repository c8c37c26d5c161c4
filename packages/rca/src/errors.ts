import {
  type ApiError,
  defineErrorCatalogue,
  type ErrorSpec,
  httpTitle,
} from "@openstack-ts/kernel";
import type { FastifyRequest } from "fastify";

/**
 * Every error the RCA API returns. Messages follow upstream Vitrage 9, which maps most handler
 * failures to 404 with a "Failed to ..." sentence and webhook input problems to 400.
 */
const specs = {
  UNAUTHORIZED: { status: 401, message: "The request you have made requires authentication." },
  BODY_TOO_DEEP: {
    status: 400,
    message: "The request body is nested deeper than {limit} levels.",
  },
  POLICY_FORBIDDEN: { status: 403, message: "Authorization Failed" },
  GRAPH_DEPTH_WITHOUT_ROOT: {
    status: 403,
    message: "Graph-type 'graph' requires a 'root' with 'depth'",
  },
  TOPOLOGY_FAILED: { status: 404, message: "Failed to get topology." },
  INVALID_QUERY: { status: 400, message: "Invalid query: {reason}" },
  ALARM_LIST_FAILED: { status: 404, message: "Failed to get alarms" },
  ALARM_INVALID_ARGUMENT: { status: 400, message: "{reason}" },
  ALARM_SHOW_FAILED: { status: 404, message: "Failed to show alarm." },
  ALARM_COUNT_FAILED: { status: 404, message: "Failed to get alarm counts." },
  RCA_FAILED: { status: 404, message: "Failed to get RCA" },
  RESOURCE_LIST_FAILED: { status: 404, message: "Failed to list resources." },
  RESOURCE_SHOW_FAILED: { status: 404, message: "Failed to show resource." },
  RESOURCE_COUNT_FAILED: { status: 404, message: "Failed to count resources." },
  TEMPLATE_NOT_FOUND: { status: 404, message: "Failed to show template." },
  TEMPLATE_LIST_FAILED: { status: 404, message: "Failed to get template list." },
  TEMPLATE_ADD_FAILED: { status: 404, message: "Failed to add template." },
  TEMPLATE_DELETE_FAILED: { status: 404, message: "Failed to delete template." },
  TEMPLATE_VALIDATE_FAILED: { status: 404, message: "Failed to validate template." },
  TEMPLATE_INVALID_REQUEST: { status: 400, message: "{reason}" },
  EVENT_INVALID: { status: 400, message: "{reason}" },
  EVENT_POST_FAILED: { status: 404, message: "Failed to post event" },
  WEBHOOK_URL_MISSING: { status: 400, message: "Missing mandatory field: URL" },
  WEBHOOK_INVALID: { status: 400, message: "Failed to add webhook: {reason}" },
  WEBHOOK_NOT_FOUND: { status: 404, message: "Failed to find webhook with ID: {id}" },
  WEBHOOK_DELETE_NOT_FOUND: { status: 404, message: "Failed to find resource with ID: {id}" },
  WEBHOOK_LIST_FAILED: { status: 404, message: "Failed to list webhooks." },
  SERVICE_LIST_UNSUPPORTED: { status: 500, message: "Service API not supported" },
  GRAPH_NOT_READY: { status: 503, message: "vitrage-graph is not ready" },
} as const satisfies Record<string, ErrorSpec>;

export type RcaErrorCode = keyof typeof specs;

/** Builds the API errors of the catalogue by code, with `{name}` placeholders filled in. */
export const rcaErrors: {
  specs: typeof specs;
  create(
    code: RcaErrorCode,
    parameters?: Record<string, string | number | boolean | null | undefined>,
    message?: string,
  ): ApiError;
} = defineErrorCatalogue(specs);

/**
 * Renders an error as pecan does for JSON clients, `{"code": 404, "title": "Not Found",
 * "description": "..."}`, except 401 which keystonemiddleware renders as
 * `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`.
 */
export function formatRcaError(error: ApiError, _request: FastifyRequest): unknown {
  const title = httpTitle(error.status);
  if (error.status === 401) {
    return { error: { code: 401, title, message: error.message } };
  }
  return { code: error.status, title, description: error.message };
}
