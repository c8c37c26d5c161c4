/**
 * Returns overrides that move every setting pointing into `from` (a plain path, or a `sqlite:`
 * URL) into `to`, as dotted keys for `loadConfig` overrides. Services compute their embedded
 * defaults (SQLite files, key files) from the data folder when their module is loaded, so a
 * stack started on another folder rewrites them.
 */
export function relocateDataSettings(
  config: unknown,
  from: string,
  to: string,
): Record<string, string> {
  const overrides: Record<string, string> = {};
  visit(config, [], (path, value) => {
    const moved = relocate(value, from, to);
    if (moved !== undefined) {
      overrides[path.join(".")] = moved;
    }
  });
  return overrides;
}

function relocate(value: string, from: string, to: string): string | undefined {
  for (const prefix of ["", "sqlite:", "sqlite://"]) {
    if (value.startsWith(`${prefix}${from}/`)) {
      return `${prefix}${to}/${value.slice(prefix.length + from.length + 1)}`;
    }
  }
  return undefined;
}

function visit(value: unknown, path: string[], onString: (path: string[], value: string) => void) {
  if (typeof value === "string") {
    onString(path, value);
    return;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    visit(child, [...path, key], onString);
  }
}
