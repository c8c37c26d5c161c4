import type { Command } from "commander";
import type { ConnectionOptions } from "../client/session.js";
import { OUTPUT_FORMATS, type OutputFormat } from "../output/formatters.js";

/** Context of a command: the output writer, the environment and the connection settings. */
export interface CliContext {
  write(text: string): void;
  env: NodeJS.ProcessEnv;
  connection(): ConnectionOptions;
}

/** Raised for an invalid command line; the CLI exits with 2 as argparse does. */
export class UsageError extends Error {}

/** Raised for a failure the CLI reports with exit code 1. */
export class CommandError extends Error {}

/** Formatting options of a command that prints records, as cliff offers them. */
export interface FormatOptions {
  column: string[];
  format: string;
}

/** Adds cliff's `-c/--column` and `-f/--format` options. */
export function addFormatOptions(command: Command): Command {
  return command
    .option(
      "-c, --column <name>",
      "column to include, by its label or field name (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("-f, --format <format>", `output format: ${OUTPUT_FORMATS.join(", ")}`, "table")
    .option("--noindent", "accepted for compatibility; JSON is always indented");
}

/** Returns the `-f` value, or raises a usage error for an unknown format. */
export function outputFormat(options: FormatOptions): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(options.format)) {
    throw new UsageError(
      `argument -f/--format: invalid choice: '${options.format}' (choose from ${OUTPUT_FORMATS.map((name) => `'${name}'`).join(", ")})`,
    );
  }
  return options.format as OutputFormat;
}
