import { type ApiError, defineErrorCatalogue, type ErrorSpec } from "@openstack-ts/kernel";

/**
 * Every error the key manager returns, with a stable code. Messages are the descriptions upstream
 * Barbican 15 sends, so clients and tests that match on them keep working.
 */
const specs = {
  MISSING_PROJECT_ID: { status: 400, message: "Missing X-Project-Id" },
  IDENTITY_HEADER_TOO_LONG: {
    status: 400,
    message: "Invalid {header}: it must have at most 255 characters",
  },
  MALFORMED_JSON: { status: 400, message: "Malformed JSON" },
  INVALID_OBJECT: {
    status: 400,
    message:
      "Provided object does not match schema '{schema}': {reason}. Invalid property: '{property}'",
  },
  INVALID_QUERY: { status: 400, message: "URI provided invalid query string parameters." },
  INVALID_METADATA: { status: 400, message: "Invalid Metadata. Keys and Values must be Strings." },
  INVALID_METADATA_KEY: { status: 400, message: "Invalid Key. Key must be URL safe." },
  // Upstream appends "." to a reason that already ends with one, hence "..".
  NO_DATA: { status: 400, message: "{operation} issue seen - No data supplied to process.." },
  CONTENT_TYPE_NOT_SUPPORTED: {
    status: 400,
    message: "{operation} issue seen - content-type of '{contentType}' not supported.",
  },
  ENCODING_MUST_BE_BASE64: {
    status: 400,
    message:
      "{operation} issue seen - Text-based binary secret payloads must specify a content-encoding of 'base64'.",
  },
  TRANSPORT_KEY_NOT_FOUND: {
    status: 400,
    message: "{operation} issue seen - Provided transport key was not found..",
  },
  TRANSPORT_KEY_ID_MISSING: {
    status: 400,
    message:
      "Transport key wrapped session key has been provided to wrap secrets for retrieval, but the transport key id has not been provided.",
  },
  SECRET_HAS_CONSUMERS: {
    status: 400,
    message: "{operation} issue seen - Secret cannot be deleted as it has consumers..",
  },
  FORBIDDEN: {
    status: 403,
    message: "{operation} attempt not allowed - please review your user/project privileges",
  },
  INVALID_SECRET_ID: { status: 404, message: "Not Found. Provided secret id is invalid." },
  SECRET_NOT_FOUND: { status: 404, message: "Secret not found." },
  SECRET_PAYLOAD_NOT_FOUND: {
    status: 404,
    message: "Not Found. Sorry but your secret has no payload.",
  },
  SECRET_METADATA_NOT_FOUND: { status: 404, message: "Secret metadata not found." },
  RESOURCE_NOT_FOUND: { status: 404, message: "" },
  METHOD_NOT_ALLOWED: { status: 405, message: "" },
  PAYLOAD_NOT_ACCEPTABLE: {
    status: 406,
    message: "{operation} issue seen - Wrong payload content-type.",
  },
  INVALID_MICROVERSION: {
    status: 406,
    message: "Invalid microversion: Unacceptable version header: {version}",
  },
  SECRET_ALREADY_HAS_DATA: { status: 409, message: "Secret already has data, cannot modify it." },
  METADATA_KEY_EXISTS: {
    status: 409,
    message: "Conflict. Key in request is already in the secret metadata",
  },
  // NOTE: upstream's message really ends after "the ": its source drops the rest of the sentence.
  METADATA_KEY_MISMATCH: {
    status: 409,
    message: "Key in request data does not match key in the ",
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: "Provided information too large to process" },
  PAYLOAD_TOO_LARGE_IN_OPERATION: {
    status: 413,
    message: "{operation} issue seen - Provided information too large to process.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: "Unexpected content type. Expected content types are: {expected}",
  },

  UNSUPPORTED_FIELD: { status: 400, message: "Provided field value is not supported" },
  QUOTA_REACHED: {
    status: 403,
    message: "{operation} issue seen - Creation not allowed because a quota has been reached.",
  },
  PROJECT_QUOTAS_NOT_FOUND: { status: 404, message: "Project quotas not found." },
  NUL_CHARACTER: {
    status: 400,
    message: "Invalid request: {where} contains a NUL character, which cannot be stored",
  },
  UNPAIRED_SURROGATE: {
    status: 400,
    message:
      "Invalid request: {where} contains an unpaired UTF-16 surrogate escape, which is not valid Unicode text",
  },
  INVALID_PROJECT_ID: {
    status: 400,
    message: "Invalid project id: it must have at most 255 characters",
  },
  INVALID_CONTAINER_ID: { status: 404, message: "Not Found. Provided container id is invalid." },
  CONTAINER_NOT_FOUND: { status: 404, message: "Secrets container not found." },
  CONTAINER_SECRET_NOT_FOUND: {
    status: 404,
    message: "Secret provided for '{name}' doesn't exist.",
  },
  CONTAINER_NOT_GENERIC: { status: 400, message: "Only 'generic' containers can be modified." },
  SECRET_TO_ADD_NOT_FOUND: { status: 404, message: "Secret provided doesn't exist." },
  SECRET_TO_REMOVE_NOT_FOUND: {
    status: 404,
    message: "Secret '{name}' with reference '{ref}' doesn't exist.",
  },
  SECRET_NOT_IN_CONTAINER: { status: 404, message: "Secret provided is not in the container" },
  CONTAINER_SECRET_CONFLICT: {
    status: 409,
    message:
      "Conflict. A secret with that name and ID is already stored in this container. The same secret can exist in a container as long as the name is unique.",
  },
  CONSUMER_NOT_FOUND: { status: 404, message: "Consumer not found." },
  INVALID_CONSUMER_ID: { status: 404, message: "Not Found. Provided consumer id is invalid." },
  CONSUMER_OWNERSHIP_MISMATCH: {
    status: 403,
    message: "Not Allowed. Sorry, only the creator of a consumer can delete it.",
  },
  ORDER_NOT_FOUND: { status: 404, message: "Order not found." },
  ORDER_UPDATE_NOT_SUPPORTED: { status: 405, message: "Order update is not supported." },
  TRANSPORT_KEY_MISSING: { status: 404, message: "Not Found. Transport Key not found." },
  INVALID_TRANSPORT_KEY_ID: {
    status: 404,
    message: "Not Found. Provided transport key id is invalid.",
  },
  MULTIPLE_STORES_DISABLED: {
    status: 404,
    message: "Not Found. Multiple backends support is not enabled in service configuration.",
  },
  SECRET_STORE_NOT_FOUND: { status: 404, message: "Not Found. Secret store not found." },
  PREFERRED_STORE_NOT_FOUND: {
    status: 404,
    message: "Not Found. No preferred secret store defined for this project.",
  },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code of the key manager. */
export type ErrorCode = keyof typeof specs;

/** Values that fill the `{name}` placeholders of a message. */
export type ErrorParameters = Record<string, string | number | boolean | null | undefined>;

/** The key manager's error catalogue; `errors.create(code, parameters)` builds an ApiError. */
export const errors: {
  specs: typeof specs;
  create(code: ErrorCode, parameters?: ErrorParameters, message?: string): ApiError;
} = defineErrorCatalogue(specs);
