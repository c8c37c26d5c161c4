import { readFileSync } from "node:fs";
import type { Static, TObject } from "@sinclair/typebox";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";

/** Prefix of the environment variables that override configuration values. */
export const ENV_PREFIX = "OSTS_";

/** Environment variable that names the configuration file. */
export const CONFIG_FILE_ENV = "OSTS_CONFIG";

/**
 * Raised when a configuration fails validation. `problems` lists every invalid value at once, so an
 * operator can fix them all in one pass.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(section: string, problems: string[]) {
    super(`invalid configuration for ${section}:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** Section of the file and of the environment variable names, such as `key_manager`. */
  section: string;
  /** Configuration file (YAML or JSON). Defaults to `$OSTS_CONFIG` when that is set. */
  file?: string | undefined;
  /** Environment to read overrides from. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values that take precedence over the file and the environment (used by tests and the stack). */
  overrides?: Record<string, unknown>;
}

/**
 * Loads one service's configuration: the section of the file, then environment overrides, then
 * explicit overrides, checked against the schema with defaults applied. Environment variables are
 * named `OSTS_<SECTION>__<KEY>[__<SUBKEY>]`, for example `OSTS_KEY_MANAGER__DATABASE__URL`; their
 * values are read as YAML scalars, so `true`, `8` and `[a, b]` have their usual types.
 */
export function loadConfig<T extends TObject>(schema: T, options: LoadConfigOptions): Static<T> {
  const env = options.env ?? process.env;
  const file = options.file ?? env[CONFIG_FILE_ENV];
  const problems: string[] = [];

  let value: Record<string, unknown> = {};
  if (file !== undefined && file !== "") {
    const fromFile = readSection(file, options.section, problems);
    value = fromFile ?? {};
  }
  for (const [path, raw] of environmentOverrides(env, options.section)) {
    setPath(value, path, parseScalar(raw));
  }
  for (const [key, override] of Object.entries(options.overrides ?? {})) {
    setPath(value, key.split("."), override);
  }

  const validate = compile(schema);
  if (!validate(value)) {
    problems.push(...(validate.errors ?? []).map(describeError));
  }
  if (problems.length > 0) {
    throw new ConfigError(options.section, problems);
  }
  return value as Static<T>;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

function compile(schema: TObject) {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function readSection(file: string, section: string, problems: string[]) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push(`cannot read configuration file ${file}: ${(error as Error).message}`);
    return undefined;
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    problems.push(`configuration file ${file} is not valid YAML: ${(error as Error).message}`);
    return undefined;
  }
  if (document === null || document === undefined) {
    return {};
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    problems.push(`configuration file ${file} must contain a mapping of sections`);
    return undefined;
  }
  const body = (document as Record<string, unknown>)[section];
  if (body === undefined || body === null) {
    return {};
  }
  if (typeof body !== "object" || Array.isArray(body)) {
    problems.push(`section ${section} of ${file} must be a mapping`);
    return undefined;
  }
  return structuredClone(body) as Record<string, unknown>;
}

function* environmentOverrides(env: NodeJS.ProcessEnv, section: string) {
  const prefix = `${ENV_PREFIX}${section.toUpperCase()}__`;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) {
      continue;
    }
    const path = name
      .slice(prefix.length)
      .split("__")
      .map((part) => part.toLowerCase());
    yield [path, raw] as const;
  }
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) {
    node[last] = value;
  }
}

function describeError(error: ErrorObject): string {
  const where =
    error.instancePath === "" ? "(top level)" : error.instancePath.slice(1).replaceAll("/", ".");
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const prefix = error.instancePath === "" ? "" : `${where}.`;
    return `${prefix}${extra}: unknown setting`;
  }
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const prefix = error.instancePath === "" ? "" : `${where}.`;
    return `${prefix}${missing}: missing required setting`;
  }
  return `${where}: ${error.message ?? "invalid value"}`;
}
