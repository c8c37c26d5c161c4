/**
 * Validation entry point: picks the checks by template type and version, and returns upstream's
 * result for one template.
 *
 * @module
 */
import { parseDocument } from "yaml";
import {
  type DefinitionTemplates,
  validateContent,
  validateDefinitionContent,
} from "./content-v1.js";
import { TEMPLATE_TYPES, TEMPLATE_VERSIONS } from "./status-messages.js";
import { validateDefinitionSyntax, validateSyntax } from "./syntax-v1.js";
import {
  contentFault,
  customFault,
  faultResult,
  SYNTAX_DESCRIPTION,
  type ValidationResult,
} from "./validation-result.js";
import { validateTemplateV3 } from "./validator-v3.js";

type TemplateDocument = Readonly<Record<string, unknown>>;

/** A template that failed to parse: the parser's message. */
export interface UnparsableTemplate {
  readonly parseError: string;
}

/** The result of {@link parseTemplateYaml}. */
export type ParsedTemplate = { readonly content: unknown } | UnparsableTemplate;

/**
 * Parses template YAML the way the vitrage client does (PyYAML's BaseLoader): every scalar is
 * a string, an empty value is `""`, and a repeated key keeps its last value.
 */
export function parseTemplateYaml(text: string): ParsedTemplate {
  const document = parseDocument(text, { schema: "failsafe", uniqueKeys: false });
  const error = document.errors[0];
  if (error !== undefined) {
    return { parseError: error.message };
  }
  return { content: document.toJS() };
}

/**
 * Returns a copy of a template document with every number and boolean turned into a string and
 * null into `""`, as the client's YAML loader would have produced them, so JSON from other
 * clients validates the same way.
 */
export function normaliseTemplateDocument(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => normaliseTemplateDocument(item));
  }
  if (typeof value === "object" && value !== null) {
    const normalised: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      normalised[key] = normaliseTemplateDocument(item);
    }
    return normalised;
  }
  if (value === null || value === undefined) {
    return "";
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return value;
}

/** Returns the template's `metadata.version`, defaulting to 1. */
export function templateVersion(template: TemplateDocument): string {
  const metadata = template.metadata;
  if (typeof metadata !== "object" || metadata === null) {
    return "1";
  }
  const version = (metadata as TemplateDocument).version;
  return version === undefined ? "1" : String(version);
}

/**
 * Returns the type a template is validated as: its `metadata.type`, else the request's type.
 * Undefined when neither is set or they differ.
 */
export function resolveTemplateType(
  template: TemplateDocument,
  requestedType: string | null | undefined,
): string | undefined {
  const metadata = template.metadata as TemplateDocument | undefined;
  const declared = metadata !== undefined && "type" in metadata ? metadata.type : requestedType;
  if (!declared || (requestedType && requestedType !== declared)) {
    return undefined;
  }
  return String(declared);
}

/**
 * Validates one template document (already parsed, scalars as strings).
 *
 * @param requestedType the request's `template_type`, used when the template declares none.
 * @param definitionTemplates definition templates (`ACTIVE` or `LOADING`) by name, for includes.
 * @param params actual values for `get_param`.
 */
export function validateTemplate(
  template: unknown,
  requestedType: string | null | undefined,
  definitionTemplates: DefinitionTemplates,
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  if (isUnparsable(template)) {
    return faultResult(SYNTAX_DESCRIPTION, 5, `Invalid yaml format: ${template.parseError}`);
  }
  if (!isMapping(template)) {
    return faultResult(SYNTAX_DESCRIPTION, 5, "Invalid yaml format: the template is not a mapping");
  }
  if (!isMapping(template.metadata)) {
    return contentFault(62);
  }
  const type = resolveTemplateType(template, requestedType);
  if (type === undefined) {
    return contentFault(66, "Unknown template type");
  }
  switch (type) {
    case "standard":
      return validateStandardTemplate(template, definitionTemplates, params);
    case "definition":
      return validateDefinitionTemplate(template);
    case "equivalence":
      return { valid: true, code: "", message: "No Validation", description: "" };
    default:
      return contentFault(65);
  }
}

function validateStandardTemplate(
  template: TemplateDocument,
  definitionTemplates: DefinitionTemplates,
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  const version = templateVersion(template);
  if (!(TEMPLATE_VERSIONS as readonly string[]).includes(version)) {
    return contentFault(63);
  }
  if (version === "3") {
    return validateTemplateV3(template, params);
  }
  const syntax = validateSyntax(template);
  if (!syntax.valid) {
    return syntax;
  }
  return validateContent(template, version as "1" | "2", definitionTemplates, params);
}

function validateDefinitionTemplate(template: TemplateDocument): ValidationResult {
  const version = templateVersion(template);
  if (!(TEMPLATE_VERSIONS as readonly string[]).includes(version)) {
    return contentFault(63);
  }
  if (version === "3") {
    return customFault(4, "definition templates exist in versions 1 and 2 only");
  }
  const syntax = validateDefinitionSyntax(template);
  if (!syntax.valid) {
    return syntax;
  }
  return validateDefinitionContent(template);
}

/** Returns true when `value` is a template type a request may name. */
export function isTemplateType(value: unknown): value is (typeof TEMPLATE_TYPES)[number] {
  return (TEMPLATE_TYPES as readonly unknown[]).includes(value);
}

function isUnparsable(value: unknown): value is UnparsableTemplate {
  return (
    isMapping(value) && typeof value.parseError === "string" && Object.keys(value).length === 1
  );
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
