import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ServiceCredentials } from "@openstack-ts/kernel";

/** Renders an openrc file: the `OS_*` variables the openstack client reads. */
export function renderOpenrc(credentials: ServiceCredentials, region: string): string {
  const variables: Array<[string, string]> = [
    ["OS_AUTH_URL", credentials.authUrl],
    ["OS_USERNAME", credentials.username],
    ["OS_PASSWORD", credentials.password],
    ["OS_PROJECT_NAME", credentials.projectName],
    ["OS_USER_DOMAIN_NAME", credentials.userDomainName],
    ["OS_PROJECT_DOMAIN_NAME", credentials.projectDomainName],
    ["OS_IDENTITY_API_VERSION", "3"],
    ["OS_REGION_NAME", region],
  ];
  const lines = variables.map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes an openrc file with mode 0600, because it contains the admin password. The file is
 * written under a temporary name and renamed, so an existing file with wider permissions is
 * replaced and never receives the new password.
 */
export function writeOpenrc(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** Quotes a value for POSIX shells: single quotes, with each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
