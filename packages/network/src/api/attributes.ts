import { badRequest } from "../errors.js";
import type { Converter } from "./converters.js";
import type { RequestContext } from "./request-context.js";
import { isPlainObject, type Validator, validateString } from "./validators.js";

/** Marks an attribute the request left out, as neutron-lib's `ATTR_NOT_SPECIFIED` does. */
export const NOT_SPECIFIED: unique symbol = Symbol("not specified");

/** Filter settings of an attribute in list queries. */
export interface FilterSpec {
  /** Converts each query value; throws ApiError on bad input. */
  convert?: (value: string) => unknown;
}

/**
 * One attribute of a resource, with the flags of Neutron's attribute maps. `post` and `put` allow it
 * on create and update, and `visible` shows it in responses. Without a `default`, the attribute is
 * required on create. The other fields convert, validate, filter and sort it.
 */
export interface AttributeSpec {
  post: boolean;
  put: boolean;
  visible: boolean;
  default?: unknown;
  convert?: Converter;
  validate?: Validator;
  filter?: FilterSpec;
  sortable?: boolean;
  /** Checked against `<action>_<resource>:<attribute>` policy rules when set explicitly. */
  enforcePolicy?: boolean;
}

/** A REST resource: its names and attribute map. */
export interface ResourceDefinition {
  /** Singular body key, such as `security_group`. */
  singular: string;
  /** Plural body key, such as `security_groups`. */
  plural: string;
  /** Collection path segment, such as `security-groups`. */
  path: string;
  attributes: Record<string, AttributeSpec>;
}

/**
 * Standard attributes of Neutron resources: description, timestamps, revision and, for the
 * resources that support tags, `tags` and its four list filters.
 */
export function standardAttributes(
  options: { tags?: boolean } = {},
): Record<string, AttributeSpec> {
  const tags: Record<string, AttributeSpec> =
    options.tags === false
      ? {}
      : {
          tags: { post: false, put: false, visible: true, filter: {} },
          "tags-any": { post: false, put: false, visible: false, filter: {} },
          "not-tags": { post: false, put: false, visible: false, filter: {} },
          "not-tags-any": { post: false, put: false, visible: false, filter: {} },
        };
  return {
    description: {
      post: true,
      put: true,
      visible: true,
      default: "",
      validate: validateString(255),
      filter: {},
    },
    ...tags,
    created_at: { post: false, put: false, visible: true, default: null },
    updated_at: { post: false, put: false, visible: true, default: null },
    revision_number: { post: false, put: false, visible: true, default: null, filter: {} },
  };
}

/** Project attributes: `tenant_id` and its newer name `project_id`, always equal. */
export function projectAttributes(): Record<string, AttributeSpec> {
  const spec: AttributeSpec = {
    post: true,
    put: false,
    visible: true,
    validate: validateString(255),
    filter: {},
    sortable: true,
  };
  return { tenant_id: { ...spec }, project_id: { ...spec } };
}

/** One parsed request body: the attributes and which of them the caller gave explicitly. */
export interface ParsedItem {
  values: Record<string, unknown>;
  explicit: Set<string>;
}

/**
 * Parses a create or update body the way Neutron's `prepare_request_body` does: finds the resource
 * (or, on create, the bulk list), fills the project, rejects unknown and read-only attributes,
 * applies defaults, then converts and validates every value. Error messages are upstream's.
 */
export function parseResourceBody(
  context: RequestContext,
  definition: ResourceDefinition,
  body: unknown,
  isCreate: boolean,
): ParsedItem[] {
  if (body === undefined || body === null) {
    throw badRequest(`Unable to find '${definition.singular}' in request body`);
  }
  if (!isPlainObject(body)) {
    throw badRequest("Body contains invalid data");
  }
  if (definition.plural in body && !(definition.singular in body)) {
    if (!isCreate) {
      throw badRequest("Bulk operation not supported");
    }
    const items = body[definition.plural];
    if (!Array.isArray(items)) {
      throw badRequest("Body contains invalid data");
    }
    if (items.length === 0) {
      throw badRequest("Resources required");
    }
    return items.map((item) => {
      const inner =
        isPlainObject(item) && definition.singular in item ? item : { [definition.singular]: item };
      return parseSingle(context, definition, inner, isCreate);
    });
  }
  return [parseSingle(context, definition, body, isCreate)];
}

function parseSingle(
  context: RequestContext,
  definition: ResourceDefinition,
  body: Record<string, unknown>,
  isCreate: boolean,
): ParsedItem {
  const item = body[definition.singular];
  if (item === undefined || item === null) {
    throw badRequest(`Unable to find '${definition.singular}' in request body`);
  }
  if (!isPlainObject(item)) {
    throw badRequest(`Object '${definition.singular}' contains invalid data`);
  }
  const values: Record<string, unknown> = { ...item };
  const explicit = new Set(Object.keys(item));

  populateProject(context, definition, values, isCreate);
  rejectUnknown(definition, values);
  if (isCreate) {
    fillDefaults(definition, values);
  } else {
    rejectReadOnly(definition, values);
  }
  convertAndValidate(definition, values);
  return { values, explicit };
}

function populateProject(
  context: RequestContext,
  definition: ResourceDefinition,
  values: Record<string, unknown>,
  isCreate: boolean,
): void {
  if ("tenant_id" in values && !("project_id" in values)) {
    values.project_id = values.tenant_id;
  } else if ("project_id" in values && !("tenant_id" in values)) {
    values.tenant_id = values.project_id;
  }
  if (values.project_id !== values.tenant_id) {
    throw badRequest("'project_id' and 'tenant_id' do not match");
  }
  if (
    "project_id" in values &&
    values.project_id !== context.projectId &&
    !(context.isAdmin || context.isAdvsvc)
  ) {
    throw badRequest(
      "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin or advsvc privileges",
    );
  }
  if (!isCreate || "project_id" in values) {
    return;
  }
  if (context.projectId !== null) {
    values.project_id = context.projectId;
    values.tenant_id = context.projectId;
  } else if ("tenant_id" in definition.attributes) {
    throw badRequest("Running without keystone AuthN requires that tenant_id is specified");
  }
}

function rejectUnknown(definition: ResourceDefinition, values: Record<string, unknown>): void {
  const extra = Object.keys(values).filter((key) => !(key in definition.attributes));
  if (extra.length > 0) {
    throw badRequest(`Unrecognized attribute(s) '${extra.join(", ")}'`);
  }
}

function fillDefaults(definition: ResourceDefinition, values: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(definition.attributes)) {
    if (!spec.post) {
      if (name in values) {
        throw badRequest(`Attribute '${name}' not allowed in POST`);
      }
      continue;
    }
    if (name in values) {
      continue;
    }
    if (!("default" in spec)) {
      throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
    }
    values[name] = spec.default;
  }
}

function rejectReadOnly(definition: ResourceDefinition, values: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(definition.attributes)) {
    if (name in values && !spec.put) {
      throw badRequest(`Cannot update read-only attribute ${name}`);
    }
  }
}

function convertAndValidate(definition: ResourceDefinition, values: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(definition.attributes)) {
    if (!(name in values) || values[name] === NOT_SPECIFIED) {
      continue;
    }
    if (spec.convert !== undefined) {
      values[name] = spec.convert(values[name]);
    }
    const reason = spec.validate?.(values[name]);
    if (reason !== undefined) {
      throw badRequest(`Invalid input for ${name}. Reason: ${reason}.`);
    }
  }
}

/** True when an attribute has a real value (neither left out nor null). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== NOT_SPECIFIED;
}
