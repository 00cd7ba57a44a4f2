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
  /**
   * The API key or token whose end ends the hook (revoked, expired, swept: the row cascades);
   * null when it was made by the master token, a person's own session or an OAuth app.
   */
  credential_id: string | null;
  /** The app authorization (OAuth grant) whose end ends the hook; null unless an app made it. */
  grant_id: string | null;
}

/** What a hook lives as long as (both null: the account itself). See CredentialVerifier.creatorOf. */
export type HookCreator = Pick<HookRow, "credential_id" | "grant_id">;

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

/** What `claimDue` takes: see HookRepository. */
export interface DeliveryClaim {
  now: number;
  leaseUntil: number;
  limit: number;
  /** Hooks with a delivery in flight on this instance. */
  busy: ReadonlySet<string>;
}
