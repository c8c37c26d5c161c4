import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@openstack-ts/kernel";
import { parse as parseYaml } from "yaml";
import type { TemplateService } from "../../templates/template-service.js";

/**
 * Adds the templates of a folder whose names are not stored yet, so an operator can ship
 * templates with the configuration. Files that cannot be read or parsed are logged and skipped.
 */
export async function preloadTemplates(
  directory: string,
  templates: Pick<TemplateService, "list" | "add">,
  logger: Logger,
): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (error) {
    logger.warn({ err: error, directory }, "template folder could not be read");
    return 0;
  }
  const stored = new Set((await templates.list()).map((template) => template.name));
  let added = 0;
  for (const name of names) {
    const path = join(directory, name);
    try {
      const document = parseYaml(await readFile(path, "utf8")) as { metadata?: { name?: unknown } };
      const templateName = document?.metadata?.name;
      if (typeof templateName === "string" && stored.has(templateName)) {
        continue;
      }
      const [summary] = await templates.add([[path, document]], null, null);
      logger.info(
        { template: summary?.name, status: summary?.status },
        "template loaded from folder",
      );
      added += 1;
    } catch (error) {
      logger.warn({ err: error, file: path }, "template file skipped");
    }
  }
  return added;
}
