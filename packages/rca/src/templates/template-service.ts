/**
 * The template service: validate, add, list, show and delete templates, with upstream's result
 * shapes, over a {@link TemplateStore} the service implements in SQL.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@openstack-ts/kernel";
import { TEMPLATE_VERSIONS } from "./status-messages.js";
import { resolveParameters } from "./template-functions.js";
import {
  isTemplateType,
  normaliseTemplateDocument,
  resolveTemplateType,
  templateVersion,
  validateTemplate,
} from "./template-validator.js";
import {
  correctResult,
  customFault,
  TemplateValidationError,
  type ValidationResult,
} from "./validation-result.js";

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
  /**
   * Sets the status (and the details, when given) and `updatedAt`. With `from`, only a template
   * whose current status is one of those changes, in one atomic step.
   */
  updateStatus(
    uuid: string,
    status: TemplateStatus,
    statusDetails?: string,
    from?: readonly TemplateStatus[],
  ): Promise<void>;
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
  /** The status code; `""` for equivalence templates, which upstream does not validate. */
  "status code": number | "";
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

/** The evaluator side of template add and delete. */
export interface TemplateActivation {
  /**
   * Loads the templates into the evaluator and runs new standard templates over the graph.
   * Returns the uuids of the templates that failed to load, with the reason.
   */
  activate(templates: readonly StoredTemplate[]): Promise<ReadonlyMap<string, string>>;
  /** Undoes the actions of the templates and unloads them. */
  deactivate(templates: readonly StoredTemplate[]): Promise<void>;
}

/** Dependencies of {@link createTemplateService}. */
export interface TemplateServiceOptions {
  store: TemplateStore;
  /** The evaluator side; without it, templates become `ACTIVE` and `DELETED` at once. */
  activation?: TemplateActivation;
  logger: Pick<Logger, "info" | "error">;
  now?: () => Date;
  newId?: () => string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Width of the stored name column; a longer name gives an unstored `ERROR` entry. */
export const MAX_TEMPLATE_NAME_LENGTH = 255;

const NOT_DELETED: readonly TemplateStatus[] = ["LOADING", "ACTIVE", "ERROR", "DELETING"];

/** Creates the template service. */
export function createTemplateService(options: TemplateServiceOptions): TemplateService {
  return new StoreTemplateService(options);
}

class StoreTemplateService implements TemplateService {
  private pending: Promise<void> = Promise.resolve();
  /**
   * Tail of the add and delete requests, which run one at a time: the duplicate-name check and
   * the insert of one request must not interleave with another's, or concurrent adds of one
   * name all pass the check.
   */
  private mutations: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: TemplateServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  async validate(
    templates: readonly TemplateUpload[],
    templateType?: string | null,
    params?: Readonly<Record<string, unknown>> | null,
  ): Promise<{ results: TemplateValidationResult[] }> {
    checkUploads(templates);
    const definitions = await this.definitionTemplates();
    const results = templates.map(([path, content]) =>
      toValidationResult(
        path,
        validateTemplate(normaliseTemplateDocument(content), templateType, definitions, params),
      ),
    );
    return { results };
  }

  async add(
    templates: readonly TemplateUpload[],
    templateType?: string | null,
    params?: Readonly<Record<string, unknown>> | null,
    addOptions: AddTemplateOptions = {},
  ): Promise<TemplateSummary[]> {
    checkUploads(templates);
    return this.exclusive(() => this.addUnlocked(templates, templateType, params, addOptions));
  }

  private async addUnlocked(
    templates: readonly TemplateUpload[],
    templateType: string | null | undefined,
    params: Readonly<Record<string, unknown>> | null | undefined,
    addOptions: AddTemplateOptions,
  ): Promise<TemplateSummary[]> {
    if (addOptions.overwrite) {
      const names = templates.map(([, content]) => templateName(content)).filter(isNonEmpty);
      await this.deleteUnlocked(names);
      await this.whenSettled();
    }
    const definitions = await this.definitionTemplates();
    const summaries: TemplateSummary[] = [];
    const loading: StoredTemplate[] = [];
    for (const [, raw] of templates) {
      const stored = await this.addOne(raw, templateType, params, definitions);
      summaries.push(summarise(stored));
      if (stored.uuid !== "" && stored.status === "LOADING") {
        loading.push(stored);
        if (stored.type === "definition") {
          definitions.set(stored.name, stored.content);
        }
      }
    }
    if (loading.length > 0) {
      this.options.logger.info(
        { templates: loading.map((template) => template.name) },
        "loading templates",
      );
      this.enqueue(() => this.activate(loading));
    }
    return summaries;
  }

  async list(): Promise<TemplateSummary[]> {
    const templates = await this.options.store.list({ status: NOT_DELETED });
    return templates
      .sort((left, right) => left.createdAt.localeCompare(right.createdAt))
      .map(summarise);
  }

  async show(uuidOrName: string): Promise<Record<string, unknown>> {
    const uuid = await this.toUuid(uuidOrName);
    const [template] = await this.options.store.list({ uuid, status: NOT_DELETED });
    if (template === undefined) {
      throw new TemplateNotFoundError(uuidOrName);
    }
    return template.content;
  }

  async delete(uuidsOrNames: string | readonly string[]): Promise<void> {
    return this.exclusive(() => this.deleteUnlocked(uuidsOrNames));
  }

  private async deleteUnlocked(uuidsOrNames: string | readonly string[]): Promise<void> {
    const values = typeof uuidsOrNames === "string" ? [uuidsOrNames] : uuidsOrNames;
    const targets: StoredTemplate[] = [];
    for (const value of values) {
      const uuid = await this.toUuid(value);
      targets.push(...(await this.options.store.list({ uuid, status: NOT_DELETED })));
    }
    const unloading: StoredTemplate[] = [];
    for (const template of targets) {
      const failed = template.status === "ERROR";
      await this.options.store.updateStatus(template.uuid, failed ? "DELETED" : "DELETING");
      if (!failed) {
        unloading.push(template);
      }
    }
    if (unloading.length > 0) {
      this.options.logger.info(
        { templates: unloading.map((template) => template.name) },
        "deleting templates",
      );
      this.enqueue(() => this.deactivate(unloading));
    }
  }

  versions(): TemplateVersion[] {
    return TEMPLATE_VERSIONS.map((version, index) => ({
      version: `v${version}`,
      status: index === TEMPLATE_VERSIONS.length - 1 ? "CURRENT" : "SUPPORTED",
    }));
  }

  whenSettled(): Promise<void> {
    return this.pending;
  }

  /** Runs `work` after every add and delete started before it has finished. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.mutations.then(work);
    this.mutations = result.catch(() => undefined);
    return result;
  }

  private async addOne(
    raw: unknown,
    templateType: string | null | undefined,
    params: Readonly<Record<string, unknown>> | null | undefined,
    definitions: ReadonlyMap<string, Record<string, unknown>>,
  ): Promise<StoredTemplate> {
    const content = normaliseTemplateDocument(raw) as Record<string, unknown>;
    const type =
      isMapping(content) && isMapping(content.metadata)
        ? resolveTemplateType(content, templateType)
        : undefined;
    if (type === undefined || !isTemplateType(type)) {
      return this.unstored(content, type, "Unknown template type");
    }

    let result = validateTemplate(content, templateType, definitions, params);
    if (result.valid && type !== "equivalence" && templateVersion(content) !== "1") {
      result = resolveStoredParameters(content, params);
      if (result.valid) {
        result = validateTemplate(content, templateType, definitions, null);
      }
    }

    const name = templateName(content);
    if (name !== undefined && name.length > MAX_TEMPLATE_NAME_LENGTH) {
      return this.unstored(
        content,
        type,
        `Template name is longer than ${MAX_TEMPLATE_NAME_LENGTH} characters`,
      );
    }
    if (
      name !== undefined &&
      (await this.options.store.list({ name, status: NOT_DELETED })).length > 0
    ) {
      return this.unstored(content, type, "Duplicate template name");
    }
    const stored: StoredTemplate = {
      uuid: this.newId(),
      name: name ?? "",
      status: result.valid ? "LOADING" : "ERROR",
      statusDetails: result.message,
      type,
      content,
      createdAt: this.now().toISOString(),
      updatedAt: null,
    };
    await this.options.store.insert(stored);
    return stored;
  }

  /** Builds an `ERROR` entry that is returned but not stored, as upstream does. */
  private unstored(content: unknown, type: string | undefined, details: string): StoredTemplate {
    return {
      uuid: "",
      name: templateName(content) ?? "",
      status: "ERROR",
      statusDetails: details,
      type: (isTemplateType(type) ? type : null) as TemplateType,
      content: isMapping(content) ? content : {},
      createdAt: this.now().toISOString(),
      updatedAt: null,
    };
  }

  private async activate(templates: readonly StoredTemplate[]): Promise<void> {
    const failures =
      (await this.options.activation?.activate(templates)) ?? new Map<string, string>();
    for (const template of templates) {
      const failure = failures.get(template.uuid);
      // A template deleted while it loaded is DELETING by now and must stay so.
      if (failure === undefined) {
        await this.options.store.updateStatus(template.uuid, "ACTIVE", undefined, ["LOADING"]);
      } else {
        this.options.logger.error(
          { template: template.name, reason: failure },
          "template failed to load",
        );
        await this.options.store.updateStatus(template.uuid, "ERROR", failure, ["LOADING"]);
      }
    }
  }

  private async deactivate(templates: readonly StoredTemplate[]): Promise<void> {
    await this.options.activation?.deactivate(templates);
    for (const template of templates) {
      await this.options.store.updateStatus(template.uuid, "DELETED");
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.pending = this.pending.then(work).catch((error: unknown) => {
      this.options.logger.error({ err: error }, "template load or unload failed");
    });
  }

  private async definitionTemplates(): Promise<Map<string, Record<string, unknown>>> {
    const templates = await this.options.store.list({
      type: "definition",
      status: ["ACTIVE", "LOADING"],
    });
    return new Map(templates.map((template) => [template.name, template.content]));
  }

  /** Resolves a name to the uuid of the template of that name that is not deleted. */
  private async toUuid(value: string): Promise<string> {
    if (UUID_PATTERN.test(value)) {
      return value;
    }
    const [template] = await this.options.store.list({ name: value, status: NOT_DELETED });
    return template?.uuid ?? value;
  }
}

function resolveStoredParameters(
  content: Record<string, unknown>,
  params: Readonly<Record<string, unknown>> | null | undefined,
): ValidationResult {
  try {
    resolveParameters(content, params, true);
  } catch (error) {
    if (error instanceof TemplateValidationError) {
      return customFault(error.statusCode, error.details);
    }
    throw error;
  }
  delete content.parameters;
  return correctResult();
}

function toValidationResult(path: string, result: ValidationResult): TemplateValidationResult {
  return {
    "file path": path,
    status: result.valid ? "validation OK" : "validation failed",
    description: result.valid ? "Template validation" : result.description,
    message: result.message,
    "status code": result.code,
  };
}

function summarise(template: StoredTemplate): TemplateSummary {
  return {
    uuid: template.uuid,
    name: template.name,
    status: template.status,
    "status details": template.statusDetails,
    date: template.createdAt,
    type: template.type,
  };
}

function checkUploads(templates: readonly TemplateUpload[]): void {
  if (!Array.isArray(templates)) {
    throw new TemplateRequestError("invalid templates: expected a list of [path, template] pairs");
  }
  for (const upload of templates) {
    if (!Array.isArray(upload) || upload.length !== 2 || typeof upload[0] !== "string") {
      throw new TemplateRequestError(
        `invalid templates entry ${JSON.stringify(upload)}: expected [path, template]`,
      );
    }
  }
}

function templateName(content: unknown): string | undefined {
  if (!isMapping(content) || !isMapping(content.metadata)) {
    return undefined;
  }
  const name = content.metadata.name;
  return typeof name === "string" ? name : undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}
