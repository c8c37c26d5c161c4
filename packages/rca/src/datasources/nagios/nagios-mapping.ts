import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

/** One line of the mapping file: Nagios host names matching `pattern` map to a resource. */
export interface NagiosHostMapping {
  pattern: RegExp;
  type: string;
  /** Resource name, or `${nagios_host}` to use the Nagios host name itself. */
  name: string;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: the mapping file uses this literal text.
const HOST_NAME_PLACEHOLDER = "${nagios_host}";

/**
 * Reads a mapping file of the form `nagios: [{nagios_host: <regex>, type, name}]`. Each regular
 * expression is anchored at the start of the host name only, as Python's `re.match` does.
 * Throws with the file name and the entry at fault when the file is malformed.
 */
export function loadNagiosMappings(file: string): NagiosHostMapping[] {
  const document = parseYaml(readFileSync(file, "utf8")) as unknown;
  return parseNagiosMappings(document, file);
}

/** Checks and converts the parsed mapping document; `source` names it in errors. */
export function parseNagiosMappings(document: unknown, source: string): NagiosHostMapping[] {
  const entries = (document as { nagios?: unknown } | null)?.nagios;
  if (!Array.isArray(entries)) {
    throw new Error(`${source}: expected a top-level "nagios" list`);
  }
  return entries.map((entry: unknown, index) => {
    const { nagios_host: host, type, name } = (entry ?? {}) as Record<string, unknown>;
    if (typeof host !== "string" || typeof type !== "string" || typeof name !== "string") {
      throw new Error(`${source}: entry ${index + 1} needs string nagios_host, type and name`);
    }
    try {
      return { pattern: new RegExp(`^(?:${host})`), type, name };
    } catch (error) {
      throw new Error(`${source}: entry ${index + 1} has an invalid regular expression ${host}`, {
        cause: error,
      });
    }
  });
}

/** Returns the resource type and name of a Nagios host by the first mapping that matches. */
export function mapNagiosHost(
  mappings: NagiosHostMapping[],
  host: string,
): { type: string; name: string } | undefined {
  for (const mapping of mappings) {
    if (host !== "" && mapping.pattern.test(host)) {
      const name = mapping.name === HOST_NAME_PLACEHOLDER ? host : mapping.name;
      return { type: mapping.type, name };
    }
  }
  return undefined;
}
