/**
 * Templates after loading: scenarios with their conditions in DNF, the template entities and
 * relationships they name, and their actions. The same model comes out of all three formats.
 *
 * @module
 */
import type { ActionTypeName } from "../evaluator/evaluator-types.js";
import type { DnfCondition } from "./condition.js";

/** A template entity: the vertex properties a match must carry (keys already converted). */
export interface TemplateEntity {
  readonly id: string;
  /** `category` and `type` become `vitrage_category` and `vitrage_type`. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A template relationship between two template entities. */
export interface TemplateRelationship {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  /** Further edge properties to match (version 1 and 2 relationship fields). */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** An action of a scenario. */
export interface TemplateAction {
  /** `<template name>-scenario<i>-action<j>`. */
  readonly id: string;
  readonly type: ActionTypeName;
  /** Template ids of the action's target and, for add_causal_relationship, source. */
  readonly target: string;
  readonly source?: string;
  /** Action properties (`state`, `alarm_name`, `severity`, `workflow`, `input`, ...). */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A scenario: a condition and the actions taken while it holds. */
export interface TemplateScenario {
  /** `<template name>-scenario<i>`, with `_equivalence` appended for equivalent copies. */
  readonly id: string;
  readonly templateName: string;
  readonly version: "1" | "2" | "3";
  readonly condition: DnfCondition;
  /** The entities the condition names (directly or as relationship ends). */
  readonly entities: ReadonlyMap<string, TemplateEntity>;
  /** The relationships the condition names. */
  readonly relationships: ReadonlyMap<string, TemplateRelationship>;
  readonly actions: readonly TemplateAction[];
}

/** A loaded standard template. */
export interface LoadedTemplate {
  readonly name: string;
  readonly version: "1" | "2" | "3";
  readonly scenarios: readonly TemplateScenario[];
}

/**
 * An equivalence: entity property sets that stand for each other in conditions (a Nagios
 * `host_problem` alarm is the same as a Zabbix `host_fail` alarm).
 */
export type Equivalence = readonly Readonly<Record<string, unknown>>[];
