/**
 * Returns true for a unique or primary key violation on SQLite (`SQLITE_CONSTRAINT_UNIQUE`,
 * `SQLITE_CONSTRAINT_PRIMARYKEY`), PostgreSQL (SQLSTATE 23505) or MySQL (`ER_DUP_ENTRY`, 1062).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) {
    return false;
  }
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "23505" ||
    code === "ER_DUP_ENTRY" ||
    errno === 1062
  );
}

/**
 * Returns true when the database aborted a transaction because of a concurrent one, so running
 * it again can succeed: PostgreSQL serialization failures (40001) and deadlocks (40P01), MySQL
 * deadlocks (1213), and SQLite files locked by another process (`SQLITE_BUSY`).
 */
export function isTransactionConflict(error: unknown): boolean {
  if (typeof error !== "object" || error === null) {
    return false;
  }
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    code === "40001" ||
    code === "40P01" ||
    code === "ER_LOCK_DEADLOCK" ||
    errno === 1213 ||
    code === "SQLITE_BUSY"
  );
}
