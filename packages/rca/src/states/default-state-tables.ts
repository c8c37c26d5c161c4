/**
 * The built-in state and severity tables, one per vitrage_type.
 *
 * Each row reads `[priority, operational value, ...raw values]`. Every raw value of the row
 * normalises to that operational value and ranks at that priority, and a higher priority is a
 * worse condition. Raw values are written upper-cased because lookups are case-insensitive.
 * A type missing here uses `default`, and `vitrage` contains the severities of deduced alarms.
 *
 * Operators replace a type's table with a YAML file of their own (see `states_directory`).
 *
 * @module
 */
import type { OperationalSeverity, OperationalState } from "./state-normaliser.js";

/** One row: the priority, the operational value, then the raw values that map to both. */
export type StateRow<Operational extends string> = readonly [
  priority: number,
  operational: Operational,
  ...raw: string[],
];

/** A built-in table, whose category decides whether its rows map states or severities. */
export type DefaultStateTable =
  | { readonly category: "RESOURCE"; readonly rows: readonly StateRow<OperationalState>[] }
  | { readonly category: "ALARM"; readonly rows: readonly StateRow<OperationalSeverity>[] };

function resource(...rows: StateRow<OperationalState>[]): DefaultStateTable {
  return { category: "RESOURCE", rows };
}

function alarm(...rows: StateRow<OperationalSeverity>[]): DefaultStateTable {
  return { category: "ALARM", rows };
}

/** Hosts, zones, the cluster root, switches and interfaces: only AVAILABLE is healthy. */
const AVAILABLE_RESOURCE = resource(
  [40, "DELETED", "DELETED"],
  [30, "ERROR", "ERROR"],
  [20, "SUBOPTIMAL", "SUBOPTIMAL"],
  [10, "OK", "AVAILABLE"],
);

/** The fallback and the static datasource: ACTIVE and AVAILABLE are both healthy. */
const GENERIC_RESOURCE = resource(
  [40, "DELETED", "DELETED"],
  [30, "ERROR", "ERROR"],
  [20, "SUBOPTIMAL", "SUBOPTIMAL"],
  [10, "OK", "ACTIVE", "AVAILABLE"],
);

/** Built-in tables by vitrage_type. */
export const DEFAULT_STATE_TABLES: Readonly<Record<string, DefaultStateTable>> = {
  default: GENERIC_RESOURCE,
  static: GENERIC_RESOURCE,
  static_physical: GENERIC_RESOURCE,

  "openstack.cluster": AVAILABLE_RESOURCE,
  "nova.zone": AVAILABLE_RESOURCE,
  "nova.host": AVAILABLE_RESOURCE,
  switch: AVAILABLE_RESOURCE,
  "network.interface": AVAILABLE_RESOURCE,

  "nova.instance": resource(
    [80, "DELETED", "DELETED", "HARD_DELETED", "SHELVED_OFFLOADED", "SOFT_DELETED"],
    [70, "ERROR", "ERROR"],
    [60, "SUBOPTIMAL", "PAUSED", "SHELVED", "STOPPED", "SUSPENDED"],
    [50, "SUBOPTIMAL", "RESIZED"],
    [40, "TRANSIENT", "BUILDING", "INITIALIZED"],
    [30, "SUBOPTIMAL", "SUBOPTIMAL"],
    [20, "OK", "RESCUED"],
    [10, "OK", "ACTIVE"],
  ),

  "neutron.network": resource(
    [50, "ERROR", "ERROR"],
    [40, "ERROR", "DOWN"],
    [30, "TRANSIENT", "BUILD"],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", "ACTIVE"],
  ),

  "neutron.port": resource(
    [60, "ERROR", "ERROR"],
    [50, "ERROR", "DOWN"],
    [40, "TRANSIENT", "BUILD"],
    [30, "N/A", "N/A"],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", "ACTIVE"],
  ),

  "cinder.volume": resource(
    [40, "ERROR", "ERROR", "ERROR_DELETING", "ERROR_EXTENDING", "ERROR_RESTORING"],
    [
      30,
      "TRANSIENT",
      "ATTACHING",
      "BACKING-UP",
      "CREATING",
      "DELETING",
      "DETACHING",
      "RESTORING-BACKUP",
    ],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", "AVAILABLE", "IN-USE"],
  ),

  "heat.stack": resource(
    [40, "ERROR", ...stackActions("FAILED")],
    [30, "TRANSIENT", ...stackActions("IN_PROGRESS")],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", ...stackActions("COMPLETE")],
  ),

  "trove.instance": resource(
    [70, "DELETED", "DELETED"],
    [60, "ERROR", "ERROR", "FAILED"],
    [50, "SUBOPTIMAL", "BLOCKED", "SHUTDOWN"],
    [40, "TRANSIENT", "REBOOTING", "RESIZING", "UPGRADING"],
    [30, "TRANSIENT", "BUILDING", "NEW"],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", "ACTIVE"],
  ),

  "trove.cluster": resource(
    [50, "DELETED", "DELETED"],
    [40, "ERROR", "ERROR"],
    [30, "TRANSIENT", "GROWING", "SHRINKING", "UPGRADING"],
    [20, "SUBOPTIMAL", "SUBOPTIMAL"],
    [10, "OK", "NONE"],
  ),

  "cetus.cluster": resource(
    [40, "ERROR", "INACTIVE"],
    [30, "TRANSIENT", "INITIALIZING", "REMOVING", "UPDATING"],
    [20, "SUBOPTIMAL", "PENDING"],
    [10, "OK", "ACTIVE"],
  ),

  "cetus.pod": resource(
    [40, "ERROR", "CRASHING"],
    [30, "TRANSIENT", "WAITING"],
    [20, "SUBOPTIMAL", "PENDING"],
    [10, "OK", "RUNNING"],
  ),

  vitrage: alarm(
    [50, "CRITICAL", "CRITICAL"],
    [40, "SEVERE", "MAJOR", "SEVERE"],
    [30, "WARNING", "MINOR", "WARNING"],
    [20, "N/A", "UNKNOWN"],
    [10, "OK", "OK"],
  ),

  nagios: alarm(
    [40, "CRITICAL", "CRITICAL", "DOWN"],
    [30, "WARNING", "WARNING"],
    [20, "N/A", "UNKNOWN"],
    [10, "OK", "OK", "UP"],
  ),

  zabbix: alarm(
    [50, "CRITICAL", "DISASTER", "HIGH"],
    [40, "SEVERE", "AVERAGE"],
    [30, "WARNING", "WARNING"],
    [20, "N/A", "NOT CLASSIFIED"],
    [10, "OK", "INFORMATION", "OK"],
  ),

  aodh: alarm(
    [40, "CRITICAL", "CRITICAL"],
    [30, "SEVERE", "MODERATE"],
    [20, "WARNING", "LOW"],
    [20, "N/A", "INSUFFICIENT DATA"],
    [10, "OK", "OK", "UP"],
  ),

  prometheus: alarm(
    [40, "CRITICAL", "CRITICAL"],
    [30, "WARNING", "WARNING"],
    [10, "OK", "RESOLVED"],
  ),

  kapacitor: alarm(
    [40, "CRITICAL", "CRITICAL"],
    [20, "WARNING", "INFO", "WARNING"],
    [10, "OK", "OK"],
  ),

  collectd: alarm([40, "CRITICAL", "FAILURE"], [30, "WARNING", "WARNING"], [10, "OK", "OK"]),

  monasca: alarm([30, "CRITICAL", "ALARM"], [20, "N/A", "UNDETERMINED"], [10, "OK", "OK"]),

  doctor: alarm([40, "CRITICAL", "CRITICAL"], [10, "OK", "OK"]),
};

/** Heat stack states of one outcome, for every stack action. */
function stackActions(outcome: string): string[] {
  return ["CREATE", "DELETE", "RESUME", "SUSPEND", "UPDATE"].map(
    (action) => `${action}_${outcome}`,
  );
}
