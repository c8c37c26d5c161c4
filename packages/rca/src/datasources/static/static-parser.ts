import { parse as parseYaml } from "yaml";

/** One entity of a static datasource file. */
export interface StaticEntity {
  type: string;
  id: string;
  /** Every property of the entry except `static_id`, with `id` as text. */
  properties: Record<string, unknown>;
}

/** One relationship between two entities of the same file. */
export interface StaticRelationship {
  source: { type: string; id: string };
  target: { type: string; id: string };
  relationshipType: string;
}

export interface StaticFile {
  entities: StaticEntity[];
  relationships: StaticRelationship[];
}

/**
 * Parses a static datasource file: `metadata` plus `definitions.entities` (each with `static_id`,
 * `type` and `id`) and `definitions.relationships` (`source` and `target` static ids,
 * `relationship_type`). Files in the legacy static_physical layout (a top-level `entities` list
 * with nested relationships) and files without definitions return nothing, as upstream's static
 * driver ignores them. Throws on entries that cannot be used, naming the file and the entry.
 */
export function parseStaticFile(text: string, source: string): StaticFile {
  const document = parseYaml(text) as unknown;
  const definitions = (document as { definitions?: unknown } | null)?.definitions;
  if (definitions === undefined || definitions === null || typeof definitions !== "object") {
    return { entities: [], relationships: [] };
  }
  const { entities: rawEntities, relationships: rawRelationships } = definitions as {
    entities?: unknown;
    relationships?: unknown;
  };

  const byStaticId = new Map<string, StaticEntity>();
  const entities = asList(rawEntities, source, "entities").map((entry, index) => {
    const entity = parseEntity(entry, `${source}: entity ${index + 1}`);
    byStaticId.set(entity.staticId, entity.entity);
    return entity.entity;
  });
  const relationships = asList(rawRelationships, source, "relationships").map((entry, index) =>
    parseRelationship(entry, byStaticId, `${source}: relationship ${index + 1}`),
  );
  return { entities, relationships };
}

function asList(value: unknown, source: string, name: string): Record<string, unknown>[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new Error(`${source}: definitions.${name} must be a list`);
  }
  return value.map((entry) => (entry ?? {}) as Record<string, unknown>);
}

function parseEntity(entry: Record<string, unknown>, where: string) {
  const { static_id: staticId, type, id, ...rest } = entry;
  if (staticId === undefined || staticId === null) {
    throw new Error(`${where} has no static_id`);
  }
  if (typeof type !== "string" || type === "") {
    throw new Error(`${where} has no type`);
  }
  if (id === undefined || id === null) {
    throw new Error(`${where} has no id`);
  }
  const textId = String(id);
  return {
    staticId: String(staticId),
    entity: { type, id: textId, properties: { ...rest, type, id: textId } },
  };
}

function parseRelationship(
  entry: Record<string, unknown>,
  byStaticId: Map<string, StaticEntity>,
  where: string,
): StaticRelationship {
  const source = byStaticId.get(String(entry.source));
  const target = byStaticId.get(String(entry.target));
  const relationshipType = entry.relationship_type;
  if (source === undefined) {
    throw new Error(`${where} has an unknown source ${String(entry.source)}`);
  }
  if (target === undefined) {
    throw new Error(`${where} has an unknown target ${String(entry.target)}`);
  }
  if (typeof relationshipType !== "string" || relationshipType === "") {
    throw new Error(`${where} has no relationship_type`);
  }
  return {
    source: { type: source.type, id: source.id },
    target: { type: target.type, id: target.id },
    relationshipType,
  };
}
