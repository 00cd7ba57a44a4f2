import { parseArgs } from "./cli/args";

/**
 * The server keeps the memory it frees for its own reuse. Bun's allocator (mimalloc) otherwise
 * hands freed pages back to the kernel within milliseconds and takes a page fault for each one
 * it touches again; under load that churn cost 15-24 % of a small request's CPU on a virtual
 * machine. mimalloc reads its options once, when the process starts, so `serve` replaces its
 * own process image once (same PID, same arguments and streams) with MIMALLOC_PURGE_DELAY=-1
 * in the environment. The price is that the resident set stays near its peak rather than
 * shrinking after a burst. An operator's own MIMALLOC_PURGE_DELAY is left as it is.
 *
 * main.ts imports this module before anything else, so the switch happens before the rest of
 * lightd is evaluated and costs one start of the runtime, not two of lightd.
 */
const ALLOCATOR_OPTION = "MIMALLOC_PURGE_DELAY";

/** Re-executes `serve` with the allocator option set; returns when that is not needed or not possible. */
function keepFreedMemory(argv: string[], env: NodeJS.ProcessEnv): void {
  if (env[ALLOCATOR_OPTION] !== undefined || process.platform !== "linux" || typeof process.execve !== "function") {
    return;
  }
  try {
    if (parseArgs(argv).kind !== "serve") return;
  } catch {
    return; // not a server start (a client command, or a usage error main.ts reports)
  }
  // A compiled executable's own script lives under /$bunfs/ and is not an argument; `bun src/main.ts` needs its script.
  const compiled = Bun.main.startsWith("/$bunfs/");
  const args = compiled ? argv : [...process.execArgv, Bun.main, ...argv];
  try {
    process.execve(process.execPath, [process.execPath, ...args], { ...env, [ALLOCATOR_OPTION]: "-1" });
  } catch {
    // No exec (a sandbox forbids it, the executable moved): the server runs with the allocator's defaults.
  }
}

keepFreedMemory(process.argv.slice(2), process.env);
