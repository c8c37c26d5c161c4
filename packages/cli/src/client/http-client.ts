import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** TLS settings from `--os-cacert` and `--insecure`. */
export interface TlsOptions {
  /** PEM file of the CA bundle to trust. */
  caFile?: string | undefined;
  /** Skips certificate verification. */
  insecure?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one HTTP request and collects the whole response; network failures reject. */
export function sendRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  tls: TlsOptions = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const options = {
    method,
    headers:
      body === undefined
        ? headers
        : { ...headers, "content-length": String(Buffer.byteLength(body)) },
    ...(target.protocol === "https:"
      ? {
          ca: tls.caFile === undefined || tls.caFile === "" ? undefined : readFileSync(tls.caFile),
          rejectUnauthorized: tls.insecure !== true,
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const outgoing = send(target, options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
      response.on("error", reject);
    });
    outgoing.setTimeout(60_000, () => outgoing.destroy(new Error(`request to ${url} timed out`)));
    outgoing.on("error", reject);
    if (body !== undefined) {
      outgoing.write(body);
    }
    outgoing.end();
  });
}
