import { redactChange } from "../../domain/access";
import { badRequest, forbidden } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { Logger } from "../../lib/logger";
import type { EventFilter, EventRow } from "../../storage/db/events";
import { logEventView } from "../files/model";
import { type FileService, type LoggedEvent, scopeOf } from "../files/service";
import { requireNotAfter } from "../files/versions";
import type { ChangeHub } from "./hub";
import { FEED_CLOSE, FeedSession, type FeedSink } from "./session";

export interface FeedSettings {
  /** Bytes a connection may have queued before it is closed as a slow consumer (4008). */
  max_buffer_bytes: number;
  /** Seconds between heartbeats (WebSocket ping, SSE comment). */
  heartbeat_seconds: number;
}

/** A feed request that passed the permission checks, ready to be attached to a transport. */
export interface FeedRequest {
  principal: Principal;
  filter: EventFilter;
  /** Replay after this tx; without it the feed starts at the space's newest tx. */
  sinceTx: number | null;
}

/** Revoked or expired credentials are noticed within this long. */
const RECHECK_MS = 500;

/**
 * The live change feed over the event log, free of any transport. Permissions are the
 * ones of `/files/log` (the `files:read` scope, the key's prefix and space), taken from the
 * FileService; every open connection's credential is re-checked twice a second.
 */
export class FeedService {
  readonly #sessions = new Set<FeedSession>();
  readonly #messages = new WeakMap<EventRow, Map<string, string>>();
  #timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly hub: ChangeHub,
    private readonly files: FileService,
    private readonly settings: () => FeedSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Checks a subscription before any upgrade: 403 without `files:read` or for a prefix
   * outside the key's; `space` (from `/ws/{space}`) must be the credential's own space; 400
   * for a `since_tx` (or `Last-Event-ID`, `name`) after the space's newest tx.
   */
  async checkSubscription(
    principal: Principal,
    options: { prefix?: string; sinceTx?: number | null; space?: string; name?: string },
  ): Promise<FeedRequest> {
    if (!principal.scopes.has("files:read")) throw forbidden("Missing scope 'files:read'");
    if (options.space !== undefined && options.space !== principal.space) {
      throw forbidden(`This credential reaches the ${principal.space} space, not ${options.space}`);
    }
    // Checked here as well as in the query schema: Elysia's numeric coercion lets -1 through.
    if (options.sinceTx != null && (!Number.isSafeInteger(options.sinceTx) || options.sinceTx < 0)) {
      throw badRequest("since_tx must be a tx number (0 or more)");
    }
    const filter = this.files.logFilter(principal, options.prefix, true);
    if (options.sinceTx != null) {
      requireNotAfter(options.sinceTx, await this.files.latestTx(principal), options.name ?? "since_tx");
    }
    return { principal, filter, sinceTx: options.sinceTx ?? null };
  }

  /** Attaches a prepared subscription to a connected transport and starts it. */
  open(request: FeedRequest, sink: FeedSink, stillValid: () => Promise<boolean>): FeedSession {
    const { principal, filter } = request;
    const scope = scopeOf(principal);
    const replay = request.sinceTx !== null;
    const sinceTx = request.sinceTx;
    const session = new FeedSession(
      {
        readLog: (after, limit) => this.files.readLog(principal, filter, after, limit),
        subscribe: (listener) => this.hub.subscribe(scope, (_scope, event) => listener(event)),
        latestTx: () => this.files.latestTx(principal),
        stillValid,
        present: (event) => this.#present(event, principal),
        closing: (code, reason) => {
          if (code !== FEED_CLOSE.goingAway) {
            this.logger.info("feed connection closed", { code, reason, actor: principal.actor });
          }
        },
      },
      filter,
      { sinceTx, replay },
      sink,
      Math.max(1024, Math.floor(this.settings().max_buffer_bytes / 4)),
      (ended) => this.#sessions.delete(ended),
    );
    this.#sessions.add(session);
    session.start().catch((error) => {
      this.logger.error("feed replay failed", { error: String(error) });
      session.close(FEED_CLOSE.internal, "internal error");
    });
    return session;
  }

  /**
   * One event's message as a principal may see it. The hub hands every subscriber the same
   * row object, and the message depends only on the key prefix (redactChange), so each live
   * event is serialised once per prefix, not once per connection.
   */
  #present(event: EventRow, principal: Principal): string {
    let byPrefix = this.#messages.get(event);
    if (!byPrefix) {
      byPrefix = new Map();
      this.#messages.set(event, byPrefix);
    }
    let message = byPrefix.get(principal.prefix);
    if (message === undefined) {
      message = JSON.stringify(logEventView(redactChange(principal, event as LoggedEvent)));
      byPrefix.set(principal.prefix, message);
    }
    return message;
  }

  get connections(): number {
    return this.#sessions.size;
  }

  /** Starts the credential re-check and heartbeat timers; returns the stop function. */
  startTimers(): () => void {
    const recheck = setInterval(() => {
      for (const session of this.#sessions) void session.recheck();
    }, RECHECK_MS);
    const heartbeat = setInterval(() => {
      for (const session of this.#sessions) session.ping();
    }, this.settings().heartbeat_seconds * 1000);
    this.#timers = [recheck, heartbeat];
    for (const timer of this.#timers) timer.unref();
    return () => this.#timers.forEach(clearInterval);
  }

  /** Closes every connection (shutdown): clients reconnect elsewhere with `since_tx`. */
  closeAll(): void {
    for (const session of [...this.#sessions]) session.close(FEED_CLOSE.goingAway, "server shutting down");
  }
}
