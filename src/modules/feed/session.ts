import { type EventFilter, type EventRow, eventMatches } from "../../storage/db/events";

/**
 * Close codes of the change feed (WebSocket close frames; SSE streams simply end).
 * - 1001 going away: the server is shutting down; reconnect with `since_tx`.
 * - 1008 policy violation: the credential was revoked, rotated or has expired.
 * - 1011 internal error.
 * - 4008 slow consumer: the connection's buffer filled; reconnect with `since_tx` = the
 *   last tx received (the reason text carries it).
 */
export const FEED_CLOSE = { goingAway: 1001, revoked: 1008, internal: 1011, slowConsumer: 4008 } as const;

/** What a transport reports after queueing one message. */
export type SendOutcome = "sent" | "buffered" | "dropped";

/** One connected client, whatever the transport (WebSocket or SSE). */
export interface FeedSink {
  /** Queues one message; "dropped" when the connection's bounded buffer is full. */
  send(tx: number, message: string): SendOutcome;
  /** Bytes queued for the peer and not yet written. */
  buffered(): number;
  ping(): void;
  close(code: number, reason: string): void;
}

export interface FeedSessionDeps {
  /** Events after `after` the subscriber may see, oldest first (the /files/log query). */
  readLog(after: number, limit: number): Promise<EventRow[]>;
  /** Registers for live events of the subscriber's space; returns the unsubscribe function. */
  subscribe(listener: (event: EventRow) => void): () => void;
  /** The newest tx of the subscriber's space: where a subscription without `since_tx` starts. */
  latestTx(): Promise<number>;
  /** Whether the credential that opened the connection is still good (not revoked or expired). */
  stillValid(): Promise<boolean>;
  /** The message for one event, as the subscriber may see it (redacted like /files/log). */
  present(event: EventRow): string;
  /** Told when the server closes the connection (not when the peer goes), for the log. */
  closing(code: number, reason: string): void;
}

const REPLAY_PAGE = 200;

/**
 * One subscriber's view of the log: replay from `since_tx`, then live, with no gap and no
 * duplicate. It subscribes before it replays and ignores live events while replaying: the
 * replay reads the log until it is empty, so anything committed meanwhile is read from the
 * log; once caught up, live events at or below the last tx seen are dropped as duplicates.
 * Replay pauses while the peer is behind (`drain` resumes it), so a long history never
 * floods the buffer; live events that overflow it close the connection (4008).
 */
export class FeedSession {
  /** Highest tx considered (sent or filtered out). */
  #last: number;
  /** Highest tx the peer was sent: where it resumes after a 4008. */
  #lastSent: number;
  #replaying: boolean;
  /**
   * Set by start() once it has subscribed and knows where to begin. Until then a drain (SSE
   * pulls as soon as the stream opens) must not replay: it would read from tx 0, or read
   * the log before the subscription that covers what comes after it is in place.
   */
  #positioned = false;
  #closed = false;
  #unsubscribe: (() => void) | null = null;
  #pumping: Promise<void> | null = null;

  constructor(
    private readonly deps: FeedSessionDeps,
    private readonly filter: EventFilter,
    /** `sinceTx` null: from the newest event on (read once the subscription is in place). */
    private readonly start_: { sinceTx: number | null; replay: boolean },
    private readonly sink: FeedSink,
    private readonly highWaterBytes: number,
    private readonly onEnd: (session: FeedSession) => void,
  ) {
    this.#last = start_.sinceTx ?? 0;
    this.#lastSent = this.#last;
    // Without since_tx the start is read after subscribing, and what was committed in
    // between is read from the log like a replay: no event falls into that gap.
    this.#replaying = start_.replay || start_.sinceTx === null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Subscribes, then replays; resolves once the replay has paused or caught up. */
  async start(): Promise<void> {
    this.#unsubscribe = this.deps.subscribe((event) => this.#onLive(event));
    if (this.start_.sinceTx === null) {
      this.#last = await this.deps.latestTx();
      this.#lastSent = this.#last;
    }
    this.#positioned = true;
    return this.#pump();
  }

  /** The transport has written its backlog: continue a paused replay. */
  drain(): Promise<void> {
    return this.#pump();
  }

  /** Called by the service's timer: closes a connection whose credential no longer works. */
  async recheck(): Promise<void> {
    if (this.#closed) return;
    const valid = await this.deps.stillValid().catch(() => false);
    if (!valid) this.close(FEED_CLOSE.revoked, "credential revoked or expired");
  }

  ping(): void {
    if (!this.#closed) this.sink.ping();
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.deps.closing(code, reason);
    this.ended();
    this.sink.close(code, reason);
  }

  /** The transport is gone (peer closed): stop listening. */
  ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.onEnd(this);
  }

  /** One replay loop at a time: a drain during a read continues the loop already running. */
  #pump(): Promise<void> {
    if (!this.#positioned) return Promise.resolve();
    if (this.#pumping) return this.#pumping;
    this.#pumping = this.#replay().finally(() => {
      this.#pumping = null;
    });
    return this.#pumping;
  }

  async #replay(): Promise<void> {
    while (this.#replaying && !this.#closed) {
      if (this.sink.buffered() > this.highWaterBytes) return;
      const rows = await this.deps.readLog(this.#last, REPLAY_PAGE);
      if (this.#closed) return;
      for (const row of rows) if (!this.#deliver(row)) return;
      if (rows.length < REPLAY_PAGE) this.#replaying = false;
    }
  }

  #onLive(event: EventRow): void {
    if (this.#replaying || this.#closed || event.tx <= this.#last) return;
    if (!eventMatches(event, this.filter)) {
      this.#last = event.tx;
      return;
    }
    this.#deliver(event);
  }

  #deliver(event: EventRow): boolean {
    this.#last = event.tx;
    const outcome = this.sink.send(event.tx, this.deps.present(event));
    if (outcome === "dropped") {
      this.close(FEED_CLOSE.slowConsumer, `slow consumer: reconnect with since_tx=${this.#lastSent}`);
      return false;
    }
    this.#lastSent = event.tx;
    return true;
  }
}
