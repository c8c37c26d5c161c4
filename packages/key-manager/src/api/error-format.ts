import { type ApiError, httpTitle } from "@openstack-ts/kernel";

/**
 * Renders an error in Barbican's shape, `{"code": 404, "title": "Not Found", "description": ...}`.
 * A missing or invalid token gets keystonemiddleware's shape instead, because in upstream the 401
 * comes from that middleware before Barbican runs.
 */
export function formatKeyManagerError(error: ApiError): unknown {
  if (error.status === 401) {
    return {
      error: {
        code: 401,
        title: "Unauthorized",
        message: "The request you have made requires authentication.",
      },
    };
  }
  return { code: error.status, title: httpTitle(error.status), description: describe(error) };
}

/** Maps the kernel's generic errors to the descriptions upstream sends for the same cases. */
function describe(error: ApiError): string {
  switch (error.code) {
    case "NOT_FOUND":
      return "";
    case "MALFORMED_JSON":
      return "Malformed JSON";
    case "REQUEST_TOO_LARGE":
      return "Provided information too large to process";
    default:
      return error.message;
  }
}
