import type { Scope } from "../files";
import type { AttemptResult, DeliveryClaim, DeliveryRow, HookRow, NewDelivery } from "../hooks";
import type { HookRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/**
 * Webhooks and their durable delivery queue on Postgres, shared by every instance: each
 * claims due deliveries with FOR UPDATE SKIP LOCKED and a lease (`claimDue`), so every
 * instance sends, a delivery goes out from one instance at a time, and one claimed by an
 * instance that died is claimed again once its lease runs out.
 */
export class PostgresHookRepository extends PostgresRepository implements HookRepository {
  async insert(row: HookRow): Promise<void> {
    await this.sql`INSERT INTO hooks (id, account_id, space, url, prefix, actions, secret, queued_tx, created_at,
        credential_id, grant_id)
      VALUES (${row.id}, ${row.account_id}, ${row.space}, ${row.url}, ${row.prefix}, ${row.actions}, ${row.secret},
        ${row.queued_tx}, ${row.created_at}, ${row.credential_id}, ${row.grant_id})`;
  }

  async forSpace(scope: Scope): Promise<HookRow[]> {
    return this
      .sql`SELECT * FROM hooks WHERE account_id = ${scope.account} AND space = ${scope.space} ORDER BY created_at, id`;
  }

  async get(scope: Scope, id: string): Promise<HookRow | null> {
    return one(
      await this.sql`SELECT * FROM hooks WHERE id = ${id} AND account_id = ${scope.account} AND space = ${scope.space}`,
    );
  }

  async byId(id: string): Promise<HookRow | null> {
    return one(await this.sql`SELECT * FROM hooks WHERE id = ${id}`);
  }

  async all(): Promise<HookRow[]> {
    return this.sql`SELECT * FROM hooks`;
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

  /**
   * One statement: the due heads are locked FOR UPDATE SKIP LOCKED (instances claiming at once
   * each get different ones) and leased at once, so the claim holds after the statement ends
   * while the request goes out. A leased head is not due, so a hook busy on this instance is
   * skipped here without `busy`; its later deliveries wait behind the head (tx order).
   */
  async claimDue(claim: DeliveryClaim): Promise<DeliveryRow[]> {
    return this.sql`UPDATE hook_deliveries SET next_attempt_at = ${claim.leaseUntil}
      WHERE id IN (
        SELECT d.id FROM hook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= ${claim.now}
          AND d.tx = (SELECT min(tx) FROM hook_deliveries p WHERE p.hook_id = d.hook_id AND p.status = 'pending')
        ORDER BY d.next_attempt_at
        LIMIT ${claim.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`;
  }

  async recordAttempt(id: string, claimedUntil: number, result: AttemptResult): Promise<boolean> {
    const updated = await this.sql`UPDATE hook_deliveries SET status = ${result.status}, attempts = attempts + 1,
        next_attempt_at = ${result.nextAttemptAt}, last_status = ${result.httpStatus}, last_error = ${result.error},
        delivered_at = CASE WHEN ${result.status} = 'delivered' THEN ${result.at}::bigint ELSE delivered_at END
      WHERE id = ${id} AND status = 'pending' AND next_attempt_at = ${claimedUntil}
      RETURNING id`;
    return updated.length > 0;
  }

  async deliveries(hookId: string, limit: number): Promise<DeliveryRow[]> {
    return this.sql`SELECT * FROM hook_deliveries WHERE hook_id = ${hookId} ORDER BY tx DESC LIMIT ${limit}`;
  }

  async pruneFinished(before: number): Promise<number> {
    return (
      await this.sql`DELETE FROM hook_deliveries WHERE status <> 'pending' AND created_at < ${before} RETURNING id`
    ).length;
  }
}
