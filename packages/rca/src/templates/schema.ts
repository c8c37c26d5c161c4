/**
 * A small schema checker that reports errors the way Python's voluptuous library does, because
 * upstream's validation messages embed voluptuous error text (`expected str for dictionary value
 * @ data['metadata']['name']`) and take the status code from its first word.
 *
 * Error order follows voluptuous: the keys of a mapping in input order, then the missing required
 * keys; the first error is the one reported.
 *
 * @module
 */
import { pythonRepr } from "./status-messages.js";

/** One element of an error path: a mapping key or a list index. */
export type PathElement = string | number;

/** One schema error. */
export class SchemaError extends Error {
  /** `dictionary value` when the error is about a mapping's value itself. */
  errorType: string | undefined;

  constructor(
    readonly text: string,
    readonly path: readonly PathElement[],
  ) {
    super(text);
    this.name = "SchemaError";
  }

  /** Renders the error as voluptuous does: `text[ for type][ @ data[path]]`. */
  override toString(): string {
    const typed = this.errorType === undefined ? this.text : `${this.text} for ${this.errorType}`;
    if (this.path.length === 0) {
      return typed;
    }
    return `${typed} @ data[${this.path.map((element) => pythonRepr(element)).join("][")}]`;
  }
}

/** Several errors of one check; it reports as its first error. */
export class MultipleSchemaErrors extends Error {
  constructor(readonly errors: readonly SchemaError[]) {
    super(errors[0]?.toString() ?? "invalid");
    this.name = "MultipleSchemaErrors";
  }

  get path(): readonly PathElement[] {
    return this.errors[0]?.path ?? [];
  }

  override toString(): string {
    return this.errors[0]?.toString() ?? "invalid";
  }
}

/** A thrown schema failure. */
export type SchemaFailure = SchemaError | MultipleSchemaErrors;

/** A check: returns normally or throws a {@link SchemaFailure}. */
export type Validator = (path: readonly PathElement[], value: unknown) => void;

/** A mapping key's matching rule and value validator. */
export interface KeySpec {
  /** The literal key; omit to accept any string key. */
  readonly name?: string;
  readonly required?: boolean;
  /** Message (usually a status code) of the missing-key error. */
  readonly message?: string | number;
  readonly value: Validator;
}

/** Returns the first word of an error as a status code, or 4 (syntax error). */
export function statusCodeOf(failure: SchemaFailure): number {
  const prefix = failure.toString().split(" ")[0]?.trim() ?? "";
  return /^\d+$/.test(prefix) ? Number(prefix) : 4;
}

/** Returns true when `error` is a schema failure. */
export function isSchemaFailure(error: unknown): error is SchemaFailure {
  return error instanceof SchemaError || error instanceof MultipleSchemaErrors;
}

/** Runs a validator on a root value. */
export function validate(validator: Validator, value: unknown): void {
  validator([], value);
}

/** Accepts a value of a Python type: `dict`, `list` or `str`. */
export function typeOf(kind: "dict" | "list" | "str"): Validator {
  return (path, value) => {
    if (!hasPythonType(value, kind)) {
      throw new SchemaError(`expected ${kind}`, path);
    }
  };
}

/** Accepts a string (voluptuous `Any(str)`). */
export const anyString: Validator = typeOf("str");

/** Accepts a value in `values`, or raises `message`. */
export function oneOf(values: readonly string[], message?: string | number): Validator {
  return (path, value) => {
    if (typeof value !== "string" || !values.includes(value)) {
      const text = message ?? `value must be one of ${pythonListOf([...values].sort())}`;
      throw new SchemaError(String(text), path);
    }
  };
}

/** Accepts a value that passes `check`, or raises `message`. */
export function satisfies(check: (value: unknown) => boolean, message: string | number): Validator {
  return (path, value) => {
    if (!check(value)) {
      throw new SchemaError(String(message), path);
    }
  };
}

/** Accepts a value that passes one alternative; otherwise raises the deepest error. */
export function anyOf(...alternatives: readonly Validator[]): Validator {
  return (path, value) => {
    let deepest: SchemaFailure | undefined;
    for (const alternative of alternatives) {
      try {
        alternative(path, value);
        return;
      } catch (error) {
        if (!isSchemaFailure(error)) {
          throw error;
        }
        if (deepest === undefined || error.path.length > deepest.path.length) {
          deepest = error;
        }
      }
    }
    throw deepest ?? new SchemaError("no valid value found", path);
  };
}

/** Accepts a list whose items each pass one of `items`. */
export function listOf(...items: readonly Validator[]): Validator {
  return (path, value) => {
    if (!Array.isArray(value)) {
      throw new SchemaError("expected a list", path);
    }
    const errors: SchemaError[] = [];
    value.forEach((item, index) => {
      const itemPath = [...path, index];
      let last: SchemaFailure | undefined;
      for (const validator of items) {
        try {
          validator(itemPath, item);
          return;
        } catch (error) {
          if (!isSchemaFailure(error)) {
            throw error;
          }
          if (error.path.length > itemPath.length) {
            throw error;
          }
          last = error;
        }
      }
      if (last !== undefined) {
        errors.push(...flatten(last));
      }
    });
    if (errors.length > 0) {
      throw new MultipleSchemaErrors(errors);
    }
  };
}

/** Accepts a mapping whose keys match `keys`; other keys are errors unless `extra`. */
export function mappingOf(keys: readonly KeySpec[], options: { extra?: boolean } = {}): Validator {
  const literal = keys.filter((spec) => spec.name !== undefined);
  const wildcard = keys.filter((spec) => spec.name === undefined);
  return (path, value) => {
    if (!hasPythonType(value, "dict")) {
      throw new SchemaError("expected a dictionary", path);
    }
    const errors: SchemaError[] = [];
    const missing = new Set(keys.filter((spec) => spec.required));
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const keyPath = [...path, key];
      const spec = literal.find((candidate) => candidate.name === key) ?? wildcard[0];
      if (spec === undefined) {
        if (!options.extra) {
          errors.push(new SchemaError("extra keys not allowed", keyPath));
        }
        continue;
      }
      missing.delete(spec);
      try {
        spec.value(keyPath, item);
      } catch (error) {
        if (!isSchemaFailure(error)) {
          throw error;
        }
        for (const failure of flatten(error)) {
          if (failure.path.length <= keyPath.length) {
            failure.errorType = "dictionary value";
          }
          errors.push(failure);
        }
      }
    }
    for (const spec of missing) {
      const text = spec.message === undefined ? "required key not provided" : String(spec.message);
      errors.push(new SchemaError(text, [...path, spec.name ?? ""]));
    }
    if (errors.length > 0) {
      throw new MultipleSchemaErrors(errors);
    }
  };
}

function flatten(failure: SchemaFailure): SchemaError[] {
  return failure instanceof MultipleSchemaErrors ? [...failure.errors] : [failure];
}

function hasPythonType(value: unknown, kind: "dict" | "list" | "str"): boolean {
  if (kind === "str") {
    return typeof value === "string";
  }
  if (kind === "list") {
    return Array.isArray(value);
  }
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pythonListOf(values: readonly string[]): string {
  return `[${values.map((value) => pythonRepr(value)).join(", ")}]`;
}
