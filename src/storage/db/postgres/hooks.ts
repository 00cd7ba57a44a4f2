import type { Scope } from "../files";
import type { AttemptResult, DeliveryRow, HookRow, NewDelivery } from "../hooks";
import type { HookRepository } from "../repositories";
import { all, one, type Queryable } from "./rows";

const HOOK_INTS = ["account_id", "queued_tx", "created_at"] as const;
const DELIVERY_INTS = ["tx", "attempts", "next_attempt_at", "last_status", "created_at", "delivered_at"] as const;

/**
 * Webhooks and their durable delivery queue on Postgres. `queueHeads` takes each hook's
 * head with FOR UPDATE SKIP LOCKED: inside a unit of work, instances draining the queue at
 * once each get different hooks, and a delivery goes out from one instance only.
 */
export class PostgresHookRepository implements HookRepository {
  constructor(private readonly sql: Queryable) {}

  async insert(row: HookRow): Promise<void> {
    await this.sql`INSERT INTO hooks (id, account_id, space, url, prefix, actions, secret, queued_tx, created_at)
      VALUES (${row.id}, ${row.account_id}, ${row.space}, ${row.url}, ${row.prefix}, ${row.actions}, ${row.secret},
        ${row.queued_tx}, ${row.created_at})`;
  }

  async forSpace(scope: Scope): Promise<HookRow[]> {
    return all(
      await this
        .sql`SELECT * FROM hooks WHERE account_id = ${scope.account} AND space = ${scope.space} ORDER BY created_at, id`,
      HOOK_INTS,
    );
  }

  async get(scope: Scope, id: string): Promise<HookRow | null> {
    return one(
      await this.sql`SELECT * FROM hooks WHERE id = ${id} AND account_id = ${scope.account} AND space = ${scope.space}`,
      HOOK_INTS,
    );
  }

  async byId(id: string): Promise<HookRow | null> {
    return one(await this.sql`SELECT * FROM hooks WHERE id = ${id}`, HOOK_INTS);
  }

  async all(): Promise<HookRow[]> {
    return all(await this.sql`SELECT * FROM hooks`, HOOK_INTS);
  }

  async delete(id: string): Promise<void> {
    await this.sql`DELETE FROM hooks WHERE id = ${id}`;
  }

  async enqueue(hookId: string, deliveries: NewDelivery[], upToTx: number): Promise<void> {
    for (const d of deliveries) {
      await this.sql`INSERT INTO hook_deliveries (id, hook_id, tx, payload, status, next_attempt_at, created_at)
        VALUES (${d.id}, ${d.hook_id}, ${d.tx}, ${d.payload}, 'pending', ${d.created_at}, ${d.created_at})
        ON CONFLICT DO NOTHING`;
    }
    await this.sql`UPDATE hooks SET queued_tx = ${upToTx} WHERE id = ${hookId} AND queued_tx < ${upToTx}`;
  }

  async queueHeads(): Promise<DeliveryRow[]> {
    return all(
      await this.sql`SELECT d.* FROM hook_deliveries d
        WHERE d.status = 'pending'
          AND d.tx = (SELECT min(tx) FROM hook_deliveries p WHERE p.hook_id = d.hook_id AND p.status = 'pending')
        FOR UPDATE SKIP LOCKED`,
      DELIVERY_INTS,
    );
  }

  async recordAttempt(id: string, result: AttemptResult): Promise<void> {
    await this.sql`UPDATE hook_deliveries SET status = ${result.status}, attempts = attempts + 1,
        next_attempt_at = ${result.nextAttemptAt}, last_status = ${result.httpStatus}, last_error = ${result.error},
        delivered_at = CASE WHEN ${result.status} = 'delivered' THEN ${result.at}::bigint ELSE delivered_at END
      WHERE id = ${id}`;
  }

  async deliveries(hookId: string, limit: number): Promise<DeliveryRow[]> {
    return all(
      await this.sql`SELECT * FROM hook_deliveries WHERE hook_id = ${hookId} ORDER BY tx DESC LIMIT ${limit}`,
      DELIVERY_INTS,
    );
  }

  async pruneFinished(before: number): Promise<number> {
    return (
      await this.sql`DELETE FROM hook_deliveries WHERE status <> 'pending' AND created_at < ${before} RETURNING id`
    ).length;
  }
}
