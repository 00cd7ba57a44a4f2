import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scope } from "../../src/storage/db/files";
import type { Repositories } from "../../src/storage/db/repositories";
import { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";

/**
 * The isolation rule of docs/architecture.md ("Transactions") on SQLite: a unit of work
 * may await, yet reads outside it never see its writes before the commit, and two units
 * of work never interleave. A tiny repository over the `spaces` table stands in for the
 * real ones, so the test is about the unit of work alone.
 */
interface Counter {
  bump(scope: Scope): Promise<number>;
  value(scope: Scope): Promise<number>;
  appendEvent(scope: Scope, tx: number): void;
}
const counterOn = (db: Database, appended: (scope: Scope, tx: number) => void): Counter => ({
  async bump(scope) {
    db.query("INSERT OR IGNORE INTO spaces (account_id, space) VALUES (?1, ?2)").run(scope.account, scope.space);
    const row = db
      .query<{ last_tx: number }, [number, string]>(
        "UPDATE spaces SET last_tx = last_tx + 1 WHERE account_id = ?1 AND space = ?2 RETURNING last_tx",
      )
      .get(scope.account, scope.space);
    return row?.last_tx ?? 0;
  },
  async value(scope) {
    const row = db
      .query<{ last_tx: number }, [number, string]>("SELECT last_tx FROM spaces WHERE account_id = ?1 AND space = ?2")
      .get(scope.account, scope.space);
    return row?.last_tx ?? 0;
  },
  appendEvent: appended,
});
const counter = (repos: Repositories) => (repos as unknown as { counter: Counter }).counter;
const scope = { account: 1, space: "live" };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
/** A promise settled by hand: what a unit of work waits for before it commits (WriteOptions.after). */
const gate = () => {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  return { promise, open: resolve, fail: reject };
};

let dir: string;
let metadata: SqliteMetadata;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lightd-uow-"));
  metadata = new SqliteMetadata(
    join(dir, "lightd.db"),
    (db, appended) => ({ counter: counterOn(db, appended) }) as unknown as Repositories,
  );
});
afterEach(() => {
  metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite unit of work", () => {
  test("a read outside never sees a unit of work's writes before it commits", async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = metadata.write(async (tx) => {
      await counter(tx).bump(scope);
      await paused;
      return counter(tx).value(scope);
    });
    await tick();
    expect(await counter(metadata.read).value(scope)).toBe(0);
    release();
    expect(await writing).toBe(1);
    expect(await counter(metadata.read).value(scope)).toBe(1);
  });

  test("units of work that await run one after the other, never interleaved", async () => {
    const order: string[] = [];
    const unit = (name: string) =>
      metadata.write(async (tx) => {
        order.push(`${name} start`);
        const before = await counter(tx).value(scope);
        await tick();
        await counter(tx).bump(scope);
        order.push(`${name} end`);
        return before;
      });
    const seen = await Promise.all([unit("a"), unit("b"), unit("c")]);
    expect(order).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
    expect(seen).toEqual([0, 1, 2]);
  });

  test("a body that throws leaves nothing behind and the next unit of work runs", async () => {
    await expect(
      metadata.write(async (tx) => {
        await counter(tx).bump(scope);
        await tick();
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await counter(metadata.read).value(scope)).toBe(0);
    expect(await metadata.write(async (tx) => counter(tx).bump(scope))).toBe(1);
  });

  test("commit listeners hear of appended events after the commit, never of a rolled-back one", async () => {
    const heard: string[] = [];
    metadata.onCommitted((s, from) => heard.push(`${s.space}:${from}`));
    await expect(
      metadata.write(async (tx) => {
        counter(tx).appendEvent(scope, 1);
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    await metadata.write(async (tx) => {
      counter(tx).appendEvent(scope, 3);
      counter(tx).appendEvent(scope, 2);
      expect(heard).toEqual([]);
    });
    expect(heard).toEqual(["live:2"]);
  });

  test("units of work that queue up share one COMMIT, and one that throws undoes only its own writes", async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    const heard: number[] = [];
    metadata.onCommitted((_s, from) => heard.push(from));
    const bump = (fail = false) =>
      metadata.write(async (tx) => {
        const n = await counter(tx).bump(scope);
        counter(tx).appendEvent(scope, n * 10);
        if (fail) throw new Error("refused");
        return n;
      });
    const first = metadata.write(async (tx) => {
      await counter(tx).bump(scope);
      await paused;
      return "first";
    });
    const second = bump();
    const failing = bump(true);
    const last = bump();
    // What each unit sees the moment its result arrives: the commit it belongs to.
    const seenBy = (p: Promise<unknown>) => p.then(() => counter(metadata.read).value(scope));
    const seen = [seenBy(first), seenBy(second), seenBy(last)];
    await tick();
    expect(await counter(metadata.read).value(scope)).toBe(0);
    release();
    await expect(failing).rejects.toThrow("refused");
    expect(await Promise.all([first, second, last])).toEqual(["first", 2, 3]);
    // All three results came after the one COMMIT that holds the last unit's write too.
    expect(await Promise.all(seen)).toEqual([3, 3, 3]);
    // Listeners hear of the kept units' events, never of the one rolled back.
    expect(heard.sort()).toEqual([20, 30]);
  });

  test("a unit of work alone commits at once", async () => {
    expect(await metadata.write(async (tx) => counter(tx).bump(scope))).toBe(1);
    expect(await counter(metadata.read).value(scope)).toBe(1);
    expect(metadata.connection.inTransaction).toBe(false);
  });

  test("a unit of work that waits for its bytes runs at once, and commits only once they are durable", async () => {
    const bytes = gate();
    let ran = false;
    const writing = metadata.write(
      async (tx) => {
        ran = true;
        return counter(tx).bump(scope);
      },
      { after: bytes.promise },
    );
    await tick();
    // The body ran while the bytes were still being synced; its COMMIT waits for them.
    expect(ran).toBe(true);
    expect(metadata.connection.inTransaction).toBe(true);
    expect(await counter(metadata.read).value(scope)).toBe(0);
    bytes.open();
    expect(await writing).toBe(1);
    expect(await counter(metadata.read).value(scope)).toBe(1);
  });

  test("units waiting for one sync share its COMMIT; one waiting for another sync neither joins nor holds them up", async () => {
    const first = gate();
    const second = gate();
    const ran: string[] = [];
    const unit = (name: string, after?: Promise<void>) =>
      metadata.write(
        async (tx) => {
          ran.push(name);
          return counter(tx).bump(scope);
        },
        { after },
      );
    const seenBy = (p: Promise<unknown>) => p.then(() => counter(metadata.read).value(scope));
    const a = seenBy(unit("a", first.promise));
    const b = seenBy(unit("b", first.promise));
    const c = seenBy(unit("c", second.promise));
    const d = seenBy(unit("d"));
    await tick();
    // c waits for the batch of a and b to commit before it runs: joining would tie them to its sync.
    expect(ran).toEqual(["a", "b"]);
    first.open();
    // a and b are answered after their one COMMIT, which holds neither c nor d.
    expect(await Promise.all([a, b])).toEqual([2, 2]);
    await tick();
    // c and d (which waits for nothing, so joins any batch) run while c's bytes sync.
    expect(ran).toEqual(["a", "b", "c", "d"]);
    expect(await counter(metadata.read).value(scope)).toBe(2);
    second.open();
    expect(await Promise.all([c, d])).toEqual([4, 4]);
  });

  test("when a batch's bytes cannot be made durable, every unit of the batch fails and nothing of it is kept", async () => {
    const bytes = gate();
    const waiting = metadata.write(async (tx) => counter(tx).bump(scope), { after: bytes.promise });
    const alongside = metadata.write(async (tx) => counter(tx).bump(scope));
    await tick();
    const outcomes = Promise.allSettled([waiting, alongside]);
    bytes.fail(Object.assign(new Error("EIO: i/o error, syncfs"), { code: "EIO" }));
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(String((outcome as PromiseRejectedResult).reason)).toContain("The server's storage cannot be reached");
    }
    expect(await counter(metadata.read).value(scope)).toBe(0);
    expect(metadata.connection.inTransaction).toBe(false);
    // The next unit of work commits as usual.
    expect(await metadata.write(async (tx) => counter(tx).bump(scope))).toBe(1);
  });

  test("a batch still waiting for its bytes when the database closes is rolled back", async () => {
    const own = new SqliteMetadata(
      join(dir, "closing.db"),
      (db, appended) => ({ counter: counterOn(db, appended) }) as unknown as Repositories,
    );
    const bytes = gate();
    const waiting = own.write(async (tx) => counter(tx).bump(scope), { after: bytes.promise });
    await tick();
    own.close();
    await expect(waiting).rejects.toThrow("closed");
    bytes.open();
    const reopened = new SqliteMetadata(
      join(dir, "closing.db"),
      (db, appended) => ({ counter: counterOn(db, appended) }) as unknown as Repositories,
    );
    expect(await counter(reopened.read).value(scope)).toBe(0);
    reopened.close();
  });

  test("the read connection refuses writes", async () => {
    await expect(counter(metadata.read).bump(scope)).rejects.toThrow();
  });
});
