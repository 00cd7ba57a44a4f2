import type { Logger } from "../../lib/logger";
import type { EventRow } from "../../storage/db/events";
import type { Scope } from "../../storage/db/files";
import type { Metadata } from "../../storage/db/metadata";

export type ChangeListener = (scope: Scope, event: EventRow) => void;
export type SpaceListener = (scope: Scope) => void;

/** How many events one read of the log takes while catching up a space. */
const PAGE = 500;

const keyOf = (scope: Scope) => `${scope.account}:${scope.space}`;

interface Pending {
  scope: Scope;
  /** Lowest tx appended since the last flush. */
  from: number;
}

/**
 * The in-process publisher of committed changes. The metadata engine tells it, after each
 * commit, which spaces' logs grew (`Metadata.onCommitted`); it then re-reads the log, so
 * listeners see exactly the committed events of a space, each once, in tx order — never a
 * rolled-back one. Every operation that appends an event (files, uploads, and any new front
 * door) reaches the feed and webhooks for free. A space nobody listens to event by event
 * (no feed client) is not re-read: the webhook dispatcher reads the log itself and only needs
 * to hear which spaces changed (`watchSpaces`).
 */
export class ChangeHub {
  readonly #pending = new Map<string, Pending>();
  /** Highest tx published per space, so a re-read never repeats an event. */
  readonly #published = new Map<string, number>();
  readonly #bySpace = new Map<string, Set<ChangeListener>>();
  readonly #spaceWatchers = new Set<SpaceListener>();
  #scheduled = false;
  /** One flush at a time, so a space's events are published in order even when reads await. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly metadata: Metadata,
    private readonly logger: Logger,
  ) {
    metadata.onCommitted((scope, tx) => this.#noteAppend(scope, tx));
  }

  /** Listens to one space's committed events; returns the unsubscribe function. */
  subscribe(scope: Scope, listener: ChangeListener): () => void {
    const key = keyOf(scope);
    let set = this.#bySpace.get(key);
    if (!set) {
      set = new Set();
      this.#bySpace.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#bySpace.get(key) === set) {
        this.#bySpace.delete(key);
        // A space nobody listens to is not followed: a later subscriber starts from its own read
        // of the log. Its next listener may belong to another account: SQLite gives a deleted
        // account's id to the next one made, whose log starts again at tx 1.
        this.#published.delete(key);
      }
    };
  }

  /** Hears, right after each commit, of every space whose log grew; the events are not read for it. */
  watchSpaces(listener: SpaceListener): () => void {
    this.#spaceWatchers.add(listener);
    return () => this.#spaceWatchers.delete(listener);
  }

  #noteAppend(scope: Scope, tx: number): void {
    for (const watcher of this.#spaceWatchers) {
      try {
        watcher(scope);
      } catch (error) {
        this.logger.error("change listener failed", { tx, error: String(error) });
      }
    }
    const key = keyOf(scope);
    // Nobody to hand the events to: a later subscriber starts from its own read of the log.
    if (!this.#bySpace.has(key)) return;
    const pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, { scope: { account: scope.account, space: scope.space }, from: tx });
    else if (tx < pending.from) pending.from = tx;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#flushing = this.#flushing.then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    for (const { scope, from } of batch) {
      const key = keyOf(scope);
      let after = Math.max(from - 1, this.#published.get(key) ?? 0);
      for (;;) {
        let rows: EventRow[];
        try {
          rows = await this.metadata.read.events.since(scope, after, PAGE);
        } catch (error) {
          this.logger.error("change log read failed", { error: String(error) });
          break;
        }
        for (const row of rows) this.#publish(key, scope, row);
        if (rows.length > 0) after = (rows[rows.length - 1] as EventRow).tx;
        if (rows.length < PAGE) break;
      }
      // Remembered only while someone listens (see `subscribe`).
      if (this.#bySpace.has(key)) this.#published.set(key, after);
    }
  }

  #publish(key: string, scope: Scope, event: EventRow): void {
    for (const listener of this.#bySpace.get(key) ?? []) this.#call(listener, scope, event);
  }

  /** One failing listener must not keep the event from the others. */
  #call(listener: ChangeListener, scope: Scope, event: EventRow): void {
    try {
      listener(scope, event);
    } catch (error) {
      this.logger.error("change listener failed", { tx: event.tx, error: String(error) });
    }
  }
}
