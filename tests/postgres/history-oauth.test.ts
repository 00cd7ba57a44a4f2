/**
 * The Postgres repositories of versions, OAuth, backups and reclaim holds (SQLite's
 * migrations 10–12): rows read back as written, the history queries answer as on SQLite,
 * and every single-use step (a code exchanged, a refresh token rotated) has one winner
 * when two instances race for it.
 */

import { afterAll, beforeAll, expect } from "bun:test";
import type { SQL } from "bun";
import type { FileRow } from "../../src/storage/db/files";
import { PostgresAccountRepository } from "../../src/storage/db/postgres/accounts";
import { PostgresBackupRepository, PostgresReclaimHoldRepository } from "../../src/storage/db/postgres/backups";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { PostgresCredentialRepository } from "../../src/storage/db/postgres/credentials";
import { PostgresFileRepository } from "../../src/storage/db/postgres/files";
import { migratePostgres } from "../../src/storage/db/postgres/migrate";
import {
  PostgresOAuthClientRepository,
  PostgresOAuthCodeRepository,
  PostgresOAuthGrantRepository,
} from "../../src/storage/db/postgres/oauth";
import { PostgresReclaimRepository } from "../../src/storage/db/postgres/reclaim";
import { PostgresVersionRepository } from "../../src/storage/db/postgres/versions";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
let db: TestDatabase;
/** Two pools: two instances on one database. */
let pools: SQL[] = [];
let account = 0;

beforeAll(async () => {
  if (!pg.url) return;
  db = await createTestDatabase(pg.url, "history");
  pools = [0, 1].map(() => openPostgres({ url: db.url, max_connections: 4 }));
  await migratePostgres(pools[0] as SQL);
  const row = await new PostgresAccountRepository(pools[0] as SQL).insert({
    name: "hist",
    type: "human",
    created_at: 1,
  });
  account = row?.id as number;
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close({ timeout: 5 })));
  await db?.drop();
});

// Without a PostgreSQL every test is skipped, its name saying why.
const run = testUnless(pg.skip ?? null);
const pool = (i: number) => pools[i % 2] as SQL;

function fileRow(path: string, tx: number, objectKey: string | null, size = 10): FileRow {
  return {
    id: 0,
    account_id: account,
    space: "live",
    path,
    parent: "",
    name: path,
    type: "file",
    object_key: objectKey,
    size,
    content_type: "text/plain",
    etag: `e${tx}`,
    tx,
    created_at: tx,
    updated_at: tx * 100,
  } as FileRow;
}

run("versions: recorded rows read back by tx, by path, live at a tx, in the trash, past retention", async () => {
  const versions = new PostgresVersionRepository(pool(0));
  const scope = { account, space: "live" };
  // a.txt: written at tx 1, overwritten at 3 (ended), overwritten at 5 (ended), then deleted at 7.
  await versions.record(scope, [fileRow("docs/a.txt", 1, "o1")], { tx: 3, at: 300, by: "upload" });
  await versions.record(scope, [fileRow("docs/a.txt", 3, "o3")], { tx: 5, at: 500, by: "upload" });
  await versions.record(scope, [fileRow("docs/a.txt", 5, "o5", 7), fileRow("docs/b 100%.txt", 2, "o2")], {
    tx: 7,
    at: 700,
    by: "delete",
  });
  expect((await versions.at(scope, "docs/a.txt", 4))?.object_key).toBe("o3");
  expect((await versions.at(scope, "docs/a.txt", 1))?.object_key).toBe("o1");
  expect(await versions.at(scope, "docs/a.txt", 8)).toBeNull();
  const history = await versions.forPath(scope, "docs/a.txt", 10);
  expect(history.map((v) => [v.tx, v.ended_tx, v.ended_by, v.ts])).toEqual([
    [5, 7, "delete", 500],
    [3, 5, "upload", 300],
    [1, 3, "upload", 100],
  ]);
  expect(typeof history[0]?.id).toBe("number");
  expect((await versions.liveAt(scope, "docs/", 6)).map((v) => [v.path, v.object_key])).toEqual([
    ["docs/a.txt", "o5"],
    ["docs/b 100%.txt", "o2"],
  ]);
  // A LIKE wildcard in the prefix is a plain character.
  expect(await versions.liveAt(scope, "docs/b 1_", 6)).toEqual([]);
  expect((await versions.trash(scope, "", 10, 0)).map((v) => v.path)).toEqual(["docs/a.txt", "docs/b 100%.txt"]);
  // A file back at the path takes it out of the trash.
  await new PostgresFileRepository(pool(0)).insert({
    ...fileRow("docs/a.txt", 9, "o9"),
    parent: "docs/",
    name: "a.txt",
  });
  expect((await versions.trash(scope, "", 10, 0)).map((v) => v.path)).toEqual(["docs/b 100%.txt"]);
  expect(await versions.objectSize("o5")).toBe(7);
  expect(await versions.objectSize("nope")).toBeNull();
  // Only versions hold o1, o2, o3, o5 (10 + 10 + 10 + 7); o9 is a file's.
  expect(await versions.bytesOnlyUnder(scope, "docs/")).toBe(37);
  expect((await versions.objectKeysOfAccount(account)).sort()).toEqual(["o1", "o2", "o3", "o5"]);
  expect((await versions.oldestOf(account, 2)).map((v) => v.object_key)).toEqual(["o1", "o3"]);
  // Ended before 400, or beyond the newest 1 of their path.
  const past = await versions.pastRetention(400, 1, 10);
  expect(past.map((v) => v.object_key)).toEqual(["o1", "o3"]);
  await versions.delete(past);
  expect((await versions.forPath(scope, "docs/a.txt", 10)).map((v) => v.object_key)).toEqual(["o5"]);
});

run("an authorization code is exchanged once, whichever instance gets it", async () => {
  const clients = new PostgresOAuthClientRepository(pool(0));
  await clients.insert({
    id: "client1",
    account_id: account,
    name: "Photo Sync",
    redirect_uris: '["https://app.example/cb"]',
    auth_method: "client_secret_basic",
    secret_hash: "h1",
    created_at: 5,
  });
  expect(await clients.findById("client1")).toMatchObject({ account_id: account, secret_rotated_at: null });
  expect(await clients.replaceSecret("client1", account, "h2", 9)).toBe(true);
  expect(await clients.replaceSecret("client1", account + 1, "h3", 9)).toBe(false);
  expect((await clients.listByAccount(account)).map((c) => [c.id, c.secret_hash, c.secret_rotated_at])).toEqual([
    ["client1", "h2", 9],
  ]);
  const code = {
    client_id: "client1",
    account_id: account,
    redirect_uri: null,
    scopes: "files:read",
    prefix: "",
    code_challenge: "c",
    created_at: 10,
    expires_at: 1000,
  };
  for (let i = 0; i < 5; i++) await new PostgresOAuthCodeRepository(pool(i)).insert({ ...code, code_hash: `code${i}` });
  for (let i = 0; i < 5; i++) {
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, k) => new PostgresOAuthCodeRepository(pool(k)).claim(`code${i}`, 20)),
    );
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ code_hash: `code${i}`, used_at: 20, expires_at: 1000 });
  }
  const codes = new PostgresOAuthCodeRepository(pool(1));
  expect(await codes.deleteExpired(999)).toBe(0);
  expect(await codes.deleteExpired(1000)).toBe(5);
});

run("a refresh token rotates once; revoking a grant ends its tokens; empty grants are swept", async () => {
  // A client of its own: the code test above may run before or after this one.
  await new PostgresOAuthClientRepository(pool(0)).insert({
    id: "client2",
    account_id: account,
    name: "Notes",
    redirect_uris: '["https://notes.example/cb"]',
    auth_method: "client_secret_basic",
    secret_hash: "h1",
    created_at: 5,
  });
  const grants = new PostgresOAuthGrantRepository(pool(0));
  const credentials = new PostgresCredentialRepository(pool(0));
  await grants.insert({
    id: "g1",
    client_id: "client2",
    account_id: account,
    scopes: "files:read",
    prefix: "",
    created_at: 1,
  });
  await grants.insert({
    id: "g2",
    client_id: "client2",
    account_id: account,
    scopes: "files:read",
    prefix: "",
    created_at: 2,
  });
  const token = { kind: "ort", account_id: account, secret_hash: "x", created_at: 3 } as const;
  await credentials.insert({ ...token, id: "r1", grant_id: "g1" });
  await credentials.insert({ ...token, id: "r2", grant_id: "g1" });
  expect((await credentials.findById("r1"))?.grant_id).toBe("g1");
  const rotations = await Promise.all(
    Array.from({ length: 8 }, (_, k) => new PostgresCredentialRepository(pool(k)).claimRotation("r1", 50 + k)),
  );
  expect(rotations.filter(Boolean)).toHaveLength(1);
  await credentials.recordUsage([["r2", { count: 2, lastUsedAt: 77 }]]);
  expect(await credentials.lastUseByGrant(account)).toEqual(new Map([["g1", 77]]));
  await grants.markRefreshed("g1", 60);
  expect((await grants.findById("g1"))?.refreshed_at).toBe(60);
  expect(await grants.deleteOwned("g1", account + 1)).toBe(false);
  expect(await grants.deleteOwned("g1", account)).toBe(true);
  expect(await credentials.findById("r2")).toBeNull();
  // g2 has no token left: swept once older than the cutoff.
  expect(await grants.deleteEmpty(2)).toBe(0);
  expect(await grants.deleteEmpty(3)).toBe(1);
  expect(await grants.listByAccount(account)).toEqual([]);
  expect(await new PostgresOAuthClientRepository(pool(1)).delete("client2", account)).toBe(true);
});

run("backup runs, reclaim holds any instance sees, and reclaim rows due only after not_before", async () => {
  const backups = new PostgresBackupRepository(pool(0));
  await backups.start({ id: "b1", path: "/tmp/a.tar", encrypted: true, started_at: 10 });
  await backups.start({ id: "b2", path: "s3://bucket/x", encrypted: false, started_at: 20 });
  await backups.finish("b1", { status: "done", files: 3, bytes: 4096, error: null, finished_at: 15 });
  expect(await backups.get("b1")).toEqual({
    id: "b1",
    path: "/tmp/a.tar",
    status: "done",
    files: 3,
    bytes: 4096,
    encrypted: 1,
    error: null,
    started_at: 10,
    finished_at: 15,
  });
  expect((await backups.recent(10)).map((b) => [b.id, b.status])).toEqual([
    ["b2", "running"],
    ["b1", "done"],
  ]);
  const hold = new PostgresReclaimHoldRepository(pool(0));
  const seen = new PostgresReclaimHoldRepository(pool(1));
  await hold.hold("backup-1", 100);
  expect(await seen.active(99)).toBe(true);
  await hold.hold("backup-1", 200);
  expect(await seen.active(150)).toBe(true);
  expect(await seen.active(200)).toBe(false);
  await hold.release("backup-1");
  expect(await seen.active(0)).toBe(false);
  const reclaim = new PostgresReclaimRepository(pool(0));
  await reclaim.enqueue(["k-now"], 1);
  await reclaim.enqueue(["k-later", "k-later"], 1, "", 500);
  expect((await reclaim.page(10, 0, 100)).map((r) => r.object_key)).toEqual(["k-now"]);
  expect((await reclaim.page(10, 0, 500)).map((r) => [r.object_key, r.not_before])).toEqual([
    ["k-later", 500],
    ["k-now", 0],
  ]);
  expect(await reclaim.forKey("k-later", 499)).toEqual([]);
  expect(await reclaim.count()).toBe(2);
});
