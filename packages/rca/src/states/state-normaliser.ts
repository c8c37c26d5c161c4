/**
 * State and severity normalisation: one table per vitrage_type maps the raw values datasources
 * report (`ACTIVE`, `available`, `DOWN`) to an operational value and a priority. The priority
 * picks the aggregated value of a resource (the worse of its datasource state and the state a
 * template set) and scores competing template actions.
 *
 * The built-in tables are in `default-state-tables.ts`. An operator folder of YAML tables in
 * upstream's `datasources_values_dir` format replaces the built-in table of each type it has a
 * file for. A file is named after its vitrage_type and contains `category` and `values`, a list of
 * `aggregated values: {priority, original values: [{name, operational_value}]}`. Lookups are
 * case-insensitive (names are upper-cased). A value missing from the table gets `N/A` and
 * priority 0, and a type without a table uses `default`.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Logger } from "@openstack-ts/kernel";
import { parse as parseYaml } from "yaml";
import { EntityCategory, type EntityCategoryName } from "../graph/graph-types.js";
import { DEFAULT_STATE_TABLES, type DefaultStateTable } from "./default-state-tables.js";

/** The table used for types that have none of their own. */
export const DEFAULT_TABLE = "default";

/** Operational value given to a type that is configured but has no table, as upstream does. */
export const UNDEFINED_DATASOURCE = "undefined datasource";

const NOT_AVAILABLE = "N/A";

/** Operational resource states. */
export const OPERATIONAL_STATES = [
  "N/A",
  "OK",
  "TRANSIENT",
  "SUBOPTIMAL",
  "ERROR",
  "DELETED",
] as const;

/** Operational alarm severities. */
export const OPERATIONAL_SEVERITIES = ["N/A", "OK", "WARNING", "SEVERE", "CRITICAL"] as const;

/** An operational resource state. */
export type OperationalState = (typeof OPERATIONAL_STATES)[number];

/** An operational alarm severity. */
export type OperationalSeverity = (typeof OPERATIONAL_SEVERITIES)[number];

/** One type's table: upper-cased raw value to operational value and priority. */
export interface StateTable {
  readonly category: EntityCategoryName;
  readonly operational: ReadonlyMap<string, string>;
  readonly priority: ReadonlyMap<string, number>;
}

/** The normalised fields of a vertex. */
export interface NormalisedValues {
  /** `vitrage_aggregated_state` or `_severity`: the winning raw value, upper-cased. */
  aggregated: string | null;
  /** `vitrage_operational_state` or `_severity`. */
  operational: string;
}

/** Normalises states and severities and scores template actions. */
export interface StateNormaliser {
  /**
   * Computes the aggregated and operational fields for a vertex about to be written:
   * `changes` are the new properties, `stored` the vertex in the graph (if any). A property
   * present in `changes` wins over the stored one, even when it is null (a reverted set_state).
   * Returns the four property names with their values (null removes a property).
   */
  normalise(
    changes: Readonly<Record<string, unknown>>,
    stored: Readonly<Record<string, unknown>> | undefined,
  ): Record<string, string | null> | undefined;
  /** Priority of a resource state for a type (set_state scores). */
  statePriority(vitrageType: string | undefined, state: string): number;
  /** Priority of a severity in the deduced alarms' table (raise_alarm scores). */
  deducedSeverityPriority(severity: string): number;
  /** The loaded tables, by type. */
  readonly tables: ReadonlyMap<string, StateTable>;
}

/** Options of {@link createStateNormaliser}. */
export interface StateNormaliserOptions {
  /**
   * Folder of operator YAML tables. Each file replaces the built-in table of its type. Without
   * a folder only the built-in tables are used.
   */
  directory?: string;
  /** Configured datasource types (upstream's `[datasources] types`). */
  datasourceTypes?: readonly string[];
  logger?: Pick<Logger, "warn" | "error">;
}

/** Raised when a table file is invalid. */
export class StateTableError extends Error {
  readonly code = "invalid_state_table";

  constructor(message: string) {
    super(message);
    this.name = "StateTableError";
  }
}

/**
 * Builds the normaliser from the built-in tables and, when a folder is given, the operator tables
 * in it. Invalid files are logged and skipped, so their types keep the built-in table.
 *
 * @throws {StateTableError} when the folder cannot be read.
 */
export function createStateNormaliser(options: StateNormaliserOptions = {}): StateNormaliser {
  const tables = defaultStateTables();
  if (options.directory !== undefined) {
    for (const [vitrageType, table] of loadStateTables(options.directory, options.logger)) {
      tables.set(vitrageType, table);
    }
  }
  return new TableStateNormaliser(tables, new Set(options.datasourceTypes ?? []));
}

/** Builds a new map of the built-in tables, by type, which the caller may change. */
export function defaultStateTables(): Map<string, StateTable> {
  const tables = new Map<string, StateTable>();
  for (const [vitrageType, table] of Object.entries(DEFAULT_STATE_TABLES)) {
    tables.set(vitrageType, fromRows(table));
  }
  return tables;
}

function fromRows(table: DefaultStateTable): StateTable {
  const operational = new Map<string, string>();
  const priority = new Map<string, number>();
  for (const [level, value, ...names] of table.rows) {
    for (const name of names) {
      operational.set(name.toUpperCase(), value);
      priority.set(name.toUpperCase(), level);
    }
  }
  return { category: table.category, operational, priority };
}

/** Reads every `*.yaml` table of a folder, keyed by file name without the extension. */
export function loadStateTables(
  directory: string,
  logger?: Pick<Logger, "error">,
): Map<string, StateTable> {
  const tables = new Map<string, StateTable>();
  let files: string[];
  try {
    files = readdirSync(directory).sort();
  } catch (error) {
    throw new StateTableError(
      `failed to read the state tables folder ${directory} (rca states_directory): ${(error as Error).message}`,
    );
  }
  for (const file of files) {
    if (!file.endsWith(".yaml")) {
      continue;
    }
    const vitrageType = basename(file, ".yaml");
    try {
      tables.set(vitrageType, parseStateTable(readFileSync(join(directory, file), "utf8")));
    } catch (error) {
      logger?.error({ err: error, file: join(directory, file) }, "invalid state table skipped");
    }
  }
  return tables;
}

/**
 * Parses one table.
 *
 * @throws {StateTableError} when a field is missing or an operational value is not one of the
 * category's values.
 */
export function parseStateTable(text: string): StateTable {
  const document = parseYaml(text, { schema: "failsafe" }) as unknown;
  const root = asRecord(document, "table");
  const category = root.category;
  if (category !== EntityCategory.RESOURCE && category !== EntityCategory.ALARM) {
    throw new StateTableError(`invalid category ${JSON.stringify(category)}`);
  }
  const allowed: readonly string[] =
    category === EntityCategory.RESOURCE ? OPERATIONAL_STATES : OPERATIONAL_SEVERITIES;
  const operational = new Map<string, string>();
  const priority = new Map<string, number>();
  for (const item of asList(root.values, "values")) {
    const aggregated = asRecord(
      asRecord(item, "values item")["aggregated values"],
      "aggregated values",
    );
    const level = Number.parseInt(String(aggregated.priority), 10);
    if (Number.isNaN(level)) {
      throw new StateTableError(`invalid priority ${JSON.stringify(aggregated.priority)}`);
    }
    for (const original of asList(aggregated["original values"], "original values")) {
      const { name, operational_value: value } = asRecord(original, "original value");
      if (typeof name !== "string" || typeof value !== "string" || !allowed.includes(value)) {
        throw new StateTableError(`invalid original value ${JSON.stringify(original)}`);
      }
      operational.set(name.toUpperCase(), value);
      priority.set(name.toUpperCase(), level);
    }
  }
  return { category, operational, priority };
}

class TableStateNormaliser implements StateNormaliser {
  constructor(
    readonly tables: ReadonlyMap<string, StateTable>,
    private readonly configuredTypes: ReadonlySet<string>,
  ) {}

  normalise(
    changes: Readonly<Record<string, unknown>>,
    stored: Readonly<Record<string, unknown>> | undefined,
  ): Record<string, string | null> | undefined {
    const vitrageType = pick(changes, stored, "vitrage_type");
    const category = pick(changes, stored, "vitrage_category");
    if (category !== EntityCategory.RESOURCE && category !== EntityCategory.ALARM) {
      return undefined;
    }
    const resource = category === EntityCategory.RESOURCE;
    const aggregatedKey = resource ? "vitrage_aggregated_state" : "vitrage_aggregated_severity";
    const operationalKey = resource ? "vitrage_operational_state" : "vitrage_operational_severity";

    const typeName = typeof vitrageType === "string" ? vitrageType : "";
    if (!this.tables.has(typeName) && this.configuredTypes.has(typeName)) {
      return { [aggregatedKey]: UNDEFINED_DATASOURCE, [operationalKey]: UNDEFINED_DATASOURCE };
    }

    const properties = resource ? ["state", "vitrage_state"] : ["severity"];
    let best: { values: NormalisedValues; priority: number } | undefined;
    for (const property of properties) {
      const candidate = this.lookup(typeName, pick(changes, stored, property));
      if (best === undefined || candidate.priority > best.priority) {
        best = candidate;
      }
    }
    const values = (best as { values: NormalisedValues }).values;
    return { [aggregatedKey]: values.aggregated, [operationalKey]: values.operational };
  }

  statePriority(vitrageType: string | undefined, state: string): number {
    const table = this.tableOf(vitrageType ?? DEFAULT_TABLE);
    return table.priority.get(state.toUpperCase()) ?? 0;
  }

  deducedSeverityPriority(severity: string): number {
    return this.tableOf("vitrage").priority.get(severity.toUpperCase()) ?? 0;
  }

  private lookup(
    vitrageType: string,
    raw: unknown,
  ): { values: NormalisedValues; priority: number } {
    if (raw === undefined || raw === null || raw === "") {
      return { values: { aggregated: null, operational: NOT_AVAILABLE }, priority: 0 };
    }
    const upper = String(raw).toUpperCase();
    const table = this.tableOf(vitrageType);
    return {
      values: { aggregated: upper, operational: table.operational.get(upper) ?? NOT_AVAILABLE },
      priority: table.priority.get(upper) ?? 0,
    };
  }

  private tableOf(vitrageType: string): StateTable {
    return this.tables.get(vitrageType) ?? (this.tables.get(DEFAULT_TABLE) as StateTable);
  }
}

function pick(
  changes: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>> | undefined,
  property: string,
): unknown {
  if (property in changes) {
    return changes[property];
  }
  return stored?.[property];
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StateTableError(`invalid ${what}: expected a mapping`);
  }
  return value as Record<string, unknown>;
}

function asList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new StateTableError(`invalid ${what}: expected a list`);
  }
  return value;
}
