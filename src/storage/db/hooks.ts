import type { Database, Statement } from "bun:sqlite";
import type { Scope } from "./files";

export interface HookRow {
  id: string;
  account_id: number;
  space: string;
  url: string;
  prefix: string;
  /** Space-separated action names; null = every action. */
  actions: string | null;
  /** The signing secret, sealed (lib/sealed.ts). */
  secret: string;
  queued_tx: number;
  created_at: number;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface DeliveryRow {
  id: string;
  hook_id: string;
  tx: number;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export type NewDelivery = Pick<DeliveryRow, "id" | "hook_id" | "tx" | "payload" | "created_at">;

/** What one attempt came to: delivered, to be retried at `nextAttemptAt`, or given up. */
export interface AttemptResult {
  status: DeliveryStatus;
  nextAttemptAt: number;
  httpStatus: number | null;
  error: string | null;
  at: number;
}

/** Repository for webhooks (`hooks`) and their durable delivery queue (`hook_deliveries`). */
export class HookRepository {
  readonly #insert: Statement;
  readonly #forSpace: Statement<HookRow, [number, string]>;
  readonly #get: Statement<HookRow, [string, number, string]>;
  readonly #byId: Statement<HookRow, [string]>;
  readonly #all: Statement<HookRow, []>;
  readonly #delete: Statement;
  readonly #insertDelivery: Statement;
  readonly #advance: Statement;
  readonly #heads: Statement<DeliveryRow, []>;
  readonly #record: Statement;
  readonly #deliveries: Statement<DeliveryRow, [string, number]>;
  readonly #prune: Statement;

  constructor(private readonly db: Database) {
    this.#insert = db.query(
      `INSERT INTO hooks (id, account_id, space, url, prefix, actions, secret, queued_tx, created_at)
       VALUES ($id, $account_id, $space, $url, $prefix, $actions, $secret, $queued_tx, $created_at)`,
    );
    this.#forSpace = db.query("SELECT * FROM hooks WHERE account_id = ?1 AND space = ?2 ORDER BY created_at, id");
    this.#get = db.query("SELECT * FROM hooks WHERE id = ?1 AND account_id = ?2 AND space = ?3");
    this.#byId = db.query("SELECT * FROM hooks WHERE id = ?1");
    this.#all = db.query("SELECT * FROM hooks");
    this.#delete = db.query("DELETE FROM hooks WHERE id = ?1");
    this.#insertDelivery = db.query(
      `INSERT OR IGNORE INTO hook_deliveries (id, hook_id, tx, payload, status, next_attempt_at, created_at)
       VALUES ($id, $hook_id, $tx, $payload, 'pending', $created_at, $created_at)`,
    );
    this.#advance = db.query("UPDATE hooks SET queued_tx = ?2 WHERE id = ?1 AND queued_tx < ?2");
    // The head of each hook's queue: its oldest pending delivery (deliveries go out in tx order).
    this.#heads = db.query(
      `SELECT d.* FROM hook_deliveries d
       JOIN (SELECT hook_id, MIN(tx) AS tx FROM hook_deliveries WHERE status = 'pending' GROUP BY hook_id) h
         ON d.hook_id = h.hook_id AND d.tx = h.tx`,
    );
    this.#record = db.query(
      `UPDATE hook_deliveries SET status = $status, attempts = attempts + 1, next_attempt_at = $next,
         last_status = $http, last_error = $error,
         delivered_at = CASE WHEN $status = 'delivered' THEN $at ELSE delivered_at END
       WHERE id = $id`,
    );
    this.#deliveries = db.query("SELECT * FROM hook_deliveries WHERE hook_id = ?1 ORDER BY tx DESC LIMIT ?2");
    this.#prune = db.query("DELETE FROM hook_deliveries WHERE status <> 'pending' AND created_at < ?1");
  }

  insert(row: HookRow): void {
    this.#insert.run({ ...row });
  }

  forSpace(scope: Scope): HookRow[] {
    return this.#forSpace.all(scope.account, scope.space);
  }

  get(scope: Scope, id: string): HookRow | null {
    return this.#get.get(id, scope.account, scope.space);
  }

  byId(id: string): HookRow | null {
    return this.#byId.get(id);
  }

  all(): HookRow[] {
    return this.#all.all();
  }

  /** Deletes a hook and, with it, its queue. */
  delete(id: string): void {
    this.#delete.run(id);
  }

  /** Queues deliveries and moves the hook's cursor to `upToTx`, in one transaction. */
  enqueue(hookId: string, deliveries: NewDelivery[], upToTx: number): void {
    this.db
      .transaction(() => {
        for (const d of deliveries) this.#insertDelivery.run({ ...d });
        this.#advance.run(hookId, upToTx);
      })
      .immediate();
  }

  /** Each hook's oldest pending delivery. */
  queueHeads(): DeliveryRow[] {
    return this.#heads.all();
  }

  recordAttempt(id: string, result: AttemptResult): void {
    this.#record.run({
      id,
      status: result.status,
      next: result.nextAttemptAt,
      http: result.httpStatus,
      error: result.error,
      at: result.at,
    });
  }

  /** A hook's deliveries, newest first. */
  deliveries(hookId: string, limit: number): DeliveryRow[] {
    return this.#deliveries.all(hookId, limit);
  }

  /** Forgets finished deliveries created before `before`; pending ones are never pruned. */
  pruneFinished(before: number): number {
    return this.#prune.run(before).changes;
  }
}
