// Closed-loop HTTP load: a fixed number of clients, each sending its next request as soon as the
// response to the previous one arrives, over keep-alive connections (node:http, one socket each).
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

/**
 * Sends one request and resolves with the status and body. Rejects on network errors.
 * @param {Agent} agent
 * @param {{ url: URL, method: string, headers: Record<string, string>, body?: string }} spec
 */
export function send(agent, spec) {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      spec.url,
      { method: spec.method, headers: spec.headers, agent },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(spec.body);
  });
}

/**
 * Runs `clients` loops for `durationMs`; each loop calls `next()` for a request spec and sends it.
 * Returns the latency of every successful request in milliseconds, the error count, the time
 * taken, and what `onSuccess` collected from the responses.
 * @param {{ clients: number, durationMs: number, next: () => object, onSuccess?: (body: Buffer) => void }} options
 */
export async function runLoad(options) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  async function client() {
    while (performance.now() < deadline) {
      const spec = options.next();
      const sent = performance.now();
      try {
        const response = await send(agent, spec);
        if (response.status >= 200 && response.status < 300) {
          latencies.push(performance.now() - sent);
          options.onSuccess?.(response.body);
        } else {
          errors += 1;
        }
      } catch {
        errors += 1;
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies, errors, elapsedMs };
}

/** Summarises a load run: requests per second and latency percentiles in milliseconds. */
export function summarise(run) {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const percentile = (p) =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return {
    requests: sorted.length,
    errors: run.errors,
    perSecond: sorted.length / (run.elapsedMs / 1000),
    p50: percentile(0.5),
    p99: percentile(0.99),
  };
}
