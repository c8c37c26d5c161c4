/**
 * The template service: validate, add, list, show and delete templates, with upstream's result
 * shapes, over a {@link TemplateStore} the service implements in SQL.
 *
 * @module
 */

/** Template lifecycle states, as upstream stores them. */
export type TemplateStatus = "LOADING" | "ACTIVE" | "ERROR" | "DELETING" | "DELETED";

/** Template types; v1 templates infer theirs from the structure. */
export type TemplateType = "standard" | "definition" | "equivalence";

/** A template as stored (upstream's `templates` table). */
export interface StoredTemplate {
  /** UUID of the template. */
  uuid: string;
  /** `metadata.name`, after parameters are resolved. */
  name: string;
  status: TemplateStatus;
  /** The validation message (`Template validation is OK`, or why it failed). */
  statusDetails: string;
  type: TemplateType;
  /**
   * The template document as uploaded (a JSON object, all scalars strings, as the client's YAML
   * loader produces them). The `parameters` block is removed once they are resolved.
   */
  content: Record<string, unknown>;
  /** Creation time, ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** Last status change, ISO-8601 UTC with milliseconds, or null. */
  updatedAt: string | null;
}

/** Selects stored templates; every given field must match. */
export interface TemplateFilter {
  uuid?: string;
  name?: string;
  type?: TemplateType;
  /** Any of these statuses. */
  status?: readonly TemplateStatus[];
}

/**
 * Template storage. The service implements it in SQL; {@link createMemoryTemplateStore} is the
 * in-memory one for unit tests.
 */
export interface TemplateStore {
  insert(template: StoredTemplate): Promise<void>;
  /** Sets the status (and the details, when given) and `updatedAt`. */
  updateStatus(uuid: string, status: TemplateStatus, statusDetails?: string): Promise<void>;
  /** Returns the matching templates, oldest first. */
  list(filter?: TemplateFilter): Promise<StoredTemplate[]>;
}

/** One `[path, template]` pair of a request, as the client sends it. */
export type TemplateUpload = readonly [path: string, content: unknown];

/** One entry of `POST /v1/template`'s `results`. */
export interface TemplateValidationResult {
  "file path": string;
  status: "validation OK" | "validation failed";
  description: string;
  message: string;
  "status code": number;
}

/** A template in list and add responses. */
export interface TemplateSummary {
  uuid: string;
  name: string;
  status: TemplateStatus;
  "status details": string;
  /** Creation time, ISO-8601 UTC. */
  date: string;
  type: TemplateType | null;
}

/** One entry of `GET /v1/template/versions`. */
export interface TemplateVersion {
  version: string;
  status: "SUPPORTED" | "CURRENT";
}

/** Options of {@link TemplateService.add}. */
export interface AddTemplateOptions {
  /** Deletes templates with the same names first and waits until they are gone. */
  overwrite?: boolean;
}

/** Raised by {@link TemplateService.show} for an unknown or deleted template. */
export class TemplateNotFoundError extends Error {
  readonly code = "template_not_found";

  constructor(readonly uuidOrName: string) {
    super(`template ${uuidOrName} not found`);
    this.name = "TemplateNotFoundError";
  }
}

/** Raised when a request's `templates` is not a list of `[path, template]` pairs. */
export class TemplateRequestError extends Error {
  readonly code = "invalid_template_request";

  constructor(message: string) {
    super(message);
    this.name = "TemplateRequestError";
  }
}

/** The template operations behind `/v1/template`. */
export interface TemplateService {
  /**
   * Validates templates without storing them. `templateType` (the request's `template_type`)
   * applies to templates without `metadata.type`; a template whose type is missing or differs
   * from it gets code 66 "Unknown template type". `params` are the actual values of `get_param`.
   */
  validate(
    templates: readonly TemplateUpload[],
    templateType?: string | null,
    params?: Readonly<Record<string, unknown>> | null,
  ): Promise<{ results: TemplateValidationResult[] }>;

  /**
   * Validates and stores templates. A valid one is stored as `LOADING` and becomes `ACTIVE` once
   * the evaluator has loaded it and run it over the graph. An invalid one is stored as `ERROR`
   * with the validation message as status details. A name already used by a template that is not
   * `DELETED` gives an `ERROR` entry with an empty uuid, and nothing is stored.
   */
  add(
    templates: readonly TemplateUpload[],
    templateType?: string | null,
    params?: Readonly<Record<string, unknown>> | null,
    options?: AddTemplateOptions,
  ): Promise<TemplateSummary[]>;

  /** Lists the templates that are not `DELETED`, oldest first. */
  list(): Promise<TemplateSummary[]>;

  /**
   * Returns the stored template document of a uuid or name.
   *
   * @throws {TemplateNotFoundError} when there is no such template or it is `DELETED`.
   */
  show(uuidOrName: string): Promise<Record<string, unknown>>;

  /**
   * Deletes templates by uuid or name. An `ERROR` template becomes `DELETED` at once; others
   * become `DELETING`, and `DELETED` once the evaluator has undone their actions. Unknown ids are
   * ignored.
   */
  delete(uuidsOrNames: string | readonly string[]): Promise<void>;

  /** The supported template versions. */
  versions(): TemplateVersion[];

  /** Resolves when every template load or unload started so far has finished. */
  whenSettled(): Promise<void>;
}
