import type { HttpResponse } from "./http-client.js";

/**
 * An error response from a service, printed as python-barbicanclient prints it:
 * `4xx Client error: Not Found: Secret not found.`
 */
export class ServiceError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ServiceError";
    this.status = status;
  }

  /** Builds the error from a response body in Barbican's or Keystone's error shape. */
  static fromResponse(response: HttpResponse): ServiceError {
    const kind = response.status >= 500 ? "5xx Server error" : "4xx Client error";
    const { title, description } = describeBody(response.body.toString("utf8"));
    const detail = description === "" ? title : `${title}: ${description}`;
    return new ServiceError(response.status, `${kind}: ${detail}`);
  }
}

function describeBody(text: string): { title: string; description: string } {
  try {
    const body = JSON.parse(text) as {
      title?: string;
      description?: string;
      error?: { title?: string; message?: string };
    };
    if (body.error !== undefined) {
      return { title: body.error.title ?? "Error", description: body.error.message ?? "" };
    }
    return { title: body.title ?? "Error", description: body.description ?? "" };
  } catch {
    return { title: "Error", description: text.trim() };
  }
}
