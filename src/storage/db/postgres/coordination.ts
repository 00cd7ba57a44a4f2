import type { ReservedSQL, SQL } from "bun";
import type { BucketRule } from "../../../lib/rate-limiter";
import type { BucketState, Coordination } from "../coordination";

/**
 * Rate-limit buckets and one-at-a-time jobs on Postgres, shared by every instance.
 * - A bucket is one row of the UNLOGGED `rate_buckets` table, refilled and taken from in a
 *   single upsert: the row lock orders concurrent takes, whichever instance sends them.
 * - A job holds a session advisory lock (pg_try_advisory_lock) on a connection reserved
 *   for it; if the instance dies, the connection closes and the lock is free again.
 * - A role is the same lock held for as long as the instance plays it (on a connection the
 *   leader keeps); the others try again every few seconds on a connection of the pool, so a
 *   dead leader's role moves on within LEAD_RETRY_MS.
 */
const LEAD_RETRY_MS = 5_000;

/** The advisory lock key of a job or role (hashtext: a stable 32-bit hash of the name). */
const lockKey = (name: string) => `lightd:${name}`;

export class PostgresCoordination implements Coordination {
  constructor(private readonly sql: SQL) {}

  async take(key: string, rule: BucketRule, cost: number, now: number): Promise<BucketState> {
    const perMs = rule.per_minute / 60_000;
    const [row] = await this.sql`
      INSERT INTO rate_buckets AS b (key, tokens, allowed, updated_at)
      VALUES (${key}, ${rule.burst}::float8 - CASE WHEN ${rule.burst} >= ${cost} THEN ${cost}::float8 ELSE 0 END,
        ${rule.burst} >= ${cost}, ${now})
      ON CONFLICT (key) DO UPDATE SET
        allowed = least(${rule.burst}::float8, b.tokens + greatest(0, ${now} - b.updated_at) * ${perMs}::float8) >= ${cost},
        tokens = least(${rule.burst}::float8, b.tokens + greatest(0, ${now} - b.updated_at) * ${perMs}::float8)
          - CASE WHEN least(${rule.burst}::float8, b.tokens + greatest(0, ${now} - b.updated_at) * ${perMs}::float8) >= ${cost}
                 THEN ${cost}::float8 ELSE 0 END,
        updated_at = greatest(b.updated_at, ${now})
      RETURNING tokens, allowed`;
    return { allowed: row.allowed === true, tokens: Number(row.tokens) };
  }

  async exclusive(name: string, job: () => Promise<void>): Promise<boolean> {
    const connection = await this.sql.reserve();
    try {
      const [lock] = await connection`SELECT pg_try_advisory_lock(hashtext(${lockKey(name)})) AS ok`;
      if (lock.ok !== true) return false;
      try {
        await job();
      } finally {
        await connection`SELECT pg_advisory_unlock(hashtext(${lockKey(name)}))`;
      }
      return true;
    } finally {
      connection.release();
    }
  }

  lead(name: string, role: () => () => void): () => void {
    let stopped = false;
    let stopRole: (() => void) | undefined;
    let connection: ReservedSQL | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const attempt = async () => {
      if (stopped) return;
      try {
        connection ??= await this.sql.reserve();
        const [lock] = await connection`SELECT pg_try_advisory_lock(hashtext(${lockKey(name)})) AS ok`;
        if (lock.ok === true) {
          if (stopped) return;
          stopRole = role();
          return;
        }
        // Only the leader keeps a connection: with many instances, the others' would add up.
        connection.release();
        connection = undefined;
      } catch {
        // The server went away: try again on a fresh connection.
        connection?.release();
        connection = undefined;
      }
      if (stopped) return;
      retry = setTimeout(() => void attempt(), LEAD_RETRY_MS);
      retry.unref?.();
    };
    void attempt();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      stopRole?.();
      const held = connection;
      connection = undefined;
      if (held) {
        void held`SELECT pg_advisory_unlock(hashtext(${lockKey(name)}))`.catch(() => {}).finally(() => held.release());
      }
    };
  }

  async pruneBuckets(before: number): Promise<number> {
    return (await this.sql`DELETE FROM rate_buckets WHERE updated_at < ${before} RETURNING key`).length;
  }
}
