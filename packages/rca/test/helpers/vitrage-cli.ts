import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const VITRAGE = "/usr/bin/vitrage";

/** Why the real vitrage client cannot run here, or undefined when it can. */
export function vitrageCliUnavailable(): string | undefined {
  return existsSync(VITRAGE)
    ? undefined
    : "the vitrage client is not installed (python3-vitrageclient)";
}

/**
 * Runs the real `vitrage` client against a no-auth endpoint as an admin and returns its
 * standard output. It runs on Debian's /usr/bin/python3 through its own shebang.
 */
export async function vitrage(endpoint: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    VITRAGE,
    [
      "--os-auth-type",
      "vitrage-noauth",
      "--endpoint",
      endpoint,
      "--user-id",
      "scenario-user",
      "--project-id",
      "scenario-project",
      "--roles",
      "admin",
      ...args,
    ],
    { timeout: 60_000, env: { ...process.env, PYTHONWARNINGS: "ignore" } },
  );
  return stdout;
}

/** Runs a client command with `-f json` (or one whose default output is JSON) and parses it. */
export async function vitrageJson<T>(endpoint: string, args: string[]): Promise<T> {
  return JSON.parse(await vitrage(endpoint, args)) as T;
}
