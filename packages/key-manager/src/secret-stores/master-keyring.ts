import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@openstack-ts/kernel";
import { KEY_BYTES } from "./aes-gcm.js";

/** The master key-encryption keys, by version; `activeVersion` wraps new project keys. */
export interface MasterKeyring {
  readonly activeVersion: number;
  /** Returns the key of a version; throws when the keyring does not have it. */
  key(version: number): Buffer;
}

/** Contents of the master key file: every version still needed to unwrap project keys. */
interface MasterKeyFile {
  active: number;
  keys: Record<string, string>;
}

export interface MasterKeySettings {
  /** Base64 of a 32-byte key; empty reads `file` instead. */
  masterKey: string;
  masterKeyVersion: number;
  file: string;
}

/**
 * Loads the master keys: the configured key when one is set, else the key file, which is created
 * with one random key and mode 0600 when it does not exist yet.
 */
export function loadMasterKeyring(settings: MasterKeySettings, logger?: Logger): MasterKeyring {
  if (settings.masterKey !== "") {
    const key = decodeKey(settings.masterKey, "crypto.master_key");
    return keyringOf(settings.masterKeyVersion, new Map([[settings.masterKeyVersion, key]]));
  }
  const content = readOrCreateKeyFile(settings.file, logger);
  const keys = new Map<number, Buffer>();
  for (const [version, encoded] of Object.entries(content.keys)) {
    keys.set(Number(version), decodeKey(encoded, `${settings.file} key ${version}`));
  }
  if (!keys.has(content.active)) {
    throw new Error(
      `master key file ${settings.file} has no key for active version ${content.active}`,
    );
  }
  return keyringOf(content.active, keys);
}

function keyringOf(activeVersion: number, keys: Map<number, Buffer>): MasterKeyring {
  return {
    activeVersion,
    key(version: number): Buffer {
      const key = keys.get(version);
      if (key === undefined) {
        throw new Error(`master key version ${version} is not configured`);
      }
      return key;
    },
  };
}

function readOrCreateKeyFile(file: string, logger?: Logger): MasterKeyFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
    return createKeyFile(file, logger);
  }
  warnIfReadableByOthers(file, logger);
  return parseKeyFile(file, text);
}

function createKeyFile(file: string, logger?: Logger): MasterKeyFile {
  const content: MasterKeyFile = {
    active: 1,
    keys: { "1": randomBytes(KEY_BYTES).toString("base64") },
  };
  mkdirSync(dirname(file), { recursive: true });
  try {
    // "wx" fails when another process created the file first; that process's key then wins.
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return parseKeyFile(file, readFileSync(file, "utf8"));
    }
    throw error;
  }
  logger?.info({ file }, "generated a new master key file");
  return content;
}

function parseKeyFile(file: string, text: string): MasterKeyFile {
  const parsed = JSON.parse(text) as Partial<MasterKeyFile>;
  if (
    typeof parsed.active !== "number" ||
    typeof parsed.keys !== "object" ||
    parsed.keys === null
  ) {
    throw new Error(`master key file ${file} must contain {"active": N, "keys": {"N": "base64"}}`);
  }
  return { active: parsed.active, keys: parsed.keys };
}

function warnIfReadableByOthers(file: string, logger?: Logger): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger?.warn({ file, mode: mode.toString(8) }, "master key file is readable by other users");
  }
}

function decodeKey(encoded: string, where: string): Buffer {
  const key = Buffer.from(encoded, "base64");
  if (key.length !== KEY_BYTES) {
    throw new Error(`${where} must be base64 of ${KEY_BYTES} bytes, got ${key.length} bytes`);
  }
  return key;
}
