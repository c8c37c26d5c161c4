/**
 * Template validation status codes and their messages, with upstream Vitrage's numbers and
 * wording (clients and tests match on both).
 *
 * @module
 */
import { ACTION_TYPES } from "../evaluator/evaluator-types.js";

/** Supported `metadata.version` values. */
export const TEMPLATE_VERSIONS = ["1", "2", "3"] as const;

/** One of the supported versions. */
export type TemplateVersionName = (typeof TEMPLATE_VERSIONS)[number];

/** Template types, in upstream's order. */
export const TEMPLATE_TYPES = ["standard", "definition", "equivalence"] as const;

/** Renders a list the way Python's `str()` renders a list of strings. */
export function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => pythonRepr(value)).join(", ")}]`;
}

/** Renders a string the way Python's `repr()` does. */
export function pythonRepr(value: string | number): string {
  if (typeof value === "number") {
    return String(value);
  }
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  return quote + (quote === "'" ? escaped.replaceAll("'", "\\'") : escaped) + quote;
}

const ENTITY_CATEGORIES = ["RESOURCE", "ALARM"];

/**
 * Status code to message. The texts (including their odd spacing and punctuation) are part of
 * the API: upstream appends details to some of them and clients print them as they are.
 */
export const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  0: "Template validation is OK",
  1: "template_id field contains incorrect string value.",
  2: "Duplicate template_id definition.",
  3: "template_id does not appear in the definition block.",
  4: "Syntax error: ",
  5: "Invalid yaml format: ",
  20: "definitions section must contain entities field.",
  21: "definitions section is a mandatory section.",
  41: "Entity definition must contain template_id field.",
  42: "Entity definition must contain category field.",
  43: "At least one entity must be defined.",
  45: `Invalid entity category. Category must be from types: ${pythonList(ENTITY_CATEGORIES)}`,
  46: "Entity field is required.",
  47: "Invalid regular expression defined in field:",
  60: "metadata section must contain id field.",
  62: "metadata is a mandatory section.",
  // Upstream formats this message before it registers its template versions, so the list it
  // prints is empty (checked against Vitrage 9.0.0).
  63: "Unsupported version. Version must be one of: dict_keys([])",
  64: `metadata section must contain a type field starting from version 2. Type must be one of: ${pythonList([...TEMPLATE_TYPES])}`,
  65: `Invalid template type. Type must be one of: ${pythonList([...TEMPLATE_TYPES])}`,
  66: `Missing template type. Type must be one of: ${pythonList([...TEMPLATE_TYPES])}`,
  80: "scenarios is a mandatory section.",
  81: "At least one scenario must be defined.",
  82: "scenario field is required.",
  83: "Scenario definition must contain condition field.",
  84: "Scenario definition must contain actions field.",
  85: "Failed to convert condition.",
  86: "Not operator can be used only on relationships.",
  101: "Relationship field is required.",
  102: "Relationship definition must contain source field.",
  103: "Relationship definition must contain target field.",
  104: "Relationship definition must contain template_id field.",
  120: `Invalid action type. Action type must be from types: ${pythonList(ACTION_TYPES)}`,
  121: "At least one action must be defined.",
  122: "Action field is required.",
  123: "Action definition must contain action_type field.",
  124: "Action definition must contain action_target field.",
  125: "raise_alarm action must contain alarm_name field in properties block.",
  126: "raise_alarm action must contain severity field in properties block.",
  127: "raise_alarm action must contain target field in target_action block",
  128: "set_state action must contain state field in properties block.",
  129: "set_state action must contain target field in target_action block.",
  130: "add_causal_relationship action must contain target and source field in target_action block.",
  131: "mark_down action must contain 'target' field in 'target_action' block.",
  132: "add_causal_relationship action requires action_target to be ALARM",
  133: "execute_mistral action must contain workflow field in properties block",
  134: "condition can not contain only 'not' clauses",
  135: "condition must contain a common entity for all 'or' clauses",
  136: "Input parameters for the Mistral workflow in execute_mistral action must be placed under an 'input' block ",
  137: "Functions are supported only from version 2",
  138: "Only open or close parenthesis exists. Did you try to use a function?",
  140: "At least one template must be included",
  141: "Name field is unspecified for include",
  142: "Trying to include a template that does not exist",
  143: "A template definition file cannot contain 'includes' or 'scenarios' blocks",
  160: "Parameters are supported only from version 2",
  161: "get_param called for a parameter that is not defined in the 'parameters' block",
  162: "malformed get_param() clause",
  163: "Failed to resolve parameter",
  10100: "Action must contain a 'target' property",
  10101: "Action 'target' must match an entity id",
  10102: "Action must contain a 'source' property",
  10103: "Action 'source' must match an entity id",
  10104: "raise_alarm action must contain an 'alarm_name' property",
  10105: "execute_mistral action must contain 'workflow' property",
  10107: "The property 'causing_alarm' in raise_alarm action must match an entity id",
  10200: "Condition contains an unknown entity id",
};

/** Returns the message of a code, or the syntax-error message for an unknown code. */
export function statusMessage(code: number): string {
  return STATUS_MESSAGES[code] ?? (STATUS_MESSAGES[4] as string);
}

/** Returns true when the code has a message of its own. */
export function isKnownStatusCode(code: number): boolean {
  return code in STATUS_MESSAGES;
}
