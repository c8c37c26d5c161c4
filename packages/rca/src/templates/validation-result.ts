/**
 * Validation results and the helpers that build them with upstream's descriptions and message
 * composition.
 *
 * @module
 */
import { isKnownStatusCode, STATUS_MESSAGES, statusMessage } from "./status-messages.js";

/** Description of syntax results. */
export const SYNTAX_DESCRIPTION = "Template syntax validation";

/** Description of content results. */
export const CONTENT_DESCRIPTION = "Template content validation";

/** Description of results raised from deep inside validation (parameters, version 3). */
export const GENERAL_DESCRIPTION = "Template validation";

/** The outcome of validating one template. */
export interface ValidationResult {
  readonly valid: boolean;
  /** The status code; equivalence templates, which upstream does not validate, get `""`. */
  readonly code: number | "";
  readonly message: string;
  readonly description: string;
}

/** Builds a passing result with code 0. */
export function correctResult(description = SYNTAX_DESCRIPTION): ValidationResult {
  return { valid: true, code: 0, message: STATUS_MESSAGES[0] as string, description };
}

/** Builds a failing result. The message defaults to the code's message. */
export function faultResult(description: string, code: number, message?: string): ValidationResult {
  return { valid: false, code, message: message ?? statusMessage(code), description };
}

/** Builds a failing content result. */
export function contentFault(code: number, message?: string): ValidationResult {
  return faultResult(CONTENT_DESCRIPTION, code, message);
}

/**
 * Builds a failing result raised with details: `<message> - <details>`. A code without a message of
 * its own (upstream would fail with an internal error there) is reported as a syntax error.
 */
export function customFault(code: number, details: string): ValidationResult {
  const reported = isKnownStatusCode(code) ? code : 4;
  return faultResult(GENERAL_DESCRIPTION, reported, `${statusMessage(reported)} - ${details}`);
}

/** An error carrying a status code and details, thrown inside validation. */
export class TemplateValidationError extends Error {
  readonly details: string;

  constructor(
    readonly statusCode: number,
    ...details: readonly unknown[]
  ) {
    const joined = details.map((detail) => String(detail)).join(",");
    super(`${statusMessage(statusCode)} - ${joined}`);
    this.name = "TemplateValidationError";
    this.details = joined;
  }
}
