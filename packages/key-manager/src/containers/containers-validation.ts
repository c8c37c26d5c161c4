import { errors } from "../errors.js";
import { invalidObject } from "../secrets/secret-validation.js";
import { idFromRef } from "../validation/ids.js";
import { checkJson, type JsonRule } from "../validation/json-checks.js";
import { CONTAINER_TYPES, type NewContainerRequest } from "./containers-types.js";

const SECRET_REF_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["name", { types: ["string", "null"], maxLength: 255 }],
    ["secret_ref", { types: ["string"], minLength: 1 }],
  ],
  required: ["secret_ref"],
};

/** Upstream's `Container` schema. */
const CONTAINER_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["name", { types: ["string", "null"], maxLength: 255 }],
    ["type", { types: ["string"], values: CONTAINER_TYPES }],
    ["secret_refs", { types: ["array"], items: SECRET_REF_RULE }],
  ],
  required: ["type"],
};

/** Upstream's `ContainerSecret` schema, for adding and removing one reference. */
const CONTAINER_SECRET_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["name", { types: ["string"], maxLength: 255 }],
    ["secret_ref", { types: ["string"], minLength: 1 }],
  ],
  required: ["secret_ref"],
};

const RSA_NAMES = { required: ["public_key", "private_key"], optional: ["private_key_passphrase"] };
const CERTIFICATE_NAMES = {
  required: ["certificate"],
  optional: ["private_key", "private_key_passphrase", "intermediates"],
};

interface RawSecretRef {
  name?: string | null;
  secret_ref: string;
}

/**
 * Validates a `POST /v1/containers` body with upstream's rules, in upstream's order: the schema,
 * unique reference names, unique secrets, references that start with `baseUrl` (this server), and
 * the names an `rsa` or `certificate` container allows and needs.
 */
export function validateNewContainer(body: unknown, baseUrl: string): NewContainerRequest {
  checkJson(body, "Container", CONTAINER_RULE);
  const fields = body as { name?: string | null; type: string; secret_refs?: RawSecretRef[] };
  const refs = fields.secret_refs ?? [];
  const request: NewContainerRequest = {
    name: fields.name ?? null,
    type: fields.type,
    secretRefs: refs.map((ref) => ({
      name: ref.name ?? null,
      secretRef: ref.secret_ref,
      secretId: idFromRef(ref.secret_ref),
    })),
  };
  if (refs.length === 0) {
    return request;
  }
  const names = new Set(refs.map((ref) => ref.name ?? ""));
  if (names.size !== refs.length) {
    throw invalidObject("Container", "Duplicate reference names are not allowed", "secret_refs");
  }
  if (new Set(request.secretRefs.map((ref) => ref.secretId)).size !== refs.length) {
    throw invalidObject("Container", "Duplicate secret ids are not allowed", "secret_refs");
  }
  if (refs.some((ref) => !ref.secret_ref.startsWith(baseUrl))) {
    throw errors.create("UNSUPPORTED_FIELD");
  }
  if (request.type === "rsa") {
    checkNames(names, RSA_NAMES, [
      "only 'private_key', 'public_key' and 'private_key_passphrase' reference names are allowed for RSA type",
      "The minimum required reference names are 'public_key' and'private_key' for RSA type",
    ]);
  } else if (request.type === "certificate") {
    checkNames(names, CERTIFICATE_NAMES, [
      "only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' reference names are allowed for Certificate type",
      "The minimum required reference name is 'certificate' for Certificate type",
    ]);
  }
  return request;
}

/** Validates an add or remove body: `{"name": ..., "secret_ref": ...}`. */
export function validateContainerSecret(body: unknown): { name: string | null; secretRef: string } {
  checkJson(body, "ContainerSecret", CONTAINER_SECRET_RULE);
  const fields = body as { name?: string; secret_ref: string };
  return { name: fields.name ?? null, secretRef: fields.secret_ref };
}

function checkNames(
  names: Set<string>,
  allowed: { required: string[]; optional: string[] },
  messages: [unsupported: string, missing: string],
): void {
  const known = new Set([...allowed.required, ...allowed.optional]);
  if ([...names].some((name) => !known.has(name))) {
    throw invalidObject("Container", messages[0], "secret_refs");
  }
  if (!allowed.required.every((name) => names.has(name))) {
    throw invalidObject("Container", messages[1], "secret_refs");
  }
}
