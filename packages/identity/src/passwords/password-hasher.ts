import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/** Hashes and checks passwords and other shared secrets (application credential secrets). */
export interface PasswordHasher {
  /** Hashes a secret with a new random salt, as `scrypt$<N>$<r>$<p>$<salt>$<hash>`. */
  hash(secret: string): Promise<string>;
  /** Checks a secret against a stored hash; a null hash never matches but costs the same time. */
  verify(secret: string, stored: string | null): Promise<boolean>;
}

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

/**
 * Creates a scrypt hasher. `cost` is scrypt's N: 32768 takes about 32 MiB and, as an estimate,
 * 50-100 ms of one core per hash. Stored hashes carry their own parameters, so changing the cost
 * affects new hashes only.
 */
export function createPasswordHasher(cost: number): PasswordHasher {
  if (!Number.isInteger(Math.log2(cost))) {
    throw new Error(`scrypt cost ${cost} is not a power of two`);
  }
  const dummyHash = `scrypt$${cost}$${BLOCK_SIZE}$${PARALLELISM}$${"A".repeat(22)}$${"A".repeat(43)}`;

  return {
    async hash(secret) {
      const salt = randomBytes(SALT_BYTES);
      const key = await deriveKey(secret, salt, cost, BLOCK_SIZE, PARALLELISM);
      return [
        "scrypt",
        cost,
        BLOCK_SIZE,
        PARALLELISM,
        salt.toString("base64url"),
        key.toString("base64url"),
      ].join("$");
    },

    async verify(secret, stored) {
      const parsed = parseHash(stored ?? dummyHash) ?? parseHash(dummyHash);
      if (parsed === undefined) {
        return false;
      }
      const key = await deriveKey(
        secret,
        parsed.salt,
        parsed.cost,
        parsed.blockSize,
        parsed.parallelism,
      );
      const matches = key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
      return matches && stored !== null;
    },
  };
}

interface ParsedHash {
  cost: number;
  blockSize: number;
  parallelism: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") {
    return undefined;
  }
  const [cost, blockSize, parallelism] = parts.slice(1, 4).map((part) => Number(part));
  if (cost === undefined || blockSize === undefined || parallelism === undefined) {
    return undefined;
  }
  if (![cost, blockSize, parallelism].every((value) => Number.isInteger(value) && value > 0)) {
    return undefined;
  }
  return {
    cost,
    blockSize,
    parallelism,
    salt: Buffer.from(parts[4] ?? "", "base64url"),
    key: Buffer.from(parts[5] ?? "", "base64url"),
  };
}

function deriveKey(
  secret: string,
  salt: Buffer,
  cost: number,
  blockSize: number,
  parallelism: number,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: cost,
    r: blockSize,
    p: parallelism,
    // scrypt needs 128 * N * r bytes; node refuses anything above maxmem.
    maxmem: 256 * cost * blockSize,
  };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (error, key) => {
      if (error !== null) {
        reject(error);
      } else {
        resolve(key);
      }
    });
  });
}
