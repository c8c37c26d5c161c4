// CPU time used by a server's processes, read from /proc, so the benchmark can report CPU
// milliseconds per request, a figure that other load on the machine changes far less than
// requests per second.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Returns the fields of /proc/<pid>/stat after the command name, or undefined if it is gone. */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Returns `pid` and all its descendants that are running now. */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (/^\d+$/.test(entry)) {
      const fields = statFields(entry);
      if (fields !== undefined) {
        parents.set(Number(entry), Number(fields[1]));
      }
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index += 1) {
    for (const [child, parent] of parents) {
      if (parent === tree[index]) {
        tree.push(child);
      }
    }
  }
  return tree;
}

/** Returns the user plus system CPU seconds used so far by the processes. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields !== undefined) {
      // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted from the state field here.
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  }
  return ticks / TICKS_PER_SECOND;
}
