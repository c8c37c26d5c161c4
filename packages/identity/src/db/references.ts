import type { Kysely, Transaction } from "kysely";
import { identityError } from "../errors.js";
import type { IdentitySchema } from "./schema.js";
import { isTransactionConflict } from "./sql-errors.js";

/** Attempts of a serializable transaction that concurrent ones keep aborting. */
const MAX_ATTEMPTS = 6;

/**
 * Runs `work` in a serializable transaction and runs it again when the database aborts it for a
 * conflict with a concurrent transaction. Writes that check the rows they refer to run this way,
 * and so do deletes that remove a row with what refers to it. A grant racing with the deletion of
 * its user thus either sees the user gone or is deleted with it. SQLite ignores the isolation
 * level, but it runs one transaction at a time on the connection.
 */
export async function serializable<T>(
  db: Kysely<IdentitySchema>,
  work: (trx: Transaction<IdentitySchema>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel("serializable").execute(work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isTransactionConflict(error)) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 20));
    }
  }
}

/** A row a write refers to, by kind and id. */
export interface Reference {
  kind: "user" | "group" | "project" | "domain" | "role";
  id: string;
}

const TABLES = {
  user: "identity_users",
  group: "identity_groups",
  project: "identity_projects",
  domain: "identity_domains",
  role: "identity_roles",
} as const;

/** Returns the first reference whose row does not exist, read in the caller's transaction. */
export async function firstMissing(
  trx: Transaction<IdentitySchema>,
  references: Reference[],
): Promise<Reference | undefined> {
  for (const reference of references) {
    const row = await trx
      .selectFrom(TABLES[reference.kind])
      .select("id")
      .where("id", "=", reference.id)
      .executeTakeFirst();
    if (row === undefined) {
      return reference;
    }
  }
  return undefined;
}

/** Creates the 404 of a reference that disappeared while a write that needs it was running. */
export function missingReferenceError(reference: Reference) {
  const code = {
    user: "USER_NOT_FOUND",
    group: "GROUP_NOT_FOUND",
    project: "PROJECT_NOT_FOUND",
    domain: "DOMAIN_NOT_FOUND",
    role: "ROLE_NOT_FOUND",
  } as const;
  return identityError(code[reference.kind], { id: reference.id });
}

/**
 * Runs a write in a serializable transaction after checking that every row it refers to still
 * exists. Throws the 404 of the first one that does not.
 */
export async function writeWithReferences<T>(
  db: Kysely<IdentitySchema>,
  references: Reference[],
  write: (trx: Transaction<IdentitySchema>) => Promise<T>,
): Promise<T> {
  return serializable(db, async (trx) => {
    const missing = await firstMissing(trx, references);
    if (missing !== undefined) {
      throw missingReferenceError(missing);
    }
    return write(trx);
  });
}
