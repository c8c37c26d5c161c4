import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

function loadOrCreateKey(keyFile: string): Buffer {
  if (existsSync(keyFile)) {
    const key = Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
    if (key.length !== 32) {
      throw new Error(`credential key file ${keyFile} does not hold a base64 32-byte key`);
    }
    return key;
  }
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(keyFile, 0o600);
  return key;
}
