#!/usr/bin/env node
// Runs one benchmark from bench/ after building the packages the launcher serves.
//
//   npm run bench                                    bench/key-manager.js: SQLite, MariaDB, upstream
//   npm run bench -- key-manager --duration 30 --targets sqlite
//   npm run bench -- rca                             any other bench/<name>.js, with its options
//
// The key manager benchmark starts upstream Barbican 15 from Debian's packages with
// bench/upstream-barbican.sh, which needs root because it installs missing packages. When
// OSTS_BENCH_UPSTREAM_URL is set, it uses that server instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const name = args[0] !== undefined && !args[0].startsWith("-") ? args.shift() : "key-manager";
const script = `${root}bench/${name}.js`;
if (!existsSync(script)) {
  console.error(`no benchmark bench/${name}.js; see the files in bench/`);
  process.exit(2);
}

const build = spawnSync(
  process.execPath,
  [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/cli"],
  {
    cwd: root,
    stdio: "inherit",
  },
);
if (build.status !== 0) {
  process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
