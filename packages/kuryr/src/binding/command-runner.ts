import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { Logger } from "@openstack-ts/kernel";

/** Output of a command that exited with status 0. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Runs an executable with an argument array; no shell ever parses the arguments. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandOutput>;

/** A command that could not start or exited with a non-zero status. */
export class CommandError extends Error {
  readonly command: string;
  readonly args: readonly string[];
  /** Exit status, or null when the command did not start (ENOENT) or was killed. */
  readonly exitCode: number | null;
  readonly stderr: string;
  /** errno code when the command did not start, such as `ENOENT`. */
  readonly spawnCode: string | undefined;

  constructor(
    command: string,
    args: readonly string[],
    exitCode: number | null,
    stderr: string,
    spawnCode?: string,
  ) {
    const detail = stderr.trim() !== "" ? stderr.trim() : (spawnCode ?? `exit status ${exitCode}`);
    super(`${command} ${args.join(" ")} failed: ${detail}`);
    this.name = "CommandError";
    this.command = command;
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.spawnCode = spawnCode;
  }
}

/**
 * Runs commands through `execFile`, killing any that takes longer than `timeoutMs`. With a logger,
 * each command logs its arguments, exit status and time at debug level.
 */
export function execFileRunner(timeoutMs = 10_000, logger?: Logger): CommandRunner {
  return (command, args) =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      execFile(
        command,
        [...args],
        { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
        (error, stdout, stderr) => {
          logger?.debug(
            {
              command,
              args,
              code: error === null ? 0 : (error as { code?: unknown }).code,
              ms: Math.round(performance.now() - start),
            },
            "command finished",
          );
          if (error === null) {
            resolve({ stdout, stderr });
            return;
          }
          const failure = error as NodeJS.ErrnoException & { code?: number | string };
          const exitCode = typeof failure.code === "number" ? failure.code : null;
          const spawnCode = typeof failure.code === "string" ? failure.code : undefined;
          reject(new CommandError(command, args, exitCode, stderr ?? "", spawnCode));
        },
      );
    });
}
