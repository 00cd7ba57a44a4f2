/**
 * The Postgres engine behind the `Metadata` contract, with several instances (each its own
 * pool and listener) on one database: tx numbers without gaps or duplicates, one winner
 * for single-use rows, the change feed across instances, rollback, and rows that read
 * back as they were written.
 */

import { afterAll, beforeAll, expect } from "bun:test";
import type { Scope } from "../../src/storage/db/files";
import type { Metadata } from "../../src/storage/db/metadata";
import { openPostgresMetadata } from "../../src/storage/db/postgres";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
let db: TestDatabase;
let instances: Metadata[] = [];

beforeAll(async () => {
  if (!pg.url) return;
  db = await createTestDatabase(pg.url, "metadata");
  const url = db.url;
  // Three instances starting together: the migration runs once.
  instances = await Promise.all([0, 1, 2].map(() => openPostgresMetadata({ url, max_connections: 4 })));
});

afterAll(async () => {
  for (const m of instances) m.close();
  await Bun.sleep(0);
  await db?.drop();
});

// Without a PostgreSQL every test is skipped, its name saying why.
const run = testUnless(pg.skip ?? null);
const at = (i: number) => instances[i % instances.length] as Metadata;

async function newAccount(name: string): Promise<number> {
  const row = await at(0).write((tx) => tx.accounts.insert({ name, type: "human", created_at: Date.now() }));
  if (!row) throw new Error(`account ${name} exists`);
  return row.id;
}

/** One change as the services make it: the next tx and its event, in one unit of work. */
function change(m: Metadata, scope: Scope, path: string) {
  return m.write(async (tx) => {
    const n = await tx.spaces.nextTx(scope);
    await tx.events.append(scope, { tx: n, action: "mkdir", path, dest: null, size: null, msg: null, ts: Date.now() });
    return n;
  });
}

run("60 concurrent changes on three instances: tx 1…60 once each, events in tx order", async () => {
  const scope = { account: await newAccount("txrace"), space: "live" };
  const numbers = await Promise.all(Array.from({ length: 60 }, (_, i) => change(at(i), scope, `f${i}/`)));
  expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  const events = await at(1).read.events.since(scope, 0, 1000);
  expect(events.map((e) => e.tx)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  expect(await at(2).read.events.latestTx(scope)).toBe(60);
  expect((await at(2).read.spaces.totals(scope)).last_tx).toBe(60);
});

run("a rolled-back change gives its tx number back", async () => {
  const scope = { account: await newAccount("rollback"), space: "live" };
  await change(at(0), scope, "a/");
  const refused = at(1).write(async (tx) => {
    await tx.spaces.nextTx(scope);
    throw new Error("refused");
  });
  await expect(refused).rejects.toThrow("refused");
  expect(await change(at(2), scope, "b/")).toBe(2);
});

run("a single-use token raced on three instances authenticates once", async () => {
  const account = await newAccount("single");
  await at(0).write((tx) =>
    tx.credentials.insert({
      id: "tok1",
      kind: "tok",
      account_id: account,
      secret_hash: "x",
      created_at: Date.now(),
      remove_on_use: 1,
    }),
  );
  const wins = await Promise.all(
    Array.from({ length: 12 }, (_, i) => at(i).write((tx) => tx.credentials.consume("tok1"))),
  );
  expect(wins.filter(Boolean)).toHaveLength(1);
});

run("challenges, magic links and invites each have one winner across instances", async () => {
  const account = await newAccount("winners");
  const now = Date.now();
  await at(0).write(async (tx) => {
    await tx.challenges.insert({
      id: "c1",
      account_id: account,
      nonce: "n",
      created_at: now,
      expires_at: now + 60_000,
    });
    await tx.magicLinks.insert({
      id: "m1",
      email: "a@b.c",
      secret_hash: "h",
      created_at: now,
      expires_at: now + 60_000,
    });
    await tx.invites.insert({ id: "i1", secret_hash: "h", note: "", created_at: now, expires_at: now + 60_000 });
  });
  // Rows read back with numbers, as written; only expired rows are swept.
  expect(await at(1).read.challenges.findById("c1")).toEqual({
    id: "c1",
    account_id: account,
    nonce: "n",
    created_at: now,
    expires_at: now + 60_000,
  });
  expect((await at(2).read.magicLinks.findById("m1"))?.expires_at).toBe(now + 60_000);
  expect(await at(0).write((tx) => tx.challenges.deleteExpired(now))).toBe(0);
  expect(await at(0).write((tx) => tx.magicLinks.deleteExpired(now))).toBe(0);
  const race = (fn: (i: number) => Promise<boolean>) => Promise.all(Array.from({ length: 9 }, (_, i) => fn(i)));
  expect((await race((i) => at(i).write((tx) => tx.challenges.take("c1")))).filter(Boolean)).toHaveLength(1);
  expect((await race((i) => at(i).write((tx) => tx.magicLinks.take("m1")))).filter(Boolean)).toHaveLength(1);
  expect((await race((i) => at(i).write((tx) => tx.invites.take("i1", now, account)))).filter(Boolean)).toHaveLength(1);
  expect(await at(0).read.challenges.findById("c1")).toBeNull();
});

run("read-then-write units of work on different instances never both act on the same reading", async () => {
  // A quota-like rule: add a file only while the space holds fewer than 5.
  const scope = { account: await newAccount("quota"), space: "live" };
  const attempts = await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      at(i).write(async (tx) => {
        const { files } = await tx.spaces.totals(scope);
        if (files >= 5) return false;
        await tx.spaces.adjust(scope, 1, 10);
        return true;
      }),
    ),
  );
  expect(attempts.filter(Boolean)).toHaveLength(5);
  expect(await at(0).read.spaces.totals(scope)).toEqual({ files: 5, bytes: 50, version_bytes: 0, last_tx: 0 });
});

run("a change committed on one instance reaches the commit listeners of every instance", async () => {
  const scope = { account: await newAccount("feed"), space: "test" };
  const heard = instances.map(() => [] as string[]);
  const ready = instances.map(
    (m, i) =>
      new Promise<void>((resolve) => {
        const stop = m.onCommitted((s, from) => {
          if (s.account !== scope.account) return;
          heard[i]?.push(`${s.space}:${from}`);
          stop();
          resolve();
        });
      }),
  );
  await change(at(1), scope, "x/");
  await Promise.all(ready);
  expect(heard).toEqual([["test:1"], ["test:1"], ["test:1"]]);
});

run("file rows read back with numbers, bytewise order, prefix moves and search", async () => {
  const account = await newAccount("files");
  const scope = { account, space: "live" };
  const now = Date.now();
  const row = (path: string, parent: string, name: string, type: "file" | "folder") => ({
    account_id: account,
    space: "live",
    path,
    parent,
    name,
    type,
    object_key: type === "file" ? `obj-${path}` : null,
    size: type === "file" ? 2 ** 40 : 0,
    content_type: null,
    etag: null,
    tx: 1,
    updated_at: now,
  });
  await at(0).write(async (tx) => {
    await tx.files.insert(row("docs/", "", "docs", "folder"));
    await tx.files.insert(row("docs/Report 100%.pdf", "docs/", "Report 100%.pdf", "file"));
    await tx.files.insert(row("docs/b.txt", "docs/", "b.txt", "file"));
    await tx.files.insert(row("docs/a_b.txt", "docs/", "a_b.txt", "file"));
    await tx.files.insert(row("docsx/z.txt", "docsx/", "z.txt", "file"));
  });
  const got = await at(1).read.files.get(scope, "docs/b.txt");
  expect(got).toMatchObject({ path: "docs/b.txt", size: 2 ** 40, tx: 1, updated_at: now, account_id: account });
  expect(typeof got?.id).toBe("number");
  // Bytewise order: upper case before lower case, as on SQLite.
  const children = await at(1).read.files.listChildren(scope, "docs/", "", 100, 0);
  expect(children.map((f) => f.name)).toEqual(["Report 100%.pdf", "a_b.txt", "b.txt"]);
  // LIKE wildcards in a prefix are plain characters.
  expect((await at(1).read.files.listChildren(scope, "docs/", "a_", 100, 0)).map((f) => f.name)).toEqual(["a_b.txt"]);
  expect((await at(1).read.files.listUnder(scope, "docs/")).map((f) => f.path)).toEqual([
    "docs/",
    "docs/Report 100%.pdf",
    "docs/a_b.txt",
    "docs/b.txt",
  ]);
  expect(await at(2).read.files.totalsUnder(scope, "docs/")).toEqual({ files: 3, bytes: 3 * 2 ** 40 });
  expect((await at(2).read.files.search(scope, ["100%"], "", 10)).map((f) => f.path)).toEqual(["docs/Report 100%.pdf"]);
  expect((await at(2).read.files.search(scope, ["txt"], "docs/", 10)).map((f) => f.path)).toEqual([
    "docs/b.txt",
    "docs/a_b.txt",
  ]);
  const moved = await at(0).write((tx) => tx.files.movePrefix(scope, "docs/", "papers/", 2, now + 1));
  expect(moved).toBe(4);
  const folder = await at(1).read.files.get(scope, "papers/");
  expect(folder).toMatchObject({ parent: "", name: "papers", tx: 2 });
  expect(await at(1).read.files.get(scope, "papers/b.txt")).toMatchObject({ parent: "papers/", name: "b.txt" });
  expect(await at(1).read.files.get(scope, "docsx/z.txt")).toMatchObject({ tx: 1 });
});
