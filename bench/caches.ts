/**
 * The bounded in-memory maps lightd keeps per process, under churn: `LruMap` at the sizes it
 * runs at (4,096: signed and verified URLs, HTTP dates; 10,000: verified credentials) and the
 * rate limiter's buckets (100,000 client addresses or credentials) while a stream of distinct
 * keys passes through them, as a folder listing of many modification times or a flood from
 * many addresses makes. Each figure stands beside a baseline taken in the same run: a plain
 * Map's set and delete of a known key (the least any bounded map does per new key), and a
 * take from a bucket that already exists. A cost that grows with the keys seen is the defect
 * this measures.
 *
 *   bun run bench/run.ts caches [--keys 400000] [--rounds 4]
 */
import { LruMap } from "../src/lib/lru";
import { TokenBucketLimiter } from "../src/lib/rate-limiter";
import { numericFlags } from "./lib/lightd";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ keys: 400_000, rounds: 4 });

/** µs per call of `op(i)` over `count` calls. */
function perCall(count: number, op: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) op(i);
  return ((performance.now() - started) * 1000) / count;
}

/** A plain Map holding `capacity` keys, each new key set and the oldest known key deleted: the floor. */
function plainMapFloor(capacity: number, count: number): number {
  const map = new Map<number, number>();
  for (let i = 0; i < capacity; i++) map.set(i, i);
  return perCall(count, (i) => {
    map.set(capacity + i, i);
    map.delete(i);
  });
}

const rows: string[][] = [];
for (const capacity of [4_096, 10_000]) {
  const lru = new LruMap<number, number>(capacity);
  let seen = 0;
  const sets: number[] = [];
  const gets: number[] = [];
  const floors: number[] = [];
  const perRound = Math.floor(flags.keys / flags.rounds);
  for (let round = 0; round < flags.rounds; round++) {
    sets.push(perCall(perRound, () => lru.set(seen++, seen)));
    gets.push(perCall(perRound, (i) => lru.get(seen - 1 - (i % capacity))));
    floors.push(plainMapFloor(capacity, perRound));
  }
  const floor = median(floors);
  rows.push([
    `LruMap(${fmt(capacity, 0)}), set of a new key`,
    fmt(median(sets), 2),
    fmt(floor, 2),
    fmt(median(sets) / floor, 1),
  ]);
  rows.push([
    `LruMap(${fmt(capacity, 0)}), get of a kept key`,
    fmt(median(gets), 2),
    fmt(floor, 2),
    fmt(median(gets) / floor, 1),
  ]);
  rows.push([`  last round of sets, after ${fmt(seen, 0)} keys`, fmt(sets.at(-1) as number, 2), "", ""]);
}

const rule = { burst: 10, per_minute: 60 };
const limiter = new TokenBucketLimiter(() => rule);
const warm = new TokenBucketLimiter(() => rule);
let address = 0;
const takes: number[] = [];
const warmTakes: number[] = [];
const perRound = Math.floor(flags.keys / flags.rounds);
for (let round = 0; round < flags.rounds; round++) {
  takes.push(perCall(perRound, () => limiter.take(`198.51.${address++}`)));
  warmTakes.push(perCall(perRound, (i) => warm.take(`198.51.${i % 1_000}`)));
}
const warmTake = median(warmTakes);
rows.push([
  "rate limiter (100,000 buckets), take for a new address",
  fmt(median(takes), 2),
  fmt(warmTake, 2),
  fmt(median(takes) / warmTake, 1),
]);
rows.push([`  last round, after ${fmt(address, 0)} addresses`, fmt(takes.at(-1) as number, 2), "", ""]);

console.log(
  `\nBounded maps under churn, µs per call (median of ${flags.rounds} rounds of ${fmt(perRound, 0)} calls); ` +
    "baseline: a plain Map's set + delete of a known key, or a take from an existing bucket\n",
);
console.log(table(["operation", "µs", "baseline µs", "× baseline"], rows));
