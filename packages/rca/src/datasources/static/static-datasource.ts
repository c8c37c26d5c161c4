import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@openstack-ts/kernel";
import type {
  Datasource,
  DatasourceSink,
  EntityEvent,
  EntityRelationship,
} from "../../processor/processor-types.js";
import { parseStaticFile, type StaticFile } from "./static-parser.js";

export interface StaticDatasourceOptions {
  directory: string;
  intervalSeconds: number;
  logger: Logger;
}

const YAML_FILE = /\.ya?ml$/;

/**
 * Creates the static datasource, which reads resources and relationships from the YAML files of
 * one folder. The folder is read again every interval. When any file changed, the whole listing
 * is sent as a snapshot, so entities that vanished from the files are marked deleted.
 */
export function createStaticDatasource(options: StaticDatasourceOptions): Datasource {
  const { directory, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let lastDigest = "";
  /**
   * The last content of each file that parsed. A file that stops parsing (an editor saving it
   * half-written, a typo) keeps this content, because dropping it would mark all its entities
   * deleted. A file that is removed from the folder drops its entities.
   */
  let lastValid = new Map<string, StaticFile>();

  async function readListing(): Promise<{ events: EntityEvent[]; digest: string }> {
    const files = await readStaticFiles(directory, logger);
    const digest = createHash("sha256")
      .update(JSON.stringify(files.map((file) => [file.name, file.text])))
      .digest("hex");
    const valid = new Map<string, StaticFile>();
    for (const file of files) {
      try {
        valid.set(file.name, parseStaticFile(file.text, file.name));
      } catch (error) {
        const previous = lastValid.get(file.name);
        logger.warn(
          { err: error, file: file.name, keptPreviousContent: previous !== undefined },
          "static datasource file is invalid",
        );
        if (previous !== undefined) {
          valid.set(file.name, previous);
        }
      }
    }
    lastValid = valid;
    return { events: toEntityEvents([...valid.values()]), digest };
  }

  return {
    name: "static",
    deletesVanishedEntities: true,

    async getAll() {
      const listing = await readListing();
      lastDigest = listing.digest;
      return listing.events;
    },

    start(sink: DatasourceSink) {
      const poll = async () => {
        try {
          const listing = await readListing();
          if (listing.digest !== lastDigest) {
            lastDigest = listing.digest;
            logger.info({ entities: listing.events.length }, "static datasource files changed");
            sink.snapshot(listing.events);
          }
        } catch (error) {
          logger.warn({ err: error, directory }, "static datasource folder could not be read");
        }
      };
      timer = setInterval(() => void poll(), options.intervalSeconds * 1000);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

async function readStaticFiles(directory: string, logger: Logger) {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => YAML_FILE.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return [];
    }
    throw error;
  }
  const files: { name: string; text: string }[] = [];
  for (const name of names) {
    try {
      files.push({ name, text: await readFile(join(directory, name), "utf8") });
    } catch (error) {
      logger.warn({ err: error, file: name }, "static datasource file could not be read");
    }
  }
  return files;
}

/**
 * Turns parsed files into entity events. Each relationship becomes an outgoing reference of its
 * source entity; an entity listed in several files is merged, the later file's properties
 * winning.
 */
export function toEntityEvents(files: StaticFile[]): EntityEvent[] {
  const events = new Map<string, EntityEvent>();
  const keyOf = (type: string, id: string) => `${type}\u0000${id}`;
  for (const file of files) {
    for (const entity of file.entities) {
      const key = keyOf(entity.type, entity.id);
      const previous = events.get(key);
      const {
        name,
        state,
        project_id: projectId,
        type: _type,
        id: _id,
        ...rest
      } = entity.properties;
      events.set(key, {
        action: "snapshot",
        datasource: "static",
        category: "RESOURCE",
        type: entity.type,
        id: entity.id,
        ...(name === undefined ? {} : { name: String(name) }),
        ...(state === undefined ? {} : { state: String(state) }),
        ...(projectId === undefined ? {} : { projectId: String(projectId) }),
        properties: { ...(previous?.properties ?? {}), ...rest },
        relationships: previous?.relationships ?? [],
      });
    }
  }
  for (const file of files) {
    for (const relationship of file.relationships) {
      const source = events.get(keyOf(relationship.source.type, relationship.source.id));
      const reference: EntityRelationship = {
        relationshipType: relationship.relationshipType,
        direction: "outgoing",
        neighbor: { type: relationship.target.type, id: relationship.target.id },
      };
      source?.relationships?.push(reference);
    }
  }
  return [...events.values()];
}
