/**
 * `lightd migrate --to postgres`: a SQLite server's metadata — accounts, keys, sessions,
 * files, versions, events, shares, hooks, invites, OAuth apps — copied row for row into an empty Postgres
 * database; a database that holds data, or a source this version cannot fully copy, is
 * refused with nothing written.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQL } from "bun";
import { parseArgs, UsageError } from "../../src/cli/args";
import { runMigrateCommand } from "../../src/cli/migrate";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { copySqliteToPostgres } from "../../src/storage/db/postgres/copy-from-sqlite";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { registerClient } from "../fixtures/oauth";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
const databases: TestDatabase[] = [];
const pools: SQL[] = [];
let source: TestApp;
let sqlitePath: string;

async function emptyTarget(): Promise<{ url: string; sql: SQL }> {
  const db = await createTestDatabase(pg.url as string, "copy");
  databases.push(db);
  const sql = openPostgres({ url: db.url, max_connections: 2 });
  pools.push(sql);
  return { url: db.url, sql };
}

beforeAll(async () => {
  if (!pg.url) return;
  source = makeTestApp({ config: { webhooks: { allow_private: true } } });
  const t = source;
  const alice = await registerAndLogin(t, naclSigner("alice"));
  await createKey(t, alice, { name: "ci", scopes: ["files:read"], prefix: "docs/" });
  await createKey(t, alice, { name: "second" });
  for (const path of ["docs/a.txt", "docs/b.txt", "Zeta.bin", "docs/deep/c 100%.txt"]) {
    expect(
      (await t.request("PUT", `/files/${encodeURI(path)}`, { token: alice, body: `bytes of ${path}` })).status,
    ).toBe(200);
  }
  await t.request("POST", "/files/mkdir", { token: alice, json: { path: "empty/" } });
  await t.request("POST", "/files/move", { token: alice, json: { from: "docs/b.txt", to: "docs/moved.txt" } });
  expect((await t.request("POST", "/files/share", { token: alice, json: { path: "docs/a.txt" } })).status).toBe(201);
  expect((await t.request("POST", "/hooks", { token: alice, json: { url: "http://127.0.0.1:9/hook" } })).status).toBe(
    201,
  );
  expect((await t.request("POST", "/admin/invites", { json: { note: "for bob" } })).status).toBe(201);
  expect((await t.request("PUT", "/files/admin-notes.txt", { body: "admin" })).status).toBe(200);
  await registerClient(t, alice);
  source.ctx.close();
  sqlitePath = join(source.dir, "data", "lightd.db");
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close({ timeout: 5 })));
  await Promise.all(databases.map((d) => d.drop()));
  if (source) rmSync(source.dir, { recursive: true, force: true });
});

// Without a PostgreSQL every test is skipped, its name saying why.
const run = testUnless(pg.skip ?? null);

/** Every row of a table, as plain JSON with numbers, in a stable order. */
function sqliteRows(table: string, order: string): unknown[] {
  const db = new Database(sqlitePath, { readonly: true });
  try {
    return db.query(`SELECT * FROM ${table} ORDER BY ${order}`).all();
  } finally {
    db.close();
  }
}

async function postgresRows(sql: SQL, table: string, columns: string[], order: string): Promise<unknown[]> {
  const rows = (await sql.unsafe(`SELECT ${columns.join(", ")} FROM ${table} ORDER BY ${order}`)) as Record<
    string,
    unknown
  >[];
  // BIGINT comes back as text: compare values as SQLite holds them.
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v]),
    ),
  );
}

run("every row arrives as it was, and new ids continue after the copied ones", async () => {
  const { sql } = await emptyTarget();
  const report = await copySqliteToPostgres(sqlitePath, sql);
  const counts = Object.fromEntries(report.tables.map((t) => [t.name, t.rows]));
  expect(counts).toMatchObject({ accounts: 2, files: 8, shares: 1, hooks: 1, invites: 1, oauth_clients: 1 });
  expect(counts.versions).toBeGreaterThanOrEqual(1);
  expect(counts.credentials).toBeGreaterThanOrEqual(3);
  expect(counts.events).toBeGreaterThanOrEqual(7);
  const orders: Record<string, string> = {
    accounts: "id",
    credentials: "id",
    files: "id",
    events: "account_id, space, tx",
    spaces: "account_id, space",
    shares: "id",
    hooks: "id",
    invites: "id",
    versions: "id",
    oauth_clients: "id",
  };
  for (const [table, order] of Object.entries(orders)) {
    const expected = sqliteRows(table, order);
    const columns = Object.keys(expected[0] as object);
    expect({ table, rows: await postgresRows(sql, table, columns, order) }).toEqual({ table, rows: expected });
  }
  const [account] = await sql`INSERT INTO accounts (name, created_at) VALUES ('carol', 0) RETURNING id::int AS id`;
  expect(account.id).toBe(3);
  const [file] = await sql`INSERT INTO files (account_id, space, path, parent, name, type, tx, created_at, updated_at)
    VALUES (3, 'live', 'x', '', 'x', 'file', 1, 0, 0) RETURNING id::int AS id`;
  expect(file.id).toBe(9);
});

run("a database that already holds data is refused, and keeps what it had", async () => {
  const { sql } = await emptyTarget();
  await copySqliteToPostgres(sqlitePath, sql);
  await expect(copySqliteToPostgres(sqlitePath, sql)).rejects.toThrow(
    "the Postgres database already holds lightd data; copy into an empty one",
  );
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM accounts`;
  expect(n).toBe(2);
});

run("a source table this version cannot copy is named, and nothing is written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-copy-"));
  try {
    const copy = join(dir, "lightd.db");
    copyFileSync(sqlitePath, copy);
    const db = new Database(copy);
    db.run("CREATE TABLE widgets (id INTEGER PRIMARY KEY)");
    db.close();
    const { sql } = await emptyTarget();
    await expect(copySqliteToPostgres(copy, sql)).rejects.toThrow(
      "the SQLite database has tables this lightd cannot copy yet: widgets",
    );
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM files`;
    expect(n).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run("the command: lightd migrate --to postgres --url … reports the rows it copied", async () => {
  const { url, sql } = await emptyTarget();
  const configPath = join(source.dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      authorization: { token: source.master },
      storage: { dir: "data" },
      signing_secret: "test-signing-secret-0123456789abcdef0123456789",
    }),
  );
  const command = parseArgs(["migrate", "--to", "postgres", "--url", url, "--config", configPath]);
  expect(command).toEqual({ kind: "migrate", to: "postgres", url, configPath, dataDir: undefined });
  let out = "";
  const code = await runMigrateCommand({ configPath, url, env: {}, out: (t) => (out += t) });
  expect(code).toBe(0);
  expect(out).toContain(`Copied ${sqlitePath} into postgres://lightd:***@`);
  expect(out).toMatch(/^ {2}files +8$/m);
  expect(out).not.toContain("lightd-test-password");
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM files`;
  expect(n).toBe(8);
  await expect(runMigrateCommand({ configPath, url, env: {}, out: () => {} })).rejects.toThrow(
    "the Postgres database already holds lightd data; copy into an empty one",
  );
  await expect(
    runMigrateCommand({ configPath: join(source.dir, "missing.json"), url, env: {}, out: () => {} }),
  ).rejects.toThrow(UsageError);
});

test.each([
  [["migrate"], "lightd migrate needs --to postgres"],
  [["migrate", "--to", "mysql"], "lightd migrate needs --to postgres"],
  [["migrate", "--to", "postgres", "--url", "mysql://x"], "--url must start with postgres:// or postgresql://"],
  [["migrate", "--to", "postgres", "--port", "1"], "lightd migrate takes --to, --url, --config and --data only"],
  [["--url", "postgres://x"], "--url belongs to 'lightd migrate'"],
  [["serve", "--to", "postgres"], "--to belongs to 'lightd migrate'"],
])("%j is a usage error", (args, message) => {
  expect(() => parseArgs(args)).toThrow(new UsageError(message));
});
