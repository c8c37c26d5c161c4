import { checkJson, type JsonRule } from "../validation/json-checks.js";

/** Upstream's container `Consumer` schema. */
const CONTAINER_CONSUMER_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["URL", { types: ["string"], maxLength: 255, minLength: 1 }],
    ["name", { types: ["string"], maxLength: 36, minLength: 1 }],
  ],
  required: ["name", "URL"],
};

/**
 * Upstream's `Secret Consumer` schema. Resource ids are capped at 65535 characters here, where
 * upstream leaves them unbounded.
 */
const SECRET_CONSUMER_RULE: JsonRule = {
  types: ["object"],
  properties: [
    ["service", { types: ["string"], maxLength: 255, minLength: 1 }],
    ["resource_type", { types: ["string"], maxLength: 255, minLength: 1 }],
    ["resource_id", { types: ["string"], minLength: 1, maxLength: 65535 }],
  ],
  required: ["service", "resource_type", "resource_id"],
};

/** Validates a container consumer body and returns `[name, URL]`. */
export function validateContainerConsumer(body: unknown): string[] {
  checkJson(body, "Consumer", CONTAINER_CONSUMER_RULE);
  const fields = body as { name: string; URL: string };
  return [fields.name, fields.URL];
}

/** Validates a secret consumer body and returns `[service, resource_type, resource_id]`. */
export function validateSecretConsumer(body: unknown): string[] {
  checkJson(body, "Secret Consumer", SECRET_CONSUMER_RULE);
  const fields = body as { service: string; resource_type: string; resource_id: string };
  return [fields.service, fields.resource_type, fields.resource_id];
}
