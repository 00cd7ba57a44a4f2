/**
 * Benchmark dispatcher: `bun run bench/run.ts [name …] [-- flags]` (or `npm run bench -- auth`).
 * Every `bench/<name>.ts` is a standalone script; with no name, all of them run in turn.
 * Benchmarks print figures; they are never part of `bun test`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const NOT_BENCHMARKS = new Set(["run", "ceiling-server"]);
const available = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .filter((name) => !NOT_BENCHMARKS.has(name))
  .sort();

// Names come first; everything from the first flag on is passed to each benchmark.
const args = Bun.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith("-"));
const names = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(`usage: bun run bench/run.ts [${available.join("|")} …] [--flag value …]\n`);
  process.exit(0);
}
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark: ${unknown.join(", ")}; available: ${available.join(", ")}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of names.length > 0 ? names : available) {
  process.stderr.write(`== bench/${name}.ts\n`);
  const proc = Bun.spawn([process.execPath, "run", join(import.meta.dir, `${name}.ts`), ...flags], {
    stdio: ["inherit", "inherit", "inherit"],
  });
  if ((await proc.exited) !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
