import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Kysely } from "kysely";
import type { KeyManagerDatabase } from "../db/schema.js";
import { KEY_BYTES, openAesGcm, sealAesGcm } from "../secret-stores/aes-gcm.js";
import type { MasterKeyring } from "../secret-stores/master-keyring.js";
import { projectKeyContext } from "../secret-stores/software-store.js";

/** Contents of the master key file, as `loadMasterKeyring` reads it. */
interface MasterKeyFile {
  active: number;
  keys: Record<string, string>;
}

/** Outcome of a rotation: the version that is active now and the one it replaced. */
export interface RotationResult {
  previous: number;
  active: number;
}

/**
 * Adds a new random master key to the key file and makes it active. The older versions stay, so
 * every project key still unwraps; `rewrapProjectKeys` then moves project keys to the new one.
 * The file is replaced atomically (written beside it, then renamed) with mode 0600.
 */
export function rotateMasterKeyFile(file: string): RotationResult {
  const content = JSON.parse(readFileSync(file, "utf8")) as MasterKeyFile;
  const versions = Object.keys(content.keys).map(Number);
  const next = Math.max(...versions, content.active) + 1;
  const rotated: MasterKeyFile = {
    active: next,
    keys: { ...content.keys, [String(next)]: randomBytes(KEY_BYTES).toString("base64") },
  };
  const temporary = `${file}.rotating`;
  writeFileSync(temporary, `${JSON.stringify(rotated, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return { previous: content.active, active: next };
}

/** Options of a rewrap run. */
export interface RewrapOptions {
  /** Checks that every key unwraps and counts them, without writing anything. */
  dryRun?: boolean;
  /** Keys read and rewritten per query. */
  batchSize?: number;
  /** Stops between two keys when aborted; a later run continues where this one stopped. */
  signal?: AbortSignal;
  /** Called after each batch with the running totals. */
  onProgress?: (progress: RewrapResult) => void;
}

/** Totals of a rewrap run. */
export interface RewrapResult {
  /** Keys rewrapped (or, in a dry run, that would be). */
  rewrapped: number;
  /** Keys that another run rewrapped between our read and our write. */
  skipped: number;
  /** Keys still wrapped by an older master key when the run ended. */
  remaining: number;
  /** Master key versions that wrap the remaining keys, with their counts. */
  byVersion: Record<string, number>;
}

/**
 * Re-wraps every software project key that an older master key wraps under the keyring's active
 * master key. Each key is one conditional UPDATE (only if still wrapped by the version read), so
 * the run can stop at any point and run again without a key ever being unreadable. A key is
 * wrapped either by its old version or by the active one, and the key file keeps both. Payloads
 * are not re-encrypted, because the project keys themselves do not change.
 */
export async function rewrapProjectKeys(
  db: Kysely<KeyManagerDatabase>,
  keyring: MasterKeyring,
  options: RewrapOptions = {},
): Promise<RewrapResult> {
  const batchSize = options.batchSize ?? 100;
  const active = keyring.activeVersion;
  const result: RewrapResult = { rewrapped: 0, skipped: 0, remaining: 0, byVersion: {} };
  let after = "";
  for (;;) {
    const rows = await db
      .selectFrom("km_project_keys")
      .selectAll()
      .where("master_key_version", "!=", active)
      .where("id", ">", after)
      .orderBy("id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0 || aborted(options.signal)) {
      break;
    }
    for (const row of rows) {
      if (aborted(options.signal)) {
        break;
      }
      after = row.id;
      const context = projectKeyContext(row.project_id, Number(row.version));
      const plain = openAesGcm(
        keyring.key(Number(row.master_key_version)),
        Buffer.from(row.wrapped_key),
        context,
      );
      if (options.dryRun === true) {
        result.rewrapped += 1;
        continue;
      }
      const updated = await db
        .updateTable("km_project_keys")
        .set({
          wrapped_key: sealAesGcm(keyring.key(active), plain, context),
          master_key_version: active,
        })
        .where("id", "=", row.id)
        .where("master_key_version", "=", row.master_key_version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) {
        result.rewrapped += 1;
      } else {
        result.skipped += 1;
      }
    }
    options.onProgress?.({ ...result });
  }
  result.byVersion = await countByMasterVersion(db, active);
  result.remaining = Object.values(result.byVersion).reduce((sum, count) => sum + count, 0);
  return result;
}

/** Counts software project keys by the master key version that wraps them. */
export async function countByMasterVersion(
  db: Kysely<KeyManagerDatabase>,
  exceptVersion?: number,
): Promise<Record<string, number>> {
  let query = db
    .selectFrom("km_project_keys")
    .select((eb) => ["master_key_version", eb.fn.countAll<number | string>().as("total")])
    .groupBy("master_key_version");
  if (exceptVersion !== undefined) {
    query = query.where("master_key_version", "!=", exceptVersion);
  }
  const rows = await query.execute();
  return Object.fromEntries(rows.map((row) => [String(row.master_key_version), Number(row.total)]));
}

/** Reads the signal at call time, so a check inside a loop detects a later abort. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
