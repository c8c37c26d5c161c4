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
