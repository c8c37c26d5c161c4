/**
 * An error that a service returns to its client. `code` is a stable identifier that tests and
 * operators can match, `status` the HTTP status, and `message` the human-readable text that goes
 * into the service's wire format.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, status: number, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

/** One entry of a service's error catalogue. `{name}` placeholders are filled from parameters. */
export interface ErrorSpec {
  status: number;
  message: string;
}

export type ErrorParameters = Record<string, string | number | boolean | null | undefined>;

/**
 * Builds a typed error catalogue. `catalogue.create("SECRET_NOT_FOUND")` returns an ApiError whose
 * status and message come from the catalogue, so every error a service can return is listed in one
 * place with a stable code.
 */
export function defineErrorCatalogue<const T extends Record<string, ErrorSpec>>(specs: T) {
  function create(
    code: keyof T & string,
    parameters?: ErrorParameters,
    message?: string,
  ): ApiError {
    const spec = specs[code];
    if (spec === undefined) {
      throw new Error(`unknown error code ${code}`);
    }
    const text = message ?? fillPlaceholders(spec.message, parameters ?? {});
    return new ApiError(code, spec.status, text);
  }

  return { specs, create };
}

function fillPlaceholders(template: string, parameters: ErrorParameters): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = parameters[name];
    return value === undefined ? whole : String(value);
  });
}

/** Standard reason phrases, used by the wire formats that echo a title. */
export function httpTitle(status: number): string {
  return HTTP_TITLES[status] ?? "Error";
}

const HTTP_TITLES: Record<number, string> = {
  300: "Multiple Choices",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Request Entity Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};
