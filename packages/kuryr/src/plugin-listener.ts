import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname } from "node:path";
import type { Logger } from "@openstack-ts/kernel";
import type { FastifyInstance } from "fastify";

/**
 * Serves the app on a Unix socket as well as on TCP, with one request handler, the one fastify's
 * own server uses, so both paths run the same hooks and routes.
 */
export async function listenOnSocket(app: FastifyInstance, path: string): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true });
  // A socket file left by a plugin that was killed refuses new listeners with EADDRINUSE.
  rmSync(path, { force: true });
  const server = createServer((request, response) => app.routing(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** Closes the socket server and removes the socket file. */
export async function closeSocket(server: Server, path: string): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(path, { force: true });
}

/**
 * Writes the spec file Docker reads to find the plugin: the URL as plain text for `.spec`, or
 * `{"Name", "Addr"}` for `.json`.
 */
export function writeSpecFile(path: string, url: string, logger: Logger): void {
  mkdirSync(dirname(path), { recursive: true });
  const text = path.endsWith(".json") ? JSON.stringify({ Name: "kuryr", Addr: url }) : `${url}\n`;
  writeFileSync(path, text);
  logger.info({ spec_file: path, url }, "plugin spec file written");
}

/** Removes the spec file unless another plugin process has rewritten it with its own URL. */
export function removeSpecFile(path: string, url: string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return;
  }
  if (text.includes(url)) {
    rmSync(path, { force: true });
  }
}

/** Returns the URL to advertise: a wildcard bind address is reached through loopback. */
export function advertisedUrl(boundUrl: string, publicUrl: string): string {
  if (publicUrl !== "") {
    return publicUrl.replace(/\/+$/, "");
  }
  return boundUrl.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:");
}
