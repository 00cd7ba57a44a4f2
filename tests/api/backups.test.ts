import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBase62 } from "../../src/lib/ids";
import { restoreArchive } from "../../src/modules/backups/restore";
import { startBackupSchedule } from "../../src/modules/backups/schedule";
import { openArchiveSource } from "../../src/modules/backups/targets";
import { verifyArchive } from "../../src/modules/backups/verify";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { type Backend, forEachBackend, LOCAL } from "../fixtures/backends";
import { pollUntil } from "../fixtures/binary";
import { MASTER, makeTestApp, type TestApp, writeConfigFile } from "../fixtures/harness";
import { scratchDirs } from "../fixtures/scratch";
import { testUnless } from "../fixtures/skip";

/**
 * POST/GET /admin/backups on both byte stores: an archive of the running app (to a local
 * directory, or to s3://bucket/prefix for the S3 store), its retention, who may ask, and a
 * restore of it into a fresh data dir (and a fresh key_prefix) that serves the same bytes.
 */
// Archives, scrypt-free but with real S3 round trips, on a busy machine.
setDefaultTimeout(60_000);
const apps: TestApp[] = [];
const scratch = scratchDirs();
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  scratch.remove();
});

interface Backup {
  id: string;
  path: string;
  status: string;
  files: number;
  bytes: number;
  started_at: number;
  finished_at: number | null;
}

/** An app whose config.json exists on disk (the archive carries it), backing up to `to`. */
function appWithBackups(
  backend: Backend,
  to: (t: { dir: string; storage: Record<string, unknown> }) => string | undefined,
  every?: string,
) {
  const storage = backend.storage();
  const probe = scratch.make("backups");
  const target = to({ dir: probe, storage });
  const config = { storage, backups: { ...(target ? { to: target } : {}), keep: 2, ...(every ? { every } : {}) } };
  const t = makeTestApp({ backend: { ...backend, storage: () => storage }, config });
  writeConfigFile(t, config);
  apps.push(t);
  return { t, target };
}

const backupTarget = (backend: Backend) => (t: { dir: string; storage: Record<string, unknown> }) => {
  if (backend.kind === "local") return t.dir;
  const s3 = t.storage.s3 as { bucket: string };
  return `s3://${s3.bucket}/backups-${randomBase62(8)}/`;
};

forEachBackend((backend) => {
  test("who may run and list backups: anonymous 401, non-admin 403, admin scope required", async () => {
    const { t } = appWithBackups(backend, backupTarget(backend));
    for (const method of ["GET", "POST"]) {
      expect((await t.request(method, "/admin/backups", { token: null })).status).toBe(401);
      const user = await registerAndLogin(t, naclSigner(`user-${method.toLowerCase()}`));
      const denied = await t.request(method, "/admin/backups", { token: user });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: string }).error).toBe("forbidden");
    }
    const readOnly = await createKey(t, MASTER, { scopes: ["files:read"] });
    expect((await t.request("POST", "/admin/backups", { token: readOnly.token })).status).toBe(403);
  });

  test("without backups.to, POST answers 409 naming the setting", async () => {
    const { t } = appWithBackups(backend, () => undefined);
    const res = await t.request("POST", "/admin/backups");
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain("backups.to");
  });

  test("POST runs one now; GET lists it; keep removes the oldest; the archive verifies and restores", async () => {
    const { t, target } = appWithBackups(backend, backupTarget(backend));
    const files: Record<string, string> = {
      "a.txt": "alpha",
      "docs/b.bin": "b".repeat(100_000),
      "docs/c.txt": "gamma",
    };
    for (const [path, body] of Object.entries(files)) {
      expect((await t.request("PUT", `/files/${path}`, { body })).status).toBe(200);
    }
    const runs: Backup[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.request("POST", "/admin/backups");
      expect(res.status).toBe(201);
      runs.push((await res.json()) as Backup);
    }
    const last = runs[2] as Backup;
    expect(last).toMatchObject({ status: "done", files: 3 });
    expect(last.bytes).toBeGreaterThan(100_000);
    expect(last.finished_at).toBeGreaterThanOrEqual(last.started_at);
    expect(last.path.startsWith(backend.kind === "local" ? (target as string) : "s3://")).toBe(true);

    const listed = (await (await t.request("GET", "/admin/backups")).json()) as { backups: Backup[] };
    expect(listed.backups.map((b) => b.id)).toEqual(runs.map((r) => r.id).reverse());
    if (backend.kind === "local")
      expect(readdirSync(target as string).filter((n) => n.endsWith(".tar")).length).toBe(2);

    const s3 = t.ctx.config.current.storage.s3;
    const archive = await openArchiveSource(s3, last.path);
    expect((await verifyArchive(archive)).files).toBe(3);
    const fresh = scratch.make("restore");
    if (s3) {
      // The restored server's bytes go to a new key_prefix of the same bucket.
      writeFileSync(
        join(fresh, "config.json"),
        JSON.stringify({ storage: { backend: "s3", s3: { ...s3, key_prefix: `restored-${randomBase62(8)}/` } } }),
      );
    }
    const restored = await restoreArchive(await openArchiveSource(s3, last.path), {
      configPath: join(fresh, "config.json"),
      now: Date.now,
    });
    expect(restored.files).toBe(3);
    const copy = makeTestApp({
      backend,
      dataDir: restored.dataDir,
      config: s3 ? { storage: JSON.parse(await Bun.file(join(fresh, "config.json")).text()).storage } : {},
    });
    apps.push(copy);
    for (const [path, body] of Object.entries(files)) {
      const res = await copy.request("GET", `/files/${path}`);
      expect(res.status).toBe(302);
      expect(await (await copy.follow(res.headers.get("location") as string)).text()).toBe(body);
    }
    // The restored server lists the backup it came from as done.
    const history = (await (await copy.request("GET", "/admin/backups")).json()) as { backups: Backup[] };
    expect(history.backups[0]).toMatchObject({ id: last.id, status: "done", files: 3 });
  });

  test("older versions and deleted files travel with the archive: the restored server serves them", async () => {
    const { t } = appWithBackups(backend, backupTarget(backend));
    const put = async (path: string, body: string) => {
      const res = await t.request("PUT", `/files/${path}`, { body });
      expect(res.status).toBe(200);
      return ((await res.json()) as { tx: number }).tx;
    };
    const first = await put("a.txt", "version one");
    await put("a.txt", "version two");
    const gone = await put("gone.txt", "deleted, in the trash");
    expect((await t.request("DELETE", "/files/gone.txt")).status).toBe(200);
    const run = (await (await t.request("POST", "/admin/backups")).json()) as Backup;
    // Three objects: the current a.txt, its first version, the deleted file.
    expect(run).toMatchObject({ status: "done", files: 3 });
    const s3 = t.ctx.config.current.storage.s3;
    expect((await verifyArchive(await openArchiveSource(s3, run.path))).files).toBe(3);
    const fresh = scratch.make("restore");
    if (s3) {
      writeFileSync(
        join(fresh, "config.json"),
        JSON.stringify({ storage: { backend: "s3", s3: { ...s3, key_prefix: `restored-${randomBase62(8)}/` } } }),
      );
    }
    const restored = await restoreArchive(await openArchiveSource(s3, run.path), {
      configPath: join(fresh, "config.json"),
      now: Date.now,
    });
    const copy = makeTestApp({
      backend,
      dataDir: restored.dataDir,
      config: s3 ? { storage: JSON.parse(await Bun.file(join(fresh, "config.json")).text()).storage } : {},
    });
    apps.push(copy);
    const download = async (url: string) => {
      const res = await copy.request("GET", url);
      expect(res.status).toBe(302);
      return (await copy.follow(res.headers.get("location") as string)).text();
    };
    expect(await download("/files/a.txt")).toBe("version two");
    expect(await download(`/files/a.txt?tx=${first}`)).toBe("version one");
    expect(await download(`/files/gone.txt?tx=${gone}`)).toBe("deleted, in the trash");
  });

  testUnless(backend.kind === "s3" ? null : "a bucket prefix exists only on S3")(
    "a restore onto a bucket prefix that holds objects is refused",
    async () => {
      const { t } = appWithBackups(backend, backupTarget(backend));
      expect((await t.request("PUT", "/files/x.txt", { body: "x" })).status).toBe(200);
      const run = (await (await t.request("POST", "/admin/backups")).json()) as Backup;
      const s3 = t.ctx.config.current.storage.s3;
      const fresh = scratch.make("restore");
      // The live server's own prefix: it holds objects.
      writeFileSync(join(fresh, "config.json"), JSON.stringify({ storage: { backend: "s3", s3 } }));
      const refused = await restoreArchive(await openArchiveSource(s3, run.path), {
        configPath: join(fresh, "config.json"),
        now: Date.now,
      }).catch((e: Error) => e);
      expect((refused as Error).message).toContain("already holds objects");
      expect(readdirSync(fresh)).toEqual(["config.json"]);
    },
  );
});

describe("the reclaim hold", () => {
  test("while a backup holds it, replaced bytes stay in the store; after, they go", async () => {
    // Versioning off: replaced bytes are then unreferenced at once (a version would keep them).
    const t = makeTestApp({ config: { versions: { keep_count: 0 } } });
    apps.push(t);
    const keys = async () => {
      const out: string[] = [];
      for await (const { key } of t.ctx.blobs.listObjects()) out.push(key);
      return out;
    };
    expect((await t.request("PUT", "/files/a.txt", { body: "one" })).status).toBe(200);
    const [first] = await keys();
    const until = Date.now() + 60_000;
    await t.ctx.metadata.write((tx) => tx.holds.hold("test", until));
    expect((await t.request("PUT", "/files/a.txt", { body: "two" })).status).toBe(200);
    await t.ctx.reclaimer.drain();
    await t.ctx.reclaimer.collect(Date.now() + 1);
    expect(await keys()).toContain(first as string);
    await t.ctx.metadata.write((tx) => tx.holds.release("test"));
    await t.ctx.reclaimer.drain();
    expect(await keys()).not.toContain(first as string);
  });
});

describe("scheduled backups", () => {
  test("with backups.every, backups run by themselves and only `keep` archives stay", async () => {
    const { t, target } = appWithBackups(LOCAL, (probe) => probe.dir, "1s");
    expect((await t.request("PUT", "/files/a.txt", { body: "alpha" })).status).toBe(200);
    const stop = startBackupSchedule(t.ctx.backups, () => t.ctx.config.current, t.ctx.logger);
    const done = async () => (await t.ctx.backups.list()).filter((b) => b.status === "done").length;
    expect(await pollUntil(async () => (await done()) >= 3, 50_000)).toBe(true);
    stop();
    expect(await pollUntil(async () => (await t.ctx.backups.list())[0]?.status !== "running", 20_000)).toBe(true);
    expect(readdirSync(target as string).filter((n) => n.endsWith(".tar")).length).toBe(2);
  });
});
