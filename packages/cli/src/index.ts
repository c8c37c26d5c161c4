export type { CliIo } from "./cli.js";
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from "./cli.js";
export { PAYLOAD_COLUMNS, SECRET_COLUMNS } from "./commands/secret-commands.js";
export { SERVICES } from "./commands/services.js";
export type { Column, OutputFormat } from "./output/formatters.js";
export { formatList, formatOne, selectColumns } from "./output/formatters.js";
