/**
 * Bun's Postgres client under load, with the options lightd runs it with: two pools (two
 * instances) share a database, and 32 workers run a mix of queries for a minute — point
 * and range reads, one statement text with parameters of changing types, transactions
 * beside pooled queries, statements that fail and then succeed, transactions rolled back.
 * Every row a query returns must carry the marks of the query that asked for it: the
 * prepared-statement cache once handed rows to the wrong query, and a failed statement once
 * poisoned the cache. A pool that stalls never finishes and fails on the test's timeout.
 * LIGHTD_PG_STRESS_SECONDS shortens or lengthens the run (default 60).
 */

import { afterAll, beforeAll, expect } from "bun:test";
import type { SQL } from "bun";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const SECONDS = Number(process.env.LIGHTD_PG_STRESS_SECONDS ?? 60);
const WORKERS = 32;
const ROWS = 2000;

const pg = await ensurePostgres();
let db: TestDatabase;
let pools: SQL[] = [];

beforeAll(async () => {
  if (!pg.url) return;
  db = await createTestDatabase(pg.url, "stress");
  pools = [0, 1].map(() => openPostgres({ url: db.url, max_connections: 8 }));
  const [sql] = pools as [SQL];
  await sql`CREATE TABLE items (id integer PRIMARY KEY, owner integer NOT NULL, tag text NOT NULL, n bigint NOT NULL DEFAULT 0)`;
  await sql`INSERT INTO items (id, owner, tag) SELECT g, g % ${WORKERS}, 'item-' || g FROM generate_series(1, ${ROWS}) g`;
  await sql`CREATE TABLE marks (worker integer NOT NULL, i integer NOT NULL, PRIMARY KEY (worker, i))`;
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close({ timeout: 5 })));
  await db?.drop();
});

interface Tally {
  ops: number;
  wrong: string[];
}

/** One op of the mix; pushes a description of every row that is not the answer to its own query. */
async function step(sql: SQL, w: number, i: number, tally: Tally): Promise<void> {
  const id = 1 + ((w * 7919 + i * 104_729) % ROWS);
  const wrong = (what: string, got: unknown) => tally.wrong.push(`worker ${w} op ${i} ${what}: ${JSON.stringify(got)}`);
  switch (i % 8) {
    case 0: {
      const rows = await sql`SELECT id, tag, ${w}::int AS w, ${i}::int AS i FROM items WHERE id = ${id}`;
      const r = rows[0];
      if (rows.length !== 1 || r.id !== id || r.tag !== `item-${id}` || r.w !== w || r.i !== i) wrong("point", rows);
      break;
    }
    case 1: {
      // One statement text, parameters of changing types: a cache keyed on text alone mixes them up.
      const value = i % 3 === 0 ? i : i % 3 === 1 ? `s${w}-${i}` : null;
      const rows = await sql`SELECT ${value} AS v, ${w}::int AS w`;
      const got = rows[0];
      const same = value === null ? got.v === null : String(got.v) === String(value);
      if (rows.length !== 1 || !same || got.w !== w) wrong("typed", rows);
      break;
    }
    case 2: {
      await sql.begin(async (tx) => {
        const rows = await tx`SELECT id, owner FROM items WHERE id = ${id} FOR UPDATE`;
        if (rows.length !== 1 || rows[0].id !== id) wrong("locked", rows);
        await tx`UPDATE items SET n = n + 1 WHERE id = ${id}`;
        await tx`INSERT INTO marks (worker, i) VALUES (${w}, ${i})`;
      });
      break;
    }
    case 3: {
      // A statement that fails on the server, then the same shape that succeeds.
      const failed = await sql`SELECT ${w}::int / ${0}::int AS x`.then(
        () => false,
        () => true,
      );
      if (!failed) wrong("division by zero succeeded", null);
      const rows = await sql`SELECT ${w}::int / ${1}::int AS x, ${i}::int AS i`;
      if (rows[0]?.x !== w || rows[0]?.i !== i) wrong("after error", rows);
      break;
    }
    case 4: {
      const rows = await sql`SELECT id FROM items WHERE id >= ${id} AND id < ${id + 5} ORDER BY id`;
      const expected = Array.from({ length: Math.min(5, ROWS + 1 - id) }, (_, k) => id + k);
      if (JSON.stringify(rows.map((r: { id: number }) => r.id)) !== JSON.stringify(expected)) wrong("range", rows);
      break;
    }
    case 5: {
      // A unit of work that throws is rolled back: its mark never appears.
      const thrown = await sql
        .begin(async (tx) => {
          await tx`INSERT INTO marks (worker, i) VALUES (${w}, ${-i})`;
          throw new Error("roll back");
        })
        .then(
          () => false,
          () => true,
        );
      const rows = await sql`SELECT count(*)::int AS n FROM marks WHERE worker = ${w} AND i = ${-i}`;
      if (!thrown || rows[0]?.n !== 0) wrong("rollback", rows);
      break;
    }
    case 6: {
      const rows = await sql`SELECT id, owner FROM items WHERE owner = ${w} ORDER BY id LIMIT 20`;
      if (rows.length === 0 || rows.some((r: { id: number; owner: number }) => r.owner !== w || r.id % WORKERS !== w))
        wrong("owned", rows);
      break;
    }
    default: {
      // A unique violation inside a transaction, then a good insert on the same connection.
      const dup = await sql
        .begin((tx) => tx`INSERT INTO marks (worker, i) VALUES (${w}, ${i - 5})`)
        .then(
          () => false,
          () => true,
        );
      const mine = await sql`SELECT worker, i FROM marks WHERE worker = ${w} AND i = ${i - 5}`;
      if (!dup || mine.length !== 1 || mine[0].worker !== w) wrong("unique", { dup, mine });
    }
  }
  tally.ops++;
}

testUnless(pg.skip ?? null)(
  `${WORKERS} workers on two pools for ${SECONDS} s: every row belongs to the query that asked for it`,
  async () => {
    const until = Date.now() + SECONDS * 1000;
    const tallies = Array.from({ length: WORKERS }, () => ({ ops: 0, wrong: [] as string[] }));
    await Promise.all(
      tallies.map(async (tally, w) => {
        const sql = pools[w % pools.length] as SQL;
        for (let i = 0; Date.now() < until; i++) await step(sql, w, i, tally);
      }),
    );
    const wrong = tallies.flatMap((t) => t.wrong);
    expect(wrong.slice(0, 10)).toEqual([]);
    // Every worker got through the whole mix at least once: no pool starved a worker.
    expect(tallies.every((t) => t.ops >= 8)).toBe(true);
    // The committed transactions add up: each locked update is there exactly once.
    const [sql] = pools as [SQL];
    const [{ n }] = await sql`SELECT sum(n)::int AS n FROM items`;
    const [{ marks }] = await sql`SELECT count(*)::int AS marks FROM marks WHERE i >= 0`;
    expect(n).toBe(marks);
    console.log(`client stress: ${tallies.reduce((s, t) => s + t.ops, 0)} operations in ${SECONDS} s`);
  },
  (SECONDS + 60) * 1000,
);
