import { randomBytes } from "node:crypto";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
 * file is written under a temporary name and then published, so a crash never leaves it
 * half-written and processes starting together use the passwords of the first one.
 */
export function resolveBootstrapPasswords(
  configured: { admin: string; service: string },
  file: string,
): BootstrapPasswords {
  for (;;) {
    const stored = readPasswordFile(file);
    const admin = configured.admin !== "" ? configured.admin : stored?.admin_password;
    const service = configured.service !== "" ? configured.service : stored?.service_password;
    if (admin !== undefined && service !== undefined) {
      return { admin, service };
    }
    const updated: PasswordFile = {
      ...stored,
      ...(admin === undefined ? { admin_password: generatePassword() } : {}),
      ...(service === undefined ? { service_password: generatePassword() } : {}),
    };
    // A process starting at the same time may create the file first; then its passwords are read
    // and used, so every process agrees on them.
    if (writePasswordFile(file, updated, stored === undefined)) {
      return {
        admin: admin ?? (updated.admin_password as string),
        service: service ?? (updated.service_password as string),
      };
    }
  }
}

function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** Reads the password file; returns undefined when it does not exist. */
function readPasswordFile(file: string): PasswordFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw new Error(
      `bootstrap password file ${file} cannot be read: ${(error as Error).message}; ` +
        "fix or remove it, or set identity.bootstrap.password_file",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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

/**
 * Writes the password file with mode 0600 under a temporary name, then publishes it. A new file is
 * published with link(), which fails when another process created the file first; this returns
 * false then. An existing file is replaced with rename().
 */
function writePasswordFile(file: string, content: PasswordFile, create: boolean): boolean {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  if (!create) {
    renameSync(temporary, file);
    return true;
  }
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    return false;
  } finally {
    rmSync(temporary, { force: true });
  }
}
