import { randomUUID } from "node:crypto";
import { rcaErrors } from "../../errors.js";
import { isValidPattern } from "../../graph/anchored-pattern.js";
import { parsePythonLiteral } from "../../notifier/python-literal.js";
import type { Webhook, WebhookRepo } from "../../storage/webhook-repo.js";
import type { TenantContext } from "../tenant-context.js";

/** Fields of a webhook registration request. */
export interface WebhookInput {
  url?: unknown;
  headers?: unknown;
  regex_filter?: unknown;
}

/**
 * Registers, lists, shows and deletes webhooks with upstream's rules: the URL needs a scheme and
 * a host, `headers` and `regex_filter` are dict literals (Python or JSON syntax), and a project
 * sees only its own webhooks unless the caller is an admin.
 */
export function createWebhookService(
  repo: Pick<WebhookRepo, "create" | "get" | "list" | "delete">,
) {
  return {
    async add(input: WebhookInput, tenant: TenantContext): Promise<Webhook> {
      const url = input.url;
      if (url === undefined || url === null || url === "") {
        throw rcaErrors.create("WEBHOOK_URL_MISSING");
      }
      if (typeof url !== "string" || !isValidUrl(url)) {
        throw rcaErrors.create("WEBHOOK_INVALID", { reason: "Invalid URL" });
      }
      const headers = literalText(input.headers);
      if (headers === undefined || !isHeaderDict(headers)) {
        throw rcaErrors.create("WEBHOOK_INVALID", { reason: "Headers in invalid format" });
      }
      const regexFilter = literalText(input.regex_filter);
      if (regexFilter === undefined || !isRegexFilter(regexFilter)) {
        throw rcaErrors.create("WEBHOOK_INVALID", { reason: "Invalid RegEx" });
      }
      const webhook: Webhook = {
        id: randomUUID(),
        project_id: tenant.projectId ?? "",
        is_admin_webhook: tenant.isAdmin,
        url,
        headers,
        regex_filter: regexFilter,
        created_at: pythonTimestamp(new Date()),
      };
      await repo.create(webhook);
      return webhook;
    },

    async list(allTenants: boolean, tenant: TenantContext): Promise<Webhook[]> {
      if (allTenants && tenant.isAdmin) {
        return repo.list();
      }
      return repo.list(tenant.projectId ?? "");
    },

    async show(id: string, tenant: TenantContext): Promise<Webhook> {
      const webhook = await repo.get(id);
      if (webhook === undefined || !(tenant.isAdmin || webhook.project_id === tenant.projectId)) {
        throw rcaErrors.create("WEBHOOK_NOT_FOUND", { id });
      }
      return webhook;
    },

    /**
     * Deletes a webhook of the caller's project, or any webhook for an admin. Upstream deletes
     * any webhook by id; here another project's webhook is not found, as for show.
     */
    async delete(id: string, tenant: TenantContext): Promise<{ SUCCESS: string }> {
      const webhook = await repo.get(id);
      if (webhook === undefined || !(tenant.isAdmin || webhook.project_id === tenant.projectId)) {
        throw rcaErrors.create("WEBHOOK_DELETE_NOT_FOUND", { id });
      }
      const deleted = await repo.delete(id);
      if (!deleted) {
        throw rcaErrors.create("WEBHOOK_DELETE_NOT_FOUND", { id });
      }
      return { SUCCESS: `Webhook ${id} deleted` };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/**
 * Accepts http and https URLs with a host. Upstream accepts any scheme with a network location,
 * but its notifier can only post over HTTP, so a `file:` or `ftp:` webhook never works.
 */
function isValidUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host !== "";
  } catch {
    return false;
  }
}

/** Absent values become "", strings stay as given, objects become a JSON dict literal. */
function literalText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") {
    return "";
  }
  if (typeof value === "string") {
    return value;
  }
  if (typeof value === "object" && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return undefined;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Characters a header value must not contain, so a value cannot start another header. */
const HEADER_VALUE_FORBIDDEN = /[\r\n\0]/;

/**
 * Accepts a dict literal of header names to string values. Upstream accepts any dict here, but
 * its notifier then fails on every post of a webhook whose values are not strings.
 */
function isHeaderDict(text: string): boolean {
  if (text === "") {
    return true;
  }
  try {
    const value = parsePythonLiteral(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return false;
    }
    return Object.entries(value).every(
      ([name, headerValue]) =>
        HEADER_NAME.test(name) &&
        typeof headerValue === "string" &&
        !HEADER_VALUE_FORBIDDEN.test(headerValue),
    );
  } catch {
    return false;
  }
}

function isRegexFilter(text: string): boolean {
  if (text === "") {
    return true;
  }
  try {
    const value = parsePythonLiteral(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return false;
    }
    return Object.values(value).every((pattern) => isValidPattern(String(pattern)));
  } catch {
    return false;
  }
}

/** `str(datetime.now())` as upstream stores it: `2026-01-31 12:00:00.123456`. */
function pythonTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 23)}000`;
}
