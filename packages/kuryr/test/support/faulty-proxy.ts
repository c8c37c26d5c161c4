import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the proxy does with one request: forward it, respond with a status, never respond, close
 * the connection, or forward it and close the connection instead of returning the response.
 */
export type Fault = "pass" | { status: number } | "hang" | "drop" | "lose-response";

/** A request as the proxy receives it: method and path without the query. */
export interface SeenRequest {
  method: string;
  path: string;
}

/**
 * An HTTP proxy in front of a Neutron that lets a test fail chosen requests: a status with
 * Neutron's error body, no response at all, or a closed connection. Requests the rule passes are
 * forwarded unchanged.
 */
export interface FaultyProxy {
  url: string;
  /** Decides what happens to each request. The default passes everything. */
  rule: (request: SeenRequest) => Fault;
  close(): Promise<void>;
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const state: FaultyProxy = {
    url: "",
    rule: () => "pass",
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", "http://proxy");
    const fault = state.rule({ method: incoming.method ?? "GET", path: url.pathname });
    if (fault === "hang") {
      incoming.resume();
      return;
    }
    if (fault === "drop") {
      incoming.socket.destroy();
      return;
    }
    if (typeof fault === "object") {
      incoming.resume();
      const body = JSON.stringify({
        NeutronError: { type: "Injected", message: `injected HTTP ${fault.status}`, detail: "" },
      });
      outgoing.writeHead(fault.status, { "content-type": "application/json" }).end(body);
      return;
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        if (fault === "lose-response") {
          response.resume();
          response.on("end", () => incoming.socket.destroy());
          return;
        }
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.socket?.destroy());
    incoming.pipe(forwarded);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
