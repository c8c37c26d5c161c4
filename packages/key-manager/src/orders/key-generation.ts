import { generateKeyPair, randomBytes } from "node:crypto";
import type { GenerationSpec } from "./orders-types.js";

/** `generateKeyPair` with encodings set, so both keys come back as strings or buffers. */
type EncodedKeyPairGenerator = (
  type: "rsa" | "dsa",
  options: Record<string, unknown>,
  callback: (error: Error | null, publicKey: string | Buffer, privateKey: string | Buffer) => void,
) => void;

/** Symmetric algorithms a key order may ask for, as upstream's software crypto lists them. */
export const SYMMETRIC_ALGORITHMS = [
  "aes",
  "des",
  "3des",
  "hmacsha1",
  "hmacsha256",
  "hmacsha384",
  "hmacsha512",
];

/** Key lengths in bits of generated symmetric keys (doubled in XTS mode). */
export const SYMMETRIC_KEY_LENGTHS = [64, 128, 192, 256];

/** Modulus lengths in bits of generated RSA and DSA keys. */
export const ASYMMETRIC_KEY_LENGTHS = [1024, 2048, 3072, 4096];

/** Raised when no generator supports the order's algorithm and length; the order gets 400. */
export class UnsupportedGenerationError extends Error {
  readonly statusCode = 400;
}

/** A generated key pair in the encodings upstream's software crypto returns. */
export interface GeneratedKeyPair {
  algorithm: "rsa" | "dsa";
  /** PKCS#8, encrypted with the passphrase when one is given: PEM for RSA, DER for DSA. */
  privateKey: Buffer;
  /** SubjectPublicKeyInfo: PEM for RSA, DER for DSA. */
  publicKey: Buffer;
}

/** Message of upstream's error when no crypto plugin supports a generation request. */
const NO_PLUGIN = "No plugin was found that could support your request";

/**
 * Generates a random symmetric key. The algorithm must be one of `SYMMETRIC_ALGORITHMS`, and the
 * bit length (halved in XTS mode, whose key contains two keys) one of `SYMMETRIC_KEY_LENGTHS`.
 */
export function generateSymmetricKey(spec: GenerationSpec): Buffer {
  const factor = spec.mode?.toLowerCase() === "xts" ? 2 : 1;
  const supported =
    SYMMETRIC_ALGORITHMS.includes(spec.algorithm.toLowerCase()) &&
    SYMMETRIC_KEY_LENGTHS.includes(spec.bitLength / factor);
  if (!supported) {
    throw new UnsupportedGenerationError(NO_PLUGIN);
  }
  return randomBytes(spec.bitLength / 8);
}

/**
 * Generates an RSA or DSA key pair on libuv's thread pool, so the event loop keeps serving
 * requests. RSA keys are PEM, DSA keys DER, as upstream returns them.
 */
export async function generateAsymmetricKeyPair(spec: GenerationSpec): Promise<GeneratedKeyPair> {
  const algorithm = spec.algorithm.toLowerCase();
  if (
    (algorithm !== "rsa" && algorithm !== "dsa") ||
    !ASYMMETRIC_KEY_LENGTHS.includes(spec.bitLength)
  ) {
    throw new UnsupportedGenerationError(NO_PLUGIN);
  }
  const format = algorithm === "rsa" ? "pem" : "der";
  const encryption =
    spec.passphrase === null || spec.passphrase === ""
      ? {}
      : { cipher: "aes-256-cbc", passphrase: spec.passphrase };
  const options = {
    modulusLength: spec.bitLength,
    publicKeyEncoding: { type: "spki", format },
    privateKeyEncoding: { type: "pkcs8", format, ...encryption },
  };
  const { publicKey, privateKey } = await new Promise<{
    publicKey: string | Buffer;
    privateKey: string | Buffer;
  }>((resolve, reject) => {
    (generateKeyPair as unknown as EncodedKeyPairGenerator)(
      algorithm,
      options,
      (error, publicKey, privateKey) => {
        if (error !== null) {
          reject(error);
        } else {
          resolve({ publicKey, privateKey });
        }
      },
    );
  });
  return {
    algorithm,
    privateKey: Buffer.from(privateKey),
    publicKey: Buffer.from(publicKey),
  };
}
