#!/usr/bin/env node
// Runs the test suites with node:test, straight from the TypeScript sources (through tsx).
//
//   npm test                          every suite on SQLite
//   npm test -- --all-databases       storage suites on SQLite, PostgreSQL and MariaDB
//   npm test -- packages/network      only the suites under a folder or file
//
// Suites that need root, a Docker engine or real OpenStack clients skip themselves, with the
// reason, when those are missing. OSTS_TEST_SLOW=1 also runs the slow conformance suites.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const env = { ...process.env };

const paths = [];
for (const arg of args) {
  if (arg === "--all-databases") {
    env.OSTS_TEST_DATABASES = "sqlite,postgres,mysql";
  } else if (arg === "--slow") {
    env.OSTS_TEST_SLOW = "1";
  } else if (arg.startsWith("--")) {
    console.error(`unknown option ${arg}; see the header of scripts/test.js`);
    process.exit(2);
  } else {
    paths.push(arg);
  }
}

const files = (paths.length > 0 ? paths : [join(root, "packages")]).flatMap((path) =>
  findTests(path),
);
if (files.length === 0) {
  console.error(`no test files under ${paths.join(", ")}`);
  process.exit(2);
}

const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--conditions=source",
    "--test",
    "--test-concurrency=2",
    "--test-reporter=spec",
    ...files.map((file) => relative(root, file)),
  ],
  { cwd: root, env, stdio: "inherit" },
);
process.exit(result.status ?? 1);

function findTests(path) {
  if (!existsSync(path)) {
    console.error(`${path} does not exist`);
    process.exit(2);
  }
  if (statSync(path).isFile()) {
    return [path];
  }
  const found = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") {
      continue;
    }
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      found.push(...findTests(full));
    } else if (entry.name.endsWith(".test.ts")) {
      found.push(full);
    }
  }
  return found.sort();
}
