/**
 * Template functions: `get_param(name)`, resolved when a template is validated or added, and
 * `get_attr(template_id, property)`, resolved against a match when an action runs.
 *
 * @module
 */
import type { Vertex } from "../graph/graph-types.js";
import { TemplateValidationError } from "./validation-result.js";

const GET_PARAM = "get_param";

/** Returns true when a string looks like a function call: an opening and a later closing parenthesis. */
export function isFunctionCall(value: unknown): value is string {
  return typeof value === "string" && /^.*\(.*\)/.test(value);
}

function isGetParam(value: string): boolean {
  return /^get_param\(.*\)/.test(value);
}

/**
 * Walks a template and resolves every `get_param(...)` string value, in document order. With
 * `resolve` false it only checks that each resolves.
 *
 * @throws {TemplateValidationError} 161 (parameter not defined), 162 (malformed call) or 163 (no
 * value and no default).
 */
export function resolveParameters(
  template: Record<string, unknown>,
  actualParams: Readonly<Record<string, unknown>> | null | undefined,
  resolve: boolean,
): void {
  walkStrings(template, isGetParam, (value) => {
    const resolved = resolveParameter(value, template, actualParams);
    return resolve ? resolved : value;
  });
}

/**
 * Rejects any `get_param(...)` (version 1 has no parameters).
 *
 * @throws {TemplateValidationError} 160 with the first call found.
 */
export function rejectParameters(template: Record<string, unknown>): void {
  walkStrings(template, isGetParam, (value) => {
    throw new TemplateValidationError(160, value);
  });
}

function resolveParameter(
  call: string,
  template: Readonly<Record<string, unknown>>,
  actualParams: Readonly<Record<string, unknown>> | null | undefined,
): unknown {
  const definitions = template.parameters;
  if (!isTruthyMapping(definitions)) {
    throw new TemplateValidationError(161);
  }
  if (
    !call.startsWith(`${GET_PARAM}(`) ||
    !call.endsWith(")") ||
    call.length < GET_PARAM.length + 3
  ) {
    throw new TemplateValidationError(162, call);
  }
  const name = call.slice(GET_PARAM.length + 1, -1);
  if (!Object.hasOwn(definitions, name)) {
    throw new TemplateValidationError(161, name);
  }

  const actual = actualParams ? actualParams[name] : undefined;
  if (actual !== undefined && actual !== null && actual !== "") {
    return actual;
  }
  const definition = definitions[name];
  const fallback = isTruthyMapping(definition) ? definition.default : undefined;
  if (fallback === undefined || fallback === null || fallback === "") {
    throw new TemplateValidationError(163, name);
  }
  return fallback;
}

/**
 * Calls `replace` for every string value of mappings (inside mappings and lists of mappings)
 * that passes `matches`, storing what it returns.
 */
function walkStrings(
  block: Record<string, unknown>,
  matches: (value: string) => boolean,
  replace: (value: string) => unknown,
): void {
  for (const [key, value] of Object.entries(block)) {
    if (typeof value === "string") {
      if (matches(value)) {
        block[key] = replace(value);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) {
        if (isMapping(item)) {
          walkStrings(item, matches, replace);
        }
      }
    } else if (isMapping(value)) {
      walkStrings(value, matches, replace);
    }
  }
}

/**
 * Resolves `get_attr(template_id, property)` calls in action properties against a match,
 * recursing into nested mappings; other strings are kept. An unknown template id or property
 * resolves to null, as upstream does.
 */
export function resolveAttributes(
  properties: Readonly<Record<string, unknown>>,
  match: ReadonlyMap<string, Vertex>,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (isMapping(value)) {
      resolved[key] = resolveAttributes(value, match);
    } else if (
      typeof value === "string" &&
      /^\s*get_attr\s*\(/.test(value) &&
      isFunctionCall(value)
    ) {
      resolved[key] = evaluateGetAttr(value, match);
    } else {
      resolved[key] = value;
    }
  }
  return resolved;
}

function evaluateGetAttr(call: string, match: ReadonlyMap<string, Vertex>): unknown {
  const parts = call.split(/[(),]/);
  parts.shift();
  const args = parts.filter((part) => part.length > 0).map((part) => part.trim());
  if (args.length !== 2) {
    return null;
  }
  const vertex = match.get(args[0] as string);
  return vertex?.[args[1] as string] ?? null;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTruthyMapping(value: unknown): value is Record<string, unknown> {
  return isMapping(value) && Object.keys(value).length > 0;
}
