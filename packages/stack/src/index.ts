export { LOCK_FILE, lockDataFolder } from "./data-lock.js";
export { renderOpenrc, shellQuote, writeOpenrc } from "./openrc.js";
export { STACK_SERVICES } from "./services.js";
export type { RunningStack, StackOptions, StackService } from "./stack.js";
export { startStack } from "./stack.js";
export type { StackConfig } from "./stack-config.js";
export { loadStackConfig, stackConfigSchema } from "./stack-config.js";
export { StackStartError } from "./start-error.js";
