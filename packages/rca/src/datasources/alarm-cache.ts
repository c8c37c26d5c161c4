/** How an alarm source compares its alarms. */
export interface AlarmRules<Alarm> {
  key(alarm: Alarm): string;
  /** True when the alarm is raised (not OK). */
  isErroneous(alarm: Alarm): boolean;
  isValid(alarm: Alarm): boolean;
  statusChanged(current: Alarm, previous: Alarm): boolean;
}

/** An alarm to report, and whether it was updated or disappeared from the source. */
export interface AlarmChange<Alarm> {
  alarm: Alarm;
  action: "update" | "delete";
}

/**
 * Remembers the last reading of a polled alarm source, as upstream's alarm drivers do, so that a
 * full reading reports every raised alarm (and the ones that just cleared), a change reading
 * reports only status changes, and a raised alarm missing from a reading is reported deleted.
 */
export class AlarmCache<Alarm> {
  readonly #rules: AlarmRules<Alarm>;
  readonly #alarms = new Map<string, Alarm>();

  constructor(rules: AlarmRules<Alarm>) {
    this.#rules = rules;
  }

  /** Every valid alarm that is raised now or was raised at the previous reading. */
  readAll(alarms: Alarm[]): AlarmChange<Alarm>[] {
    return this.#read(alarms, (alarm, previous) => {
      return (
        this.#rules.isErroneous(alarm) ||
        (previous !== undefined && this.#rules.isErroneous(previous))
      );
    });
  }

  /** Valid alarms whose status changed, and new alarms that are raised. */
  readChanges(alarms: Alarm[]): AlarmChange<Alarm>[] {
    return this.#read(alarms, (alarm, previous) => {
      if (previous === undefined) {
        return this.#rules.isErroneous(alarm);
      }
      return this.#rules.statusChanged(alarm, previous);
    });
  }

  /** Records one pushed alarm and reports whether it must be forwarded. */
  push(alarm: Alarm): boolean {
    if (!this.#rules.isValid(alarm)) {
      return false;
    }
    const key = this.#rules.key(alarm);
    const previous = this.#alarms.get(key);
    this.#alarms.set(key, alarm);
    return (
      this.#rules.isErroneous(alarm) ||
      (previous !== undefined && this.#rules.isErroneous(previous))
    );
  }

  /** The alarm last seen under the key of `alarm`. */
  previous(alarm: Alarm): Alarm | undefined {
    return this.#alarms.get(this.#rules.key(alarm));
  }

  #read(
    alarms: Alarm[],
    include: (alarm: Alarm, previous: Alarm | undefined) => boolean,
  ): AlarmChange<Alarm>[] {
    const changes: AlarmChange<Alarm>[] = [];
    const seen = new Set<string>();
    for (const alarm of alarms) {
      if (!this.#rules.isValid(alarm)) {
        continue;
      }
      const key = this.#rules.key(alarm);
      seen.add(key);
      const previous = this.#alarms.get(key);
      if (include(alarm, previous)) {
        changes.push({ alarm, action: "update" });
      }
      this.#alarms.set(key, alarm);
    }
    for (const [key, alarm] of this.#alarms) {
      if (seen.has(key)) {
        continue;
      }
      this.#alarms.delete(key);
      if (this.#rules.isErroneous(alarm)) {
        changes.push({ alarm, action: "delete" });
      }
    }
    return changes;
  }
}
