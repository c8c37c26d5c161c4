import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Encrypts credential secrets at rest with AES-256-GCM. */
export interface CredentialCipher {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Loads the 32-byte key from `keyFile` (base64), creating the file with a new random key and
 * mode 0600 when it does not exist. Stored values read `v1:<base64 of iv, tag, ciphertext>`.
 * Losing the key file makes the stored EC2 secrets unreadable.
 */
export function loadCredentialCipher(keyFile: string): CredentialCipher {
  const key = loadOrCreateKey(keyFile);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const packed = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
      return `${VERSION}:${packed.toString("base64")}`;
    },

    decrypt(stored) {
      if (!stored.startsWith(`${VERSION}:`)) {
        throw new Error("stored credential secret has an unknown format");
      }
      const packed = Buffer.from(stored.slice(VERSION.length + 1), "base64");
      const iv = packed.subarray(0, IV_BYTES);
      const tag = packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAuthTag(tag);
      const ciphertext = packed.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    },
  };
}

/**
 * Reads the key, or creates it. A new key is written under a temporary name and published with
 * link(), so a process starting at the same time never reads a half-written file, and the one
 * that loses the race reads the winner's key.
 */
function loadOrCreateKey(keyFile: string): Buffer {
  for (;;) {
    const existing = readKey(keyFile);
    if (existing !== undefined) {
      return existing;
    }
    mkdirSync(dirname(keyFile), { recursive: true });
    const key = randomBytes(32);
    const temporary = `${keyFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${key.toString("base64")}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    try {
      linkSync(temporary, keyFile);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    } finally {
      rmSync(temporary, { force: true });
    }
  }
}

/** Reads a base64 32-byte key; returns undefined when the file does not exist. */
function readKey(keyFile: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(keyFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw new Error(`credential key file ${keyFile} cannot be read: ${(error as Error).message}`);
  }
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) {
    throw new Error(`credential key file ${keyFile} does not contain a base64 32-byte key`);
  }
  return key;
}
