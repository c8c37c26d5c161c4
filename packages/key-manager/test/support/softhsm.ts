import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** SoftHSM2's PKCS#11 module as Debian installs it (package softhsm2). */
export const SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
const SOFTHSM_UTIL = "/usr/bin/softhsm2-util";

/** A SoftHSM2 token in a temporary folder. */
export interface TestToken {
  label: string;
  pin: string;
  /** The `SOFTHSM2_CONF` file that points at the token folder. */
  configFile: string;
  remove(): void;
}

/** Returns why SoftHSM2 tests cannot run here, or false when they can. */
export function softHsmSkipReason(): string | false {
  if (!existsSync(SOFTHSM_LIBRARY) || !existsSync(SOFTHSM_UTIL)) {
    return "SoftHSM2 is not installed; install the Debian package softhsm2";
  }
  return false;
}

/**
 * Creates a token in a new folder and points `SOFTHSM2_CONF` of this process at it. SoftHSM2 reads
 * the variable when the module initialises, so call this before the first session opens.
 */
export function createTestToken(label = "km-test"): TestToken {
  const folder = mkdtempSync(join(tmpdir(), "osts-softhsm-"));
  const tokens = join(folder, "tokens");
  mkdirSync(tokens);
  const configFile = join(folder, "softhsm2.conf");
  writeFileSync(
    configFile,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const pin = "1234";
  execFileSync(
    SOFTHSM_UTIL,
    ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "987654"],
    { env: { ...process.env, SOFTHSM2_CONF: configFile }, stdio: "ignore" },
  );
  process.env.SOFTHSM2_CONF = configFile;
  return { label, pin, configFile, remove: () => rmSync(folder, { recursive: true, force: true }) };
}
