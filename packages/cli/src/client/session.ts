import { ServiceError } from "./api-error.js";
import { sendRequest, type TlsOptions } from "./http-client.js";

/** Connection settings from `--os-*` options and `OS_*` variables. */
export interface ConnectionOptions {
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  regionName?: string;
  interface?: string;
  identityApiVersion?: string;
  token?: string;
  /** Service URL that skips the catalog (`--endpoint`, `--os-endpoint`). */
  endpoint?: string;
  /** `--no-auth`: send `X-Project-Id` instead of a token, as barbicanclient does. */
  noAuth?: boolean;
  tls: TlsOptions;
}

/** Base URL, headers and TLS settings for the requests to one service. */
export interface ServiceSession {
  /** Base URL of the service without a version path, such as `http://127.0.0.1:9311`. */
  baseUrl: string;
  /** Headers every request carries: `X-Auth-Token`, or `X-Project-Id` without auth. */
  headers: Record<string, string>;
  tls: TlsOptions;
}

/** Raised for missing or contradictory connection options; the CLI exits with 1. */
export class ConnectionError extends Error {}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

/**
 * Opens a session with a service. Without auth it uses `--endpoint` and `--os-project-id`. A token
 * with an endpoint is used as is. Otherwise it authenticates to Keystone v3 (with a password, or
 * rescoping the token) and takes the service's endpoint from the catalog by type, interface and
 * region.
 */
export async function openSession(
  options: ConnectionOptions,
  serviceType: string,
): Promise<ServiceSession> {
  if (options.noAuth === true) {
    return noAuthSession(options);
  }
  if (options.token !== undefined && options.endpoint !== undefined) {
    return {
      baseUrl: stripVersion(options.endpoint),
      headers: { "x-auth-token": options.token },
      tls: options.tls,
    };
  }
  const { token, catalog } = await authenticate(options);
  const url = options.endpoint ?? findEndpoint(catalog, serviceType, options);
  return { baseUrl: stripVersion(url), headers: { "x-auth-token": token }, tls: options.tls };
}

function noAuthSession(options: ConnectionOptions): ServiceSession {
  if (options.endpoint === undefined) {
    throw new ConnectionError("--no-auth needs --endpoint (the key manager URL)");
  }
  if (options.projectId === undefined) {
    throw new ConnectionError("--no-auth needs --os-project-id (sent as X-Project-Id)");
  }
  return {
    baseUrl: stripVersion(options.endpoint),
    headers: { "x-project-id": options.projectId },
    tls: options.tls,
  };
}

async function authenticate(options: ConnectionOptions) {
  if (options.authUrl === undefined) {
    throw new ConnectionError(
      "Missing value auth-url required for auth plugin password: set --os-auth-url or OS_AUTH_URL",
    );
  }
  if (options.identityApiVersion !== undefined && !options.identityApiVersion.startsWith("3")) {
    throw new ConnectionError(
      `identity API version ${options.identityApiVersion} is not supported; use 3`,
    );
  }
  const response = await sendRequest(
    "POST",
    `${identityV3(options.authUrl)}/auth/tokens`,
    { "content-type": "application/json", accept: "application/json" },
    JSON.stringify({ auth: { identity: identityOf(options), ...scopeOf(options) } }),
    options.tls,
  );
  if (response.status !== 201) {
    throw ServiceError.fromResponse(response);
  }
  const token = response.headers["x-subject-token"];
  if (typeof token !== "string") {
    throw new ConnectionError("the identity service returned no X-Subject-Token header");
  }
  const body = JSON.parse(response.body.toString("utf8")) as {
    token: { catalog?: CatalogEntry[] };
  };
  return { token, catalog: body.token.catalog ?? [] };
}

function identityOf(options: ConnectionOptions) {
  if (options.token !== undefined) {
    return { methods: ["token"], token: { id: options.token } };
  }
  if (
    options.password === undefined ||
    (options.username === undefined && options.userId === undefined)
  ) {
    throw new ConnectionError(
      "password authentication needs --os-username (or --os-user-id) and --os-password",
    );
  }
  const user =
    options.userId !== undefined
      ? { id: options.userId, password: options.password }
      : {
          name: options.username,
          password: options.password,
          domain: domainOf(options.userDomainId, options.userDomainName),
        };
  return { methods: ["password"], password: { user } };
}

function scopeOf(options: ConnectionOptions) {
  if (options.projectId !== undefined) {
    return { scope: { project: { id: options.projectId } } };
  }
  if (options.projectName !== undefined) {
    return {
      scope: {
        project: {
          name: options.projectName,
          domain: domainOf(options.projectDomainId, options.projectDomainName),
        },
      },
    };
  }
  return {};
}

function domainOf(id: string | undefined, name: string | undefined) {
  if (id !== undefined) {
    return { id };
  }
  return { name: name ?? "Default" };
}

function findEndpoint(
  catalog: CatalogEntry[],
  serviceType: string,
  options: ConnectionOptions,
): string {
  const endpointInterface = (options.interface ?? "public").replace(/URL$/, "");
  const endpoints = catalog
    .filter((entry) => entry.type === serviceType)
    .flatMap((entry) => entry.endpoints)
    .filter((endpoint) => endpoint.interface === endpointInterface)
    .filter(
      (endpoint) =>
        options.regionName === undefined ||
        endpoint.region === options.regionName ||
        endpoint.region_id === options.regionName,
    );
  const endpoint = endpoints[0];
  if (endpoint === undefined) {
    const region = options.regionName === undefined ? "" : ` in region ${options.regionName}`;
    throw new ConnectionError(
      `no ${endpointInterface} endpoint of service type ${serviceType}${region} in the catalog`,
    );
  }
  return endpoint.url;
}

/** Returns the identity URL ending in `/v3`, given with or without the version. */
function identityV3(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, "");
  return trimmed.endsWith("/v3") ? trimmed : `${trimmed}/v3`;
}

/** Removes a trailing slash and `/v1`, so paths can be appended. */
function stripVersion(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}
