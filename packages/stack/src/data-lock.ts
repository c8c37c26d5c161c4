import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StackStartError } from "./start-error.js";

/** Name of the file in the data folder that records the PID of the stack using the folder. */
export const LOCK_FILE = "stack.pid";

/** Folders locked by stacks of this process, which share one PID. */
const lockedHere = new Set<string>();

/**
 * Claims the data folder for this stack, so a second stack cannot use the same SQLite files and
 * overwrite the first one's openrc. The claim is `stack.pid`, created exclusively; a file left by
 * a process that no longer runs is replaced. Returns the function that releases the claim.
 * Throws a StackStartError when the folder is in use or cannot be written.
 */
export function lockDataFolder(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  createFolder(dataDir);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
      lockedHere.add(dataDir);
      return () => release(dataDir, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw notWritable(dataDir, error);
      }
      const holder = readHolder(file);
      if (holder !== undefined && isRunning(holder, dataDir)) {
        throw new StackStartError(
          `data folder ${dataDir} is in use by the stack with PID ${holder} (${file}). Stop that ` +
            "stack first, or set OSTS_DATA_DIR to another folder.",
        );
      }
      if (attempt > 0) {
        throw new StackStartError(
          `data folder ${dataDir} is being claimed by another stack (${file}); try again.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
}

function createFolder(dataDir: string) {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw notWritable(dataDir, error);
  }
}

function notWritable(dataDir: string, error: unknown): StackStartError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "EROFS"
      ? "it is on a read-only file system"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : (error as Error).message;
  return new StackStartError(
    `data folder ${dataDir} is not writable: ${reason}. Make it writable, or set OSTS_DATA_DIR ` +
      "to a writable folder.",
    { cause: error },
  );
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when the PID runs: another process, or a stack of this process on the same folder. */
function isRunning(pid: number, dataDir: string): boolean {
  if (pid === process.pid) {
    return lockedHere.has(dataDir);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function release(dataDir: string, file: string) {
  lockedHere.delete(dataDir);
  if (readHolder(file) === process.pid) {
    rmSync(file, { force: true });
  }
}
