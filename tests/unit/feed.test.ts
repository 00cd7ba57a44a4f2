import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../../src/lib/logger";
import { ChangeHub } from "../../src/modules/feed/hub";
import { FEED_CLOSE, FeedSession, type FeedSink, type SendOutcome } from "../../src/modules/feed/session";
import type { EventRow } from "../../src/storage/db/events";
import { openSqliteMetadata } from "../../src/storage/db/sqlite";

const scope = { account: 1, space: "live" };
const event = (tx: number, path = `f${tx}.txt`): EventRow => ({
  tx,
  action: "upload",
  path,
  dest: null,
  size: 1,
  msg: null,
  ts: tx,
});

describe("ChangeHub", () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "lightd-hub-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("publishes committed events once, in tx order, and never a rolled-back one", async () => {
    const metadata = openSqliteMetadata(join(tempDir(), "lightd.db"));
    const hub = new ChangeHub(metadata, memoryLogger());
    const seen: number[] = [];
    hub.subscribe(scope, (_s, e) => seen.push(e.tx));
    await metadata.write((tx) => tx.events.append(scope, event(1)));
    await expect(
      metadata.write(async (tx) => {
        await tx.events.append(scope, event(2, "rolled-back.txt"));
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await metadata.write(async (tx) => {
      await tx.events.append(scope, event(2));
      await tx.events.append(scope, event(3));
      await settle();
      // Nothing of a unit of work is published while it is open: only after it commits.
      expect(seen).toEqual([1]);
    });
    await settle();
    expect(seen).toEqual([1, 2, 3]);
    metadata.close();
  });

  test("other spaces' events do not reach a space's listeners", async () => {
    const metadata = openSqliteMetadata(join(tempDir(), "lightd.db"));
    const hub = new ChangeHub(metadata, memoryLogger());
    const live: number[] = [];
    const other: string[] = [];
    hub.subscribe(scope, (_s, e) => live.push(e.tx));
    hub.subscribe({ account: 1, space: "test" }, (s, e) => other.push(`${s.space}:${e.tx}`));
    await metadata.write(async (tx) => {
      await tx.events.append({ account: 1, space: "test" }, event(1));
      await tx.events.append(scope, event(1));
    });
    await settle();
    expect(live).toEqual([1]);
    expect(other).toEqual(["test:1"]);
    metadata.close();
  });

  test("an account made after one was deleted hears its own events from tx 1, though SQLite gave it the same id", async () => {
    const metadata = openSqliteMetadata(join(tempDir(), "lightd.db"));
    const hub = new ChangeHub(metadata, memoryLogger());
    const make = (name: string) =>
      metadata.write((tx) => tx.accounts.insert({ name, type: "human", created_at: 1 })) as Promise<{ id: number }>;
    const old = await make("old");
    const oldScope = { account: old.id, space: "live" };
    const heard: number[] = [];
    const stop = hub.subscribe(oldScope, (_s, e) => heard.push(e.tx));
    for (const n of [1, 2, 3]) await metadata.write((tx) => tx.events.append(oldScope, event(n)));
    await settle();
    expect(heard).toEqual([1, 2, 3]);
    stop();
    await metadata.write((tx) => tx.accounts.delete(old.id));
    const fresh = await make("fresh");
    expect(fresh.id).toBe(old.id);
    const freshScope = { account: fresh.id, space: "live" };
    const seen: number[] = [];
    hub.subscribe(freshScope, (_s, e) => seen.push(e.tx));
    await metadata.write((tx) => tx.events.append(freshScope, event(1)));
    await settle();
    expect(seen).toEqual([1]);
    metadata.close();
  });

  test("space watchers hear which spaces changed; the log is re-read only for event listeners", async () => {
    const metadata = openSqliteMetadata(join(tempDir(), "lightd.db"));
    const hub = new ChangeHub(metadata, memoryLogger());
    const reads: string[] = [];
    const since = metadata.read.events.since.bind(metadata.read.events);
    metadata.read.events.since = (s, after, limit) => {
      reads.push(s.space);
      return since(s, after, limit);
    };
    const changed: string[] = [];
    hub.watchSpaces((s) => changed.push(s.space));
    await metadata.write((tx) => tx.events.append({ account: 1, space: "test" }, event(1)));
    await settle();
    expect(changed).toEqual(["test"]);
    expect(reads).toEqual([]);
    // A subscriber joins: from then on its space's commits are read and handed to it.
    const live: number[] = [];
    hub.subscribe(scope, (_s, e) => live.push(e.tx));
    await metadata.write(async (tx) => {
      await tx.events.append(scope, event(1));
      await tx.events.append({ account: 1, space: "test" }, event(2));
    });
    await settle();
    expect(changed.sort()).toEqual(["live", "test", "test"]);
    expect(reads).toEqual(["live"]);
    expect(live).toEqual([1]);
    metadata.close();
  });
});

/** A transport that records what it was sent and can play a slow peer. */
class FakeSink implements FeedSink {
  sent: number[] = [];
  queued = 0;
  /** Messages accepted before the buffer counts as full. */
  room = Number.POSITIVE_INFINITY;
  closedWith: { code: number; reason: string } | null = null;
  send(tx: number): SendOutcome {
    if (this.sent.length >= this.room) return "dropped";
    this.sent.push(tx);
    this.queued += 100;
    return "buffered";
  }
  buffered = () => this.queued;
  ping() {}
  close(code: number, reason: string) {
    this.closedWith = { code, reason };
  }
}

function session(log: EventRow[], sink: FakeSink, sinceTx: number, replay = true) {
  let live: ((e: EventRow) => void) | null = null;
  const s = new FeedSession(
    {
      readLog: async (after, limit) => log.filter((e) => e.tx > after).slice(0, limit),
      latestTx: async () => log.at(-1)?.tx ?? 0,
      subscribe: (listener) => {
        live = listener;
        return () => {
          live = null;
        };
      },
      stillValid: async () => true,
      present: (e) => JSON.stringify(e),
      closing: () => {},
    },
    { path: "", exact: false },
    { sinceTx, replay },
    sink,
    1000,
    () => {},
  );
  return { s, push: (e: EventRow) => live?.(e) };
}

describe("FeedSession", () => {
  test("replay pauses while the peer is behind, resumes on drain, then goes live without duplicates", async () => {
    const log = Array.from({ length: 450 }, (_, i) => event(i + 1));
    const sink = new FakeSink();
    const { s, push } = session(log, sink, 0);
    await s.start();
    // One page went out, then the replay waits: the buffer is past the high-water mark.
    expect(sink.sent).toHaveLength(200);
    log.push(event(451));
    push(event(451)); // still replaying: ignored here, the replay reads it from the log
    expect(sink.sent).toHaveLength(200);
    for (let round = 0; round < 3; round++) {
      sink.queued = 0;
      await s.drain();
    }
    expect(sink.sent).toEqual(log.map((e) => e.tx));
    push(event(451)); // the hub's late copy of an event the replay already sent
    push(event(452));
    expect(sink.sent.slice(-2)).toEqual([451, 452]);
  });

  test("without since_tx it starts after the newest tx, even when the transport pulls before that tx is known", async () => {
    const log = [event(1), event(2), event(3)];
    const sink = new FakeSink();
    let answer!: (tx: number) => void;
    const newest = new Promise<number>((resolve) => {
      answer = resolve;
    });
    let live: ((e: EventRow) => void) | null = null;
    const s = new FeedSession(
      {
        readLog: async (after, limit) => log.filter((e) => e.tx > after).slice(0, limit),
        // A database round trip (Postgres): the transport is already open while it runs.
        latestTx: () => newest,
        subscribe: (listener) => {
          live = listener;
          return () => {};
        },
        stillValid: async () => true,
        present: (e) => JSON.stringify(e),
        closing: () => {},
      },
      { path: "", exact: false },
      { sinceTx: null, replay: false },
      sink,
      1000,
      () => {},
    );
    const started = s.start();
    await s.drain(); // an SSE stream pulls as soon as it opens
    answer(3);
    await started;
    expect(sink.sent).toEqual([]);
    log.push(event(4));
    (live as ((e: EventRow) => void) | null)?.(event(4));
    expect(sink.sent).toEqual([4]);
  });

  test("a full buffer closes the connection with 4008 and the tx to resume from", async () => {
    const sink = new FakeSink();
    sink.room = 3;
    const { s, push } = session([], sink, 10, false);
    await s.start();
    for (let tx = 11; tx <= 15; tx++) push(event(tx));
    expect(sink.sent).toEqual([11, 12, 13]);
    expect(sink.closedWith).toEqual({
      code: FEED_CLOSE.slowConsumer,
      reason: "slow consumer: reconnect with since_tx=13",
    });
    expect(s.closed).toBe(true);
  });
});
