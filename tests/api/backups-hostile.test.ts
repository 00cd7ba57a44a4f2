import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ByteReader } from "../../src/modules/backups/byte-reader";
import { runBackupCommand, runRestoreCommand } from "../../src/modules/backups/cli";
import { hashBytes } from "../../src/modules/backups/hashing";
import type { Manifest } from "../../src/modules/backups/layout";
import { readTar } from "../../src/modules/backups/tar-reader";
import { TarWriter } from "../../src/modules/backups/tar-writer";
import { makeTestApp, type TestApp, writeConfigFile } from "../fixtures/harness";
import { scratchDirs } from "../fixtures/scratch";

/**
 * Hostile input to `lightd backup` and `lightd restore`: archive paths that are missing, a
 * folder, random bytes or someone else's tar; an archive whose database names object keys
 * that climb out of the store; targets that are files, missing folders or existing files.
 * Each is refused with one clear line and leaves nothing behind.
 */

let t: TestApp;
let work: string;
let archive: string;
const scratch = scratchDirs();
const io = { out: () => {}, version: "test" };
const configPath = () => join(t.dir, "config.json");

beforeAll(async () => {
  t = makeTestApp();
  writeConfigFile(t);
  for (const [path, body] of [
    ["a.txt", "alpha"],
    ["a.txt", "alpha two"],
    ["d/b.txt", "beta"],
  ]) {
    expect((await t.request("PUT", `/files/${path}`, { body })).status).toBe(200);
  }
  work = scratch.make("backup-hostile");
  mkdirSync(join(work, "archives"));
  expect(await runBackupCommand({ kind: "backup", to: join(work, "archives/") }, configPath(), io)).toBe(0);
  archive = join(work, "archives", readdirSync(join(work, "archives"))[0] as string);
});
afterAll(async () => {
  await t.close();
  scratch.remove();
});

/** The message `lightd` would print after "lightd: ", or null when the command succeeded. */
async function refusal(run: () => Promise<number>): Promise<string> {
  const error = await run().then(
    () => null,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

const restore = (from: string, config: string, dataDir?: string) =>
  refusal(() => runRestoreCommand({ kind: "restore", from, dataDir }, config, io));

/** A fresh, empty place to restore into; returns its config path. */
function freshTarget(): string {
  const dir = mkdtempSync(join(work, "target-"));
  return join(dir, "config.json");
}

async function entriesOf(path: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for await (const entry of readTar(new ByteReader(Bun.file(path).stream()))) {
    const parts: Uint8Array[] = [];
    for await (const chunk of entry.body) parts.push(chunk);
    out.push({ name: entry.name, bytes: Buffer.concat(parts) });
  }
  return out;
}

async function pack(path: string, entries: { name: string; bytes: Uint8Array }[]): Promise<string> {
  const parts: Uint8Array[] = [];
  const tar = new TarWriter({
    write: async (chunk) => void parts.push(chunk.slice()),
    close: async () => {},
    abort: async () => {},
  });
  for (const entry of entries) await tar.addBytes(entry.name, entry.bytes);
  await tar.finish();
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/**
 * A well-formed archive whose database renames one object to `key`, with its entry and
 * the manifest's hashes to match: only the key itself is wrong.
 */
async function archiveNaming(key: string): Promise<string> {
  const entries = await entriesOf(archive);
  const dbPath = join(mkdtempSync(join(work, "db-")), "lightd.db");
  writeFileSync(dbPath, entries.find((e) => e.name === "lightd.db")?.bytes as Uint8Array);
  const db = new Database(dbPath);
  const old = (db.query("SELECT object_key FROM files WHERE path = 'd/b.txt'").get() as { object_key: string })
    .object_key;
  db.query("UPDATE files SET object_key = ? WHERE object_key = ?").run(key, old);
  db.close();
  const dbBytes = readFileSync(dbPath);
  const manifestEntry = entries.find((e) => e.name === "manifest.json") as { bytes: Uint8Array };
  const manifest = JSON.parse(new TextDecoder().decode(manifestEntry.bytes)) as Manifest;
  manifest.metadata = { name: "lightd.db", ...hashBytes(dbBytes) };
  manifest.objects = manifest.objects.map((o) => (o.key === old ? { ...o, key } : o));
  const rewritten = entries.map((e) => {
    if (e.name === "lightd.db") return { name: e.name, bytes: new Uint8Array(dbBytes) };
    if (e.name === `objects/${old}`) return { name: `objects/${key}`, bytes: e.bytes };
    if (e.name === "manifest.json") return { name: e.name, bytes: new TextEncoder().encode(JSON.stringify(manifest)) };
    return e;
  });
  return pack(join(work, `naming-${readdirSync(work).length}.tar`), rewritten);
}

describe("restore --from refuses what is not a whole lightd archive", () => {
  test("a missing file, a folder, random bytes, someone else's tar", async () => {
    expect(await restore(join(work, "nope.tar"), freshTarget())).toContain("no such archive file");
    expect(await restore(work, freshTarget())).toContain("no such archive file");
    writeFileSync(join(work, "random.bin"), crypto.getRandomValues(new Uint8Array(4096)));
    expect(await restore(join(work, "random.bin"), freshTarget())).toBe("not a lightd backup archive");
    writeFileSync(join(work, "empty.bin"), "");
    expect(await restore(join(work, "empty.bin"), freshTarget())).toMatch(/not a lightd backup archive|truncated/);
    const foreign = await pack(join(work, "foreign.tar"), [
      { name: "etc/passwd", bytes: new TextEncoder().encode("root") },
    ]);
    expect(await restore(foreign, freshTarget())).toBe("not a lightd backup archive");
  });

  test("a database naming object keys outside the store: refused before a byte is written", async () => {
    for (const key of ["../../escaped", "a/b/c/d/e/f", "/etc/evil-object", "x".repeat(300), "short"]) {
      const hostile = await archiveNaming(key);
      const target = freshTarget();
      const message = await restore(hostile, target);
      expect({ key, message }).toEqual({
        key,
        message: expect.stringContaining("names an object lightd never stores"),
      });
      // Nothing restored: no config, no data dir, nothing beside the target.
      expect(readdirSync(join(target, ".."))).toEqual([]);
      expect(existsSync(join(work, "escaped"))).toBe(false);
    }
  });

  test("an entry that follows the manifest, or an object nothing references", async () => {
    const entries = await entriesOf(archive);
    const extra = await pack(join(work, "extra.tar"), [
      ...entries,
      { name: "objects/stowaway1", bytes: new Uint8Array(3) },
    ]);
    expect(await restore(extra, freshTarget())).toContain("follows the manifest");
    const smuggled = [...entries];
    smuggled.splice(3, 0, { name: "objects/../../stowaway", bytes: new Uint8Array(3) });
    const path = await pack(join(work, "smuggled.tar"), smuggled);
    expect(await restore(path, freshTarget())).toContain("is not one the metadata references");
    expect(existsSync(join(work, "stowaway"))).toBe(false);
  });
});

describe("restore refuses a target it would have to mix with", () => {
  test("a data dir that is a file, or under a file", async () => {
    const dir = mkdtempSync(join(work, "file-target-"));
    writeFileSync(join(dir, "plain"), "mine");
    expect(await restore(archive, join(dir, "config.json"), join(dir, "plain"))).toContain("is a file");
    expect(await restore(archive, join(dir, "plain", "config.json"))).toContain("cannot create the data dir");
    expect(readdirSync(dir)).toEqual(["plain"]);
    expect(readFileSync(join(dir, "plain"), "utf8")).toBe("mine");
  });

  test("a data dir that holds anything", async () => {
    const target = freshTarget();
    mkdirSync(join(target, "..", "data"));
    writeFileSync(join(target, "..", "data", "keep.txt"), "mine");
    expect(await restore(archive, target)).toContain("is not empty");
    expect(readdirSync(join(target, "..", "data"))).toEqual(["keep.txt"]);
  });
});

describe("backup --to refuses a target it cannot write whole", () => {
  const backup = (to: string, passphraseFile?: string) =>
    refusal(() => runBackupCommand({ kind: "backup", to, passphraseFile }, configPath(), io));

  test("a folder that does not exist, an existing file", async () => {
    expect(await backup(join(work, "missing", "deeper/"))).toContain("no such folder");
    expect(await backup(join(work, "missing", "file.tar"))).toContain("no such folder");
    expect(existsSync(join(work, "missing"))).toBe(false);
    writeFileSync(join(work, "taken.tar"), "not yours");
    expect(await backup(join(work, "taken.tar"))).toContain("never overwrites");
    expect(readFileSync(join(work, "taken.tar"), "utf8")).toBe("not yours");
  });

  test("a passphrase file that is missing or empty", async () => {
    expect(await backup(join(work, "archives/"), join(work, "no-pass"))).toContain("cannot read the passphrase file");
    writeFileSync(join(work, "empty-pass"), "\n");
    expect(await backup(join(work, "archives/"), join(work, "empty-pass"))).toContain("is empty");
    expect(readdirSync(join(work, "archives"))).toHaveLength(1);
  });
});
