import { issueToken, type Logger, type ServiceCredentials } from "@openstack-ts/kernel";
import type { KuryrConfig } from "../config.js";
import { kuryrErrors } from "../errors.js";
import { readOpenrc } from "./openrc.js";

/** Location of the Neutron API and the headers that authenticate a request to it. */
export interface NeutronAccess {
  /** Base URL of the Neutron API, without `/v2.0`. */
  endpoint(): Promise<string>;
  /** Authentication headers for the next request. */
  headers(): Promise<Record<string, string>>;
  /** Forgets the current token, so that the next request authenticates again. */
  invalidate(): void;
  /** True when a 401 is worth one retry with a fresh token. */
  readonly renewable: boolean;
}

/** Access to a Neutron that runs without authentication (its no-auth pipeline). */
export function noauthAccess(url: string, projectId: string, roles: string): NeutronAccess {
  const headers = { "x-project-id": projectId, "x-roles": roles, "x-user-id": "kuryr" };
  return {
    endpoint: async () => stripVersion(url),
    headers: async () => headers,
    invalidate: () => {},
    renewable: false,
  };
}

export interface KeystoneAccessOptions {
  credentials: ServiceCredentials;
  /** Neutron URL to use instead of the catalog's, or "". */
  url: string;
  region: string;
  endpointType: "public" | "internal" | "admin";
  timeoutSeconds: number;
  logger: Logger;
}

interface CatalogEntry {
  type: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url: string }[];
}

/**
 * Access through Keystone: authenticates as a user with a project scope, takes the `network`
 * endpoint from the token's catalog, and authenticates again a minute before the token expires or
 * after Neutron rejects it.
 */
export function keystoneAccess(options: KeystoneAccessOptions): NeutronAccess {
  let session: Promise<{ token: string; expiresAt: number; endpoint: string }> | null = null;

  async function authenticate() {
    let issued: Awaited<ReturnType<typeof issueToken>>;
    try {
      issued = await issueToken(options.credentials, options.timeoutSeconds);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const reason =
        cause === undefined ? (error as Error).message : `${options.credentials.authUrl}: ${cause}`;
      throw kuryrErrors.create("IDENTITY_FAILED", { reason });
    }
    const catalog = (issued.body.catalog ?? []) as CatalogEntry[];
    const endpoint = options.url !== "" ? options.url : findNetworkEndpoint(catalog, options);
    options.logger.info(
      { user: options.credentials.username, endpoint },
      "authenticated with Keystone",
    );
    return { token: issued.value, expiresAt: issued.expiresAt, endpoint: stripVersion(endpoint) };
  }

  async function current() {
    if (session !== null) {
      const value = await session.catch(() => null);
      if (value !== null && value.expiresAt - Date.now() > 60_000) {
        return value;
      }
    }
    session = authenticate();
    session.catch(() => {
      session = null;
    });
    return session;
  }

  return {
    endpoint: async () => (await current()).endpoint,
    headers: async () => ({ "x-auth-token": (await current()).token }),
    invalidate: () => {
      session = null;
    },
    renewable: true,
  };
}

function findNetworkEndpoint(catalog: CatalogEntry[], options: KeystoneAccessOptions): string {
  for (const service of catalog) {
    if (service.type !== "network") {
      continue;
    }
    const match = (service.endpoints ?? []).find(
      (endpoint) =>
        endpoint.interface === options.endpointType &&
        (options.region === "" ||
          endpoint.region === options.region ||
          endpoint.region_id === options.region),
    );
    if (match !== undefined) {
      return match.url;
    }
  }
  const region = options.region === "" ? "any region" : `region ${options.region}`;
  throw kuryrErrors.create("IDENTITY_FAILED", {
    reason: `the token's catalog has no ${options.endpointType} network endpoint in ${region}`,
  });
}

function stripVersion(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v2\.0$/, "");
}

/**
 * Builds the Neutron access that the configuration selects. Credentials missing from the configuration come
 * from the openrc file (`OS_AUTH_URL`, `OS_USERNAME`, ...), so that `npm run kuryr` works with the
 * file the stack writes.
 */
export function createNeutronAccess(
  config: Pick<KuryrConfig, "neutron">,
  openrcFile: string,
  logger: Logger,
): NeutronAccess {
  const neutron = config.neutron;
  if (neutron.auth_mode === "noauth") {
    const url = neutron.url === "" ? "http://127.0.0.1:9696" : neutron.url;
    return noauthAccess(url, neutron.project_id, neutron.roles);
  }
  const openrc = openrcFile === "" ? {} : readOpenrc(openrcFile);
  const pick = (configured: string, name: string, fallback: string) =>
    configured !== "" ? configured : (openrc[name] ?? fallback);
  const credentials: ServiceCredentials = {
    authUrl: pick(neutron.auth_url, "OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
    username: pick(neutron.username, "OS_USERNAME", "admin"),
    password: pick(neutron.password, "OS_PASSWORD", ""),
    projectName: pick(neutron.project_name, "OS_PROJECT_NAME", "admin"),
    userDomainName: pick(neutron.user_domain_name, "OS_USER_DOMAIN_NAME", "Default"),
    projectDomainName: pick(neutron.project_domain_name, "OS_PROJECT_DOMAIN_NAME", "Default"),
  };
  return keystoneAccess({
    credentials,
    url: neutron.url,
    region: neutron.region_name !== "" ? neutron.region_name : (openrc.OS_REGION_NAME ?? ""),
    endpointType: neutron.endpoint_type,
    timeoutSeconds: neutron.timeout_seconds,
    logger,
  });
}
