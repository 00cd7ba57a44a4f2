import { redactChange } from "../../domain/access";
import { newId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import { privateAddressOf } from "../../lib/public-address";
import type { SecretBox } from "../../lib/sealed";
import { webhookHeaders } from "../../lib/webhook-signature";
import { type EventRow, eventMatches } from "../../storage/db/events";
import type { Scope } from "../../storage/db/files";
import type { AttemptResult, DeliveryRow, HookCreator, HookRow } from "../../storage/db/hooks";
import type { Metadata } from "../../storage/db/metadata";
import type { ChangeHub } from "../feed/hub";
import { logEventView } from "../files/model";
import type { LoggedEvent } from "../files/service";

/** Retry schedule: first retry after 5 s, doubling, at most 10 minutes apart, for 24 hours. */
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 10 * 60_000;
export const RETRY_FOR_MS = 24 * 60 * 60_000;
const ATTEMPT_TIMEOUT_MS = 10_000;
/**
 * How long a claimed delivery is an instance's own (Postgres): well past an attempt's
 * timeout, so a live sender records its attempt first; an instance that died without
 * recording hands the delivery to another after this.
 */
export const LEASE_MS = 60_000;
const PARALLEL_HOOKS = 8;
const TICK_MS = 1_000;
const PAGE = 500;
const KEEP_FINISHED_MS = 7 * 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

export function retryDelay(attempts: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

/**
 * The body of a delivery: Standard Webhooks' `{type, timestamp, data}` around a /files/log
 * event, redacted to the hook's prefix as the log is to a key's (redactChange).
 */
export function deliveryPayload(event: EventRow, prefix: string): string {
  return JSON.stringify({
    type: `file.${event.action}`,
    timestamp: new Date(event.ts).toISOString(),
    data: logEventView(redactChange({ prefix }, event as LoggedEvent)),
  });
}

/**
 * Sends webhooks. The queue lives in the metadata database: each hook's cursor (`queued_tx`)
 * says how far the event log has been turned into delivery rows, so a change committed just
 * before a crash is queued at the next start, and a pending delivery survives any restart.
 * Each hook's deliveries go out one at a time in tx order (a failing one holds the ones
 * behind it until it succeeds or is given up after 24 h); hooks run side by side. Every
 * instance of a deployment runs one: they share the queue by claiming deliveries (claimDue),
 * and queueing is idempotent (one delivery per hook and tx), so any of them may queue a change.
 */
export class HookDispatcher {
  readonly #inFlight = new Set<string>();
  readonly #dirty = new Map<string, Scope>();
  readonly #aborts = new AbortController();
  #timer: ReturnType<typeof setInterval> | null = null;
  #kick: ReturnType<typeof setTimeout> | null = null;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;
  #prunedAt = 0;
  /** One tick at a time: the queue is read and written across awaits. The running one, if any. */
  #ticking: Promise<void> | null = null;
  /** Attempts under way, each until its outcome is recorded. */
  readonly #sending = new Set<Promise<void>>();
  #again = false;
  /** The first tick queues what every hook's cursor has not reached (changes before a restart). */
  #catchUp = true;
  /**
   * Whether a claim may find something: set by the timer (retries and leases fall due with
   * time), by queueing and by each finished attempt, so a change no hook wants costs no
   * claim (a write) on the request path.
   */
  #mayBeDue = true;

  constructor(
    private readonly metadata: Metadata,
    private readonly hub: ChangeHub,
    private readonly secrets: SecretBox,
    private readonly options: {
      allowPrivate: () => boolean;
      /** Whether the key, token or app authorization a hook was made with still stands (CredentialVerifier.creatorLives). */
      creatorLives: (creator: HookCreator) => Promise<boolean>;
      logger: Logger;
      userAgent: string;
      now?: () => number;
      fetch?: typeof fetch;
    },
  ) {}

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Queues what the log holds beyond every hook's cursor, then follows new changes. */
  start(): () => Promise<void> {
    this.#unsubscribe = this.hub.watchSpaces((scope) => {
      this.#dirty.set(`${scope.account}:${scope.space}`, scope);
      this.#schedule();
    });
    this.#timer = setInterval(() => {
      this.#mayBeDue = true;
      this.#tick();
    }, TICK_MS);
    this.#timer.unref();
    this.#schedule();
    return () => this.stop();
  }

  /**
   * Stops queueing and sending, and resolves once nothing of the dispatcher still runs (the
   * metadata may close then). A tick stops at its next step.
   */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#kick) clearTimeout(this.#kick);
    // An attempt cut short is not recorded; it is sent again after the restart (receivers
    // de-duplicate by webhook-id, as the Standard Webhooks spec asks).
    this.#aborts.abort();
    return Promise.all([this.#ticking, ...this.#sending]).then(() => {});
  }

  #schedule(): void {
    if (this.#kick || this.#stopped) return;
    this.#kick = setTimeout(() => {
      this.#kick = null;
      this.#tick();
    }, 0);
  }

  #tick(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = this.#run()
      .catch((error) => this.options.logger.error("webhook dispatch failed", { error: String(error) }))
      .finally(() => {
        this.#ticking = null;
        if (this.#again) {
          this.#again = false;
          this.#schedule();
        }
      });
  }

  async #run(): Promise<void> {
    const { hooks } = this.metadata.read;
    if (this.#catchUp) {
      for (const hook of await hooks.all()) {
        if (this.#stopped) return;
        await this.#queue(hook);
      }
      this.#catchUp = false;
    }
    const dirty = [...this.#dirty.values()];
    this.#dirty.clear();
    for (const scope of dirty) {
      for (const hook of await hooks.forSpace(scope)) {
        if (this.#stopped) return;
        await this.#queue(hook);
      }
    }
    const now = this.#now();
    const room = PARALLEL_HOOKS - this.#inFlight.size;
    if (room > 0 && this.#mayBeDue && !this.#stopped) {
      this.#mayBeDue = false;
      const claimed = await this.metadata.write((tx) =>
        tx.hooks.claimDue({ now, leaseUntil: now + LEASE_MS, limit: room, busy: this.#inFlight }),
      );
      for (const delivery of claimed) {
        const hook = await hooks.byId(delivery.hook_id);
        if (!hook || this.#inFlight.has(hook.id)) continue;
        if (await this.options.creatorLives(hook)) this.#send(hook, delivery);
        else await this.#retire(hook);
      }
    }
    if (now - this.#prunedAt > PRUNE_EVERY_MS && !this.#stopped) {
      this.#prunedAt = now;
      await this.metadata.write((tx) => tx.hooks.pruneFinished(now - KEEP_FINISHED_MS));
    }
  }

  /**
   * Deletes a hook whose creating key or token has expired, with its queue, as the expiry
   * sweep would with the key: an expiry is no event, so it is checked before every attempt.
   */
  async #retire(hook: HookRow): Promise<void> {
    await this.metadata.write((tx) => tx.hooks.delete(hook.id));
    this.options.logger.info("webhook removed: the credential that created it has ended", { hook: hook.id });
  }

  /** Turns the hook's share of the log beyond its cursor into pending deliveries. */
  async #queue(hook: HookRow): Promise<void> {
    const scope = { account: hook.account_id, space: hook.space };
    const filter = { path: hook.prefix, exact: false };
    const actions = hook.actions?.split(" ");
    let after = hook.queued_tx;
    while (!this.#stopped) {
      const rows = await this.metadata.read.events.since(scope, after, PAGE);
      if (rows.length === 0) return;
      const now = this.#now();
      const wanted = rows.filter((e) => eventMatches(e, filter) && (!actions || actions.includes(e.action)));
      after = (rows[rows.length - 1] as EventRow).tx;
      const deliveries = wanted.map((e) => ({
        id: `msg_${newId()}`,
        hook_id: hook.id,
        tx: e.tx,
        payload: deliveryPayload(e, hook.prefix),
        created_at: now,
      }));
      const upTo = after;
      await this.metadata.write((tx) => tx.hooks.enqueue(hook.id, deliveries, upTo));
      if (deliveries.length > 0) this.#mayBeDue = true;
      if (rows.length < PAGE) return;
    }
  }

  #send(hook: HookRow, delivery: DeliveryRow): void {
    this.#inFlight.add(hook.id);
    const sending = this.#attempt(hook, delivery)
      .then(async (result) => {
        if (this.#stopped) return;
        const claimedUntil = delivery.next_attempt_at;
        const held = await this.metadata.write((tx) => tx.hooks.recordAttempt(delivery.id, claimedUntil, result));
        const fields = { hook: hook.id, tx: delivery.tx };
        if (!held) this.options.logger.warn("webhook claim expired before its attempt was recorded", fields);
        else if (result.status === "failed") {
          this.options.logger.warn("webhook delivery given up", { ...fields, error: result.error });
        }
      })
      .catch((error) => this.options.logger.error("webhook attempt failed", { error: String(error) }))
      .finally(() => {
        this.#inFlight.delete(hook.id);
        this.#sending.delete(sending);
        this.#mayBeDue = true;
        this.#schedule();
      });
    this.#sending.add(sending);
  }

  #secretOf(hook: HookRow): string {
    try {
      return this.secrets.open(hook.secret);
    } catch {
      throw new Error("the hook's secret cannot be read (signing_secret changed?); re-create the hook");
    }
  }

  async #attempt(hook: HookRow, delivery: DeliveryRow): Promise<AttemptResult> {
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const url = new URL(hook.url);
      if (!this.options.allowPrivate()) {
        const inside = await privateAddressOf(url);
        if (inside !== null) throw new Error(`refused: ${url.hostname} resolves to a private address (${inside})`);
      }
      const headers = {
        ...webhookHeaders(this.#secretOf(hook), delivery.id, delivery.payload, this.#now()),
        "content-type": "application/json",
        "user-agent": this.options.userAgent,
      };
      const response = await (this.options.fetch ?? fetch)(url, {
        method: "POST",
        headers,
        body: delivery.payload,
        redirect: "manual",
        signal: AbortSignal.any([this.#aborts.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const at = this.#now();
    if (error === null) return { status: "delivered", nextAttemptAt: at, httpStatus, error, at };
    const next = at + retryDelay(delivery.attempts + 1);
    const status = next - delivery.created_at > RETRY_FOR_MS ? "failed" : "pending";
    return { status, nextAttemptAt: next, httpStatus, error: error.slice(0, 500), at };
  }
}
