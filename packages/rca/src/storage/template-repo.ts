import type { Kysely } from "kysely";
import type {
  StoredTemplate,
  TemplateFilter,
  TemplateStatus,
  TemplateStore,
  TemplateType,
} from "../templates/template-service.js";
import { type RcaDatabase, readJson, type TemplateRow } from "./storage-types.js";

/** The template service's storage in SQL (upstream's `templates` table). */
export class TemplateRepo implements TemplateStore {
  readonly #db: Kysely<RcaDatabase>;

  constructor(db: Kysely<RcaDatabase>) {
    this.#db = db;
  }

  async insert(template: StoredTemplate): Promise<void> {
    await this.#db
      .insertInto("rca_templates")
      .values({
        id: template.uuid,
        name: template.name,
        status: template.status,
        status_details: template.statusDetails,
        template_type: template.type,
        file_content: JSON.stringify(template.content),
        created_at: template.createdAt,
        updated_at: template.updatedAt ?? template.createdAt,
      })
      .execute();
  }

  async updateStatus(
    uuid: string,
    status: TemplateStatus,
    statusDetails?: string,
    from?: readonly TemplateStatus[],
  ): Promise<void> {
    if (from !== undefined && from.length === 0) {
      return;
    }
    let query = this.#db
      .updateTable("rca_templates")
      .set({
        status,
        updated_at: new Date().toISOString(),
        ...(statusDetails === undefined ? {} : { status_details: statusDetails }),
      })
      .where("id", "=", uuid);
    if (from !== undefined) {
      query = query.where("status", "in", [...from]);
    }
    await query.execute();
  }

  async list(filter: TemplateFilter = {}): Promise<StoredTemplate[]> {
    let query = this.#db.selectFrom("rca_templates").selectAll();
    if (filter.uuid !== undefined) {
      query = query.where("id", "=", filter.uuid);
    }
    if (filter.name !== undefined) {
      query = query.where("name", "=", filter.name);
    }
    if (filter.type !== undefined) {
      query = query.where("template_type", "=", filter.type);
    }
    if (filter.status !== undefined) {
      if (filter.status.length === 0) {
        return [];
      }
      query = query.where("status", "in", [...filter.status]);
    }
    const rows = await query.orderBy("created_at").orderBy("id").execute();
    return rows.map(toStoredTemplate);
  }
}

function toStoredTemplate(row: TemplateRow): StoredTemplate {
  return {
    uuid: row.id,
    name: row.name,
    status: row.status as TemplateStatus,
    statusDetails: row.status_details ?? "",
    type: (row.template_type ?? "standard") as TemplateType,
    content: readJson<Record<string, unknown>>(row.file_content),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
