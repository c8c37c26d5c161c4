/**
 * Reads or creates the bootstrap password file and the credential key file the way the identity
 * service does at start, at a moment given on the command line, so that several processes do it
 * at once. Prints `{"admin", "service", "sealed"}`: the passwords, and a probe text encrypted with
 * the key this process uses.
 */
import { resolveBootstrapPasswords } from "../../src/bootstrap/bootstrap-passwords.js";
import { loadCredentialCipher } from "../../src/credentials/credential-cipher.js";

const [passwordFile, keyFile, startAt] = process.argv.slice(2);
if (passwordFile === undefined || keyFile === undefined || startAt === undefined) {
  throw new Error("usage: start-files.ts <password file> <key file> <start time in ms>");
}
while (Date.now() < Number(startAt)) {
  // Busy-waits until the common start time, so that the processes create the files together.
}
const passwords = resolveBootstrapPasswords({ admin: "", service: "" }, passwordFile);
const cipher = loadCredentialCipher(keyFile);
process.stdout.write(JSON.stringify({ ...passwords, sealed: cipher.encrypt("probe") }));
