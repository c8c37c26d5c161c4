import { toBoolean } from "@openstack-ts/kernel";
import type { Kysely } from "kysely";
import type { RcaDatabase, WebhookRow } from "./storage-types.js";

/** A registered webhook in the shape the API returns. */
export interface Webhook {
  id: string;
  project_id: string;
  is_admin_webhook: boolean;
  url: string;
  /** A dict literal, such as `{'X-Key': 'v'}`, or an empty string. */
  headers: string;
  /** A dict literal of field to regular expression, or an empty string. */
  regex_filter: string;
  created_at: string;
}

/** Stores webhook registrations. */
export class WebhookRepo {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  async create(webhook: Webhook): Promise<void> {
    await this.#db
      .insertInto("rca_webhooks")
      .values({ ...webhook, is_admin_webhook: webhook.is_admin_webhook })
      .execute();
  }

  async get(id: string): Promise<Webhook | undefined> {
    const row = await this.#db
      .selectFrom("rca_webhooks")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  /** Lists every webhook, or one project's, oldest first. */
  async list(projectId?: string): Promise<Webhook[]> {
    let query = this.#db.selectFrom("rca_webhooks").selectAll();
    if (projectId !== undefined) {
      query = query.where("project_id", "=", projectId);
    }
    const rows = await query.orderBy("created_at").orderBy("id").execute();
    return rows.map(toWebhook);
  }

  /** Deletes a webhook and reports whether it existed. */
  async delete(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("rca_webhooks")
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    project_id: row.project_id,
    is_admin_webhook: toBoolean(row.is_admin_webhook),
    url: row.url,
    headers: row.headers ?? "",
    regex_filter: row.regex_filter ?? "",
    created_at: row.created_at,
  };
}
