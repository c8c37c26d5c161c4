import { request } from "node:http";

/**
 * Creates a `fetch` that sends every request to one Unix socket, whatever host the URL names. The tests
 * use it to reach services listening on loopback inside another network namespace, through a
 * proxy socket on the shared filesystem.
 */
export function socketFetch(socketPath: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        {
          socketPath,
          path: `${url.pathname}${url.search}`,
          method: init?.method ?? "GET",
          headers: { ...(init?.headers as Record<string, string>), host: url.host },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const status = incoming.statusCode ?? 500;
            const text = Buffer.concat(chunks);
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              for (const item of Array.isArray(value) ? value : [value ?? ""]) {
                headers.append(name, item);
              }
            }
            resolve(
              new Response(status === 204 || text.length === 0 ? null : text, { status, headers }),
            );
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }) as typeof fetch;
}
