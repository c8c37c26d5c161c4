import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SERVER_SCRIPT = fileURLToPath(new URL("./serve-network.ts", import.meta.url));

/** A network service running in a child process. */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a network service process on a database and waits until it prints its URL. */
export async function startServiceProcess(databaseUrl: string): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", SERVER_SCRIPT], {
    env: { ...process.env, OSTS_NETWORK_TEST_DATABASE: databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`network service process exited with ${code}`)));
  });
  const url = (JSON.parse(await first) as { url: string }).url;
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) {
        return;
      }
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
