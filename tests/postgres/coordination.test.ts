/**
 * What instances share besides rows, on Postgres: rate-limit buckets (a burst is a burst
 * across every instance) and jobs that run on one instance at a time.
 */

import { afterAll, beforeAll, expect } from "bun:test";
import { SQL } from "bun";
import { openPostgresMetadata } from "../../src/storage/db/postgres";
import type { PostgresMetadata } from "../../src/storage/db/postgres/metadata";
import { pollUntil } from "../fixtures/binary";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
let db: TestDatabase;
let instances: PostgresMetadata[] = [];

beforeAll(async () => {
  if (!pg.url) return;
  db = await createTestDatabase(pg.url, "coordination");
  const url = db.url;
  instances = await Promise.all([0, 1, 2].map(() => openPostgresMetadata({ url, max_connections: 4 })));
});

afterAll(async () => {
  for (const m of instances) m.close();
  await db?.drop();
});

// Without a PostgreSQL every test is skipped, its name saying why.
const run = testUnless(pg.skip ?? null);
const at = (i: number) => (instances[i % instances.length] as PostgresMetadata).coordination;

run("a burst of 10 is 10 across three instances: 30 racing requests, 10 allowed", async () => {
  const rule = { burst: 10, per_minute: 0 };
  const now = Date.now();
  const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => at(i).take("ip:198.51.100.7", rule, 1, now)));
  expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
  expect(Math.min(...verdicts.map((v) => v.tokens))).toBe(0);
  // Another key has its own bucket.
  expect((await at(0).take("ip:198.51.100.8", rule, 1, now)).allowed).toBe(true);
});

run("a bucket refills with time, never above its burst", async () => {
  const rule = { burst: 2, per_minute: 60 }; // one token a second
  const t0 = 1_000_000;
  expect((await at(0).take("k-refill", rule, 1, t0)).allowed).toBe(true);
  expect((await at(1).take("k-refill", rule, 1, t0)).allowed).toBe(true);
  expect(await at(2).take("k-refill", rule, 1, t0)).toEqual({ allowed: false, tokens: 0 });
  expect(await at(0).take("k-refill", rule, 1, t0 + 1000)).toEqual({ allowed: true, tokens: 0 });
  expect(await at(1).take("k-refill", rule, 1, t0 + 3_600_000)).toEqual({ allowed: true, tokens: 1 });
  // A cost above the burst is refused, even on a fresh bucket, and takes nothing.
  expect(await at(2).take("k-big", rule, 5, t0)).toEqual({ allowed: false, tokens: 2 });
  expect(await at(0).pruneBuckets(t0 + 2000)).toBeGreaterThanOrEqual(1);
});

run("a job runs on one instance at a time; once it ends another instance may run it", async () => {
  let running = 0;
  let most = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const job = async () => {
    running++;
    most = Math.max(most, running);
    await gate;
    running--;
  };
  const first = at(0).exclusive("sweep", job);
  // Wait until the first instance holds the job, then try from the others.
  while (running === 0) await Bun.sleep(5);
  const others = await Promise.all([at(1).exclusive("sweep", job), at(2).exclusive("sweep", job)]);
  expect(others).toEqual([false, false]);
  // A different job is not held up.
  expect(await at(1).exclusive("reclaim", async () => {})).toBe(true);
  release();
  expect(await first).toBe(true);
  expect(most).toBe(1);
  expect(await at(2).exclusive("sweep", async () => {})).toBe(true);
});

run("a job that throws gives the lock back", async () => {
  await expect(
    at(0).exclusive("failing", async () => {
      throw new Error("boom");
    }),
  ).rejects.toThrow("boom");
  expect(await at(1).exclusive("failing", async () => {})).toBe(true);
});

run(
  "a role is played by one instance; when it gives the role up another takes it",
  async () => {
    const playing: number[] = [];
    const stops = [0, 1, 2].map((i) =>
      at(i).lead("schedule", () => {
        playing.push(i);
        return () => {
          playing.splice(playing.indexOf(i), 1);
        };
      }),
    );
    expect(await pollUntil(async () => playing.length === 1, 10_000)).toBe(true);
    const leader = playing[0] as number;
    // One session holds the role's lock.
    const sql = new SQL({ url: db.url, max: 1 });
    try {
      const [row] = await sql`SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      expect(row.n).toBe(1);
    } finally {
      await sql.close();
    }
    (stops[leader] as () => void)();
    // Another instance takes the role on its next try (every few seconds), never two at once.
    expect(await pollUntil(async () => playing.length === 1 && playing[0] !== leader, 15_000, 50)).toBe(true);
    for (const stop of stops) stop();
    expect(playing).toEqual([]);
  },
  30_000,
);
