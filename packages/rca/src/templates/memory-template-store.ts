/**
 * An in-memory {@link TemplateStore} for unit tests. The service stores templates in SQL.
 *
 * @module
 */
import type {
  StoredTemplate,
  TemplateFilter,
  TemplateStatus,
  TemplateStore,
} from "./template-service.js";

/** Creates an empty in-memory template store. */
export function createMemoryTemplateStore(now: () => Date = () => new Date()): TemplateStore {
  const templates = new Map<string, StoredTemplate>();
  return {
    async insert(template) {
      templates.set(template.uuid, structuredClone(template));
    },
    async updateStatus(
      uuid: string,
      status: TemplateStatus,
      statusDetails?: string,
      from?: readonly TemplateStatus[],
    ) {
      const template = templates.get(uuid);
      if (template === undefined || (from !== undefined && !from.includes(template.status))) {
        return;
      }
      templates.set(uuid, {
        ...template,
        status,
        statusDetails: statusDetails ?? template.statusDetails,
        updatedAt: now().toISOString(),
      });
    },
    async list(filter: TemplateFilter = {}) {
      return [...templates.values()]
        .filter((template) => matches(template, filter))
        .sort((left, right) => left.createdAt.localeCompare(right.createdAt))
        .map((template) => structuredClone(template));
    },
  };
}

function matches(template: StoredTemplate, filter: TemplateFilter): boolean {
  return (
    (filter.uuid === undefined || template.uuid === filter.uuid) &&
    (filter.name === undefined || template.name === filter.name) &&
    (filter.type === undefined || template.type === filter.type) &&
    (filter.status === undefined || filter.status.includes(template.status))
  );
}
