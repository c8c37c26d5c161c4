import { execFile } from "node:child_process";

const root = new URL("../../../../", import.meta.url).pathname;

/** Outcome of a script run in its own process. */
export interface IsolatedRun {
  /** False when the script was killed at the deadline. */
  completed: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module script (TypeScript allowed, imports relative to the repository root) in a
 * child Node process and kills it after `seconds`. Tests use it for code that could block the
 * event loop forever, which no in-process timeout can interrupt.
 */
export function runIsolated(script: string, seconds: number): Promise<IsolatedRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=source", "--input-type=module", "--eval", script],
      { cwd: root, timeout: seconds * 1000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const killed = error !== null && (error as { killed?: boolean }).killed === true;
        resolve({ completed: !killed, stdout, stderr });
      },
    );
  });
}
