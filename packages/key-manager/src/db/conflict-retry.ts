/**
 * Returns true for a unique or primary key violation on SQLite (`SQLITE_CONSTRAINT_UNIQUE`,
 * `SQLITE_CONSTRAINT_PRIMARYKEY`), PostgreSQL (SQLSTATE 23505) or MySQL (`ER_DUP_ENTRY`, 1062).
 */
export function isUniqueViolation(error: unknown): boolean {
  const { code, errno } = errorFields(error);
  return (
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "23505" ||
    code === "ER_DUP_ENTRY" ||
    errno === 1062
  );
}

/**
 * Returns true when the database aborted a statement because of a concurrent transaction:
 * PostgreSQL serialization failures (40001) and deadlocks (40P01), MySQL deadlocks (1213) and
 * SQLite files locked by another process (`SQLITE_BUSY`).
 */
export function isTransactionConflict(error: unknown): boolean {
  const { code, errno } = errorFields(error);
  return (
    code === "40001" ||
    code === "40P01" ||
    code === "ER_LOCK_DEADLOCK" ||
    errno === 1213 ||
    code === "SQLITE_BUSY"
  );
}

/**
 * Returns true for a foreign key violation on SQLite (`SQLITE_CONSTRAINT_FOREIGNKEY`), PostgreSQL
 * (SQLSTATE 23503) or MySQL (`ER_NO_REFERENCED_ROW_2`, 1452).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const { code, errno } = errorFields(error);
  return (
    code === "SQLITE_CONSTRAINT_FOREIGNKEY" ||
    code === "23503" ||
    code === "ER_NO_REFERENCED_ROW_2" ||
    errno === 1452
  );
}

/** Attempts of `retryOnConflict`, the first one included. */
const MAX_ATTEMPTS = 6;

/**
 * Runs a transaction again when a concurrent one made it fail with a unique or foreign key
 * violation or a transaction conflict, up to 6 attempts in all. The transaction must be safe to
 * repeat and read what it refers to again: a replace-all or an update-or-insert, whose next
 * attempt reads what the other one committed.
 */
export async function retryOnConflict<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const retryable =
        isUniqueViolation(error) || isForeignKeyViolation(error) || isTransactionConflict(error);
      if (!retryable || attempt >= MAX_ATTEMPTS) {
        throw error;
      }
    }
  }
}

function errorFields(error: unknown): { code?: unknown; errno?: unknown } {
  if (typeof error !== "object" || error === null) {
    return {};
  }
  return error as { code?: unknown; errno?: unknown };
}
