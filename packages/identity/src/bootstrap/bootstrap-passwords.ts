import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The passwords of the bootstrap users. */
export interface BootstrapPasswords {
  admin: string;
  service: string;
}

interface PasswordFile {
  admin_password?: string;
  service_password?: string;
}

/**
 * Returns the bootstrap passwords: each one from configuration when it is set, otherwise from
 * `file`, where a password is generated and saved (mode 0600) the first time it is needed. The
 * file is replaced atomically, so a crash never leaves it half-written.
 */
export function resolveBootstrapPasswords(
  configured: { admin: string; service: string },
  file: string,
): BootstrapPasswords {
  const stored = readPasswordFile(file);
  const admin = configured.admin !== "" ? configured.admin : stored.admin_password;
  const service = configured.service !== "" ? configured.service : stored.service_password;
  if (admin !== undefined && service !== undefined) {
    return { admin, service };
  }
  const updated: PasswordFile = {
    ...stored,
    ...(admin === undefined ? { admin_password: generatePassword() } : {}),
    ...(service === undefined ? { service_password: generatePassword() } : {}),
  };
  writePasswordFile(file, updated);
  return {
    admin: admin ?? (updated.admin_password as string),
    service: service ?? (updated.service_password as string),
  };
}

function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

function readPasswordFile(file: string): PasswordFile {
  if (!existsSync(file)) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(
      `bootstrap password file ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`bootstrap password file ${file} must contain a JSON object`);
  }
  const { admin_password, service_password } = parsed as Record<string, unknown>;
  return {
    ...(typeof admin_password === "string" && admin_password !== "" ? { admin_password } : {}),
    ...(typeof service_password === "string" && service_password !== ""
      ? { service_password }
      : {}),
  };
}

function writePasswordFile(file: string, content: PasswordFile) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
