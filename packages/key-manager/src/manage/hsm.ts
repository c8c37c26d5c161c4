import type { Kysely } from "kysely";
import type { KeyManagerDatabase } from "../db/schema.js";
import { createHsmProjectKeysRepo } from "../secret-stores/hsm-project-keys-repo.js";
import type { HsmSession } from "../secret-stores/hsm-session.js";
import { signedBytes } from "../secret-stores/pkcs11-store.js";

/** Master and HMAC key lengths in bytes that `gen-mkek` and `gen-hmac` use by default. */
export const DEFAULT_HSM_KEY_BYTES = 32;

/** Creates a master key in the HSM unless one with the label exists; returns whether it did. */
export function generateMasterKey(
  session: HsmSession,
  label: string,
  lengthBytes: number,
): boolean {
  if (session.findKey(label, "aes") !== undefined) {
    return false;
  }
  session.generateMasterKey(label, lengthBytes);
  return true;
}

/** Creates an HMAC key in the HSM unless one with the label exists; returns whether it did. */
export function generateHmacKey(session: HsmSession, label: string, lengthBytes: number): boolean {
  if (session.findKey(label, "hmac") !== undefined) {
    return false;
  }
  session.generateHmacKey(label, lengthBytes);
  return true;
}

/** Totals of an HSM rewrap. */
export interface HsmRewrapResult {
  rewrapped: number;
  skipped: number;
  /** Project keys still wrapped by another master key, by its label. */
  remaining: Record<string, number>;
}

/**
 * Re-wraps every HSM project key that another master key wraps under the master key `toLabel`,
 * inside the HSM: each key is unwrapped into the session, wrapped again, signed, and written with
 * one conditional UPDATE. As with the software rewrap, the run can stop and start again at any
 * point, because each key stays wrapped by a master key that is still in the HSM.
 */
export async function rewrapHsmProjectKeys(
  db: Kysely<KeyManagerDatabase>,
  session: HsmSession,
  labels: { toLabel: string; hmacLabel: string },
  options: { dryRun?: boolean; batchSize?: number; signal?: AbortSignal } = {},
): Promise<HsmRewrapResult> {
  const repo = createHsmProjectKeysRepo(db);
  const target = requireKey(session, labels.toLabel, "aes");
  const hmacKey = requireKey(session, labels.hmacLabel, "hmac");
  const result: HsmRewrapResult = { rewrapped: 0, skipped: 0, remaining: {} };
  const seen = new Set<string>();
  for (;;) {
    const rows = (await repo.wrappedByOther(labels.toLabel, options.batchSize ?? 100)).filter(
      (row) => !seen.has(row.id),
    );
    if (rows.length === 0 || options.signal?.aborted === true) {
      break;
    }
    for (const row of rows) {
      seen.add(row.id);
      const source = requireKey(session, row.mkek_label, "aes");
      const key = session.unwrapProjectKey(source, row.wrapped_key);
      try {
        if (options.dryRun === true) {
          result.rewrapped += 1;
          continue;
        }
        const wrappedKey = session.wrap(target, key);
        const hmac = session.sign(
          hmacKey,
          signedBytes({ ...row, mkek_label: labels.toLabel, wrapped_key: wrappedKey }),
        );
        const done = await repo.rewrap(row.id, row.mkek_label, {
          mkekLabel: labels.toLabel,
          wrappedKey,
          hmac,
        });
        result[done ? "rewrapped" : "skipped"] += 1;
      } finally {
        session.destroy(key);
      }
    }
  }
  const counts = await repo.countByMasterKey();
  delete counts[labels.toLabel];
  result.remaining = counts;
  return result;
}

function requireKey(session: HsmSession, label: string, type: "aes" | "hmac") {
  const key = session.findKey(label, type);
  if (key === undefined) {
    throw new Error(`the HSM has no ${type === "aes" ? "master" : "HMAC"} key labelled "${label}"`);
  }
  return key;
}
