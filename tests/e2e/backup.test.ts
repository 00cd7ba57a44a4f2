import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBase62 } from "../../src/lib/ids";
import { bytesAtTx, filesOf, fullLog, stateAt, versionsAt, versionsOf, writeWhile } from "../fixtures/backup-load";
import { cleanupE2E, ensureBinary, makeTempDir, type RunningServer, runCli, startServer } from "../fixtures/binary";

// Real processes, 16 writers and a backup on a busy 2-core machine.
setDefaultTimeout(180_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

const masterOf = (server: RunningServer): string =>
  JSON.parse(readFileSync(server.configPath, "utf8")).authorization.token;
const folders = Array.from({ length: 16 }, (_, c) => `c${c}/`);
const archiveIn = (dir: string) => join(dir, readdirSync(dir).find((name) => name.endsWith(".tar")) as string);

/** A server that has taken 16 writers' changes, and an archive taken while they wrote. */
async function backupUnderLoad() {
  // Every version the writers make stays within retention, so all of them are compared.
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { enabled: true, token: `lightd_${randomBase62(40)}` },
      storage: { backend: "local", dir: "data" },
      versions: { keep_days: 30, keep_count: 100_000 },
      // The writers send far more than the token's limit (100 requests/s after a burst of
      // 1,200) while the backup runs; what is tested here is the archive, not the limit.
      rate_limits: { enabled: false },
    }),
  );
  const server = await startServer({ dir });
  const token = masterOf(server);
  const archives = makeTempDir();
  let backupDone!: () => void;
  const stop = new Promise<void>((resolve) => {
    backupDone = resolve;
  });
  const writing = writeWhile(server.url, token, 16, stop);
  // The backup starts once every writer has committed a few changes, and they keep going.
  while ((await fullLog(server.url, token)).length < 64) await Bun.sleep(20);
  const backup = await runCli(["backup", "--to", archives, "--config", server.configPath], { timeoutMs: 120_000 });
  backupDone();
  const changes = await writing;
  expect(backup.stderr).not.toContain('"level":"error"');
  expect(backup.code).toBe(0);
  return { server, token, changes, archive: archiveIn(archives) };
}

describe("lightd backup / restore on the compiled binary", () => {
  test("an archive taken while 16 clients write restores to exactly the state at its snapshot", async () => {
    const { server, token, changes, archive } = await backupUnderLoad();
    const originalLog = await fullLog(server.url, token);
    const paths = [...new Set(changes.map((change) => change.path))].sort();
    const originalVersions = await versionsOf(server.url, token, paths);
    await server.stop();

    const verified = await runCli(["backup", "--verify", archive], { timeoutMs: 60_000 });
    expect(verified.stderr).toBe("");
    expect(verified.stdout).toContain("OK");

    const target = makeTempDir();
    const restored = await runCli(["restore", "--from", archive, "--config", join(target, "config.json")], {
      timeoutMs: 120_000,
    });
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(statSync(join(target, "config.json")).mode & 0o777).toBe(0o600);

    const copy = await startServer({ dir: target });
    expect(masterOf(copy)).toBe(token);
    const log = await fullLog(copy.url, token);
    const lastTx = log.at(-1)?.tx ?? 0;
    // The snapshot fell between writes: some changes are in it, some came after.
    expect(lastTx).toBeGreaterThan(0);
    expect(lastTx).toBeLessThan(originalLog.at(-1)?.tx ?? 0);
    // Every log event up to the snapshot, identical; none after it.
    expect(log).toEqual(originalLog.filter((event) => event.tx <= lastTx));
    // Every file the changes left at that tx, with its exact bytes.
    const files = await filesOf(copy.url, token, folders);
    expect(files.size).toBeGreaterThan(0);
    expect(Object.fromEntries(files)).toEqual(Object.fromEntries(stateAt(changes, lastTx)));
    // Every version as it stood at the snapshot: same tx, size, etag, type, time and end ...
    const versions = await versionsOf(copy.url, token, paths);
    const expected = new Map([...originalVersions].map(([path, list]) => [path, versionsAt(list, lastTx)]));
    expect(Object.fromEntries(versions)).toEqual(Object.fromEntries(expected));
    // ... and each one's bytes, by tx, exactly the bytes written then.
    const written = new Map(changes.map((change) => [change.tx, change]));
    let compared = 0;
    for (const [path, list] of versions) {
      for (const version of list) {
        const change = written.get(version.tx);
        expect({ path, tx: version.tx, written: change?.path }).toEqual({ path, tx: version.tx, written: path });
        expect(await bytesAtTx(copy.url, token, path, version.tx)).toBe(change?.sha256 as string);
        compared++;
      }
    }
    // The writers overwrite and delete: there is history beyond the current files.
    expect(compared).toBeGreaterThan(files.size);
  });

  test("restore refuses a non-empty data dir and a truncated archive, and leaves nothing behind", async () => {
    const { server, archive } = await backupUnderLoad();
    await server.stop();

    const busy = makeTempDir();
    mkdirSync(join(busy, "data"));
    writeFileSync(join(busy, "data", "keep.txt"), "mine");
    const refused = await runCli(["restore", "--from", archive, "--config", join(busy, "config.json")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
    expect(readdirSync(join(busy, "data"))).toEqual(["keep.txt"]);

    truncateSync(archive, Math.floor(statSync(archive).size * 0.6));
    const verify = await runCli(["backup", "--verify", archive]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/^lightd: the archive is truncated/);
    const fresh = makeTempDir();
    const cut = await runCli(["restore", "--from", archive, "--config", join(fresh, "config.json")]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^lightd: the archive is truncated/);
    expect(readdirSync(fresh)).toEqual([]);
  });

  test("--passphrase-file encrypts: the right passphrase restores, a wrong or missing one and a cut archive are refused", async () => {
    const server = await startServer();
    const token = masterOf(server);
    for (const name of ["a.txt", "b/c.txt"]) {
      const put = await fetch(`${server.url}/files/${name}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
        body: `secret contents of ${name}`,
      });
      expect(put.status).toBe(200);
    }
    // Larger than one write batch: restoring it hashes on the worker thread, in a process
    // that has nothing else keeping it alive.
    const bigBody = new Uint8Array(3 * 1024 * 1024 + 17).fill(42);
    crypto.getRandomValues(bigBody.subarray(0, 65536));
    const bigPut = await fetch(`${server.url}/files/big.bin`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: bigBody,
    });
    expect(bigPut.status).toBe(200);
    const dir = makeTempDir();
    writeFileSync(join(dir, "pass"), "correct horse battery staple\n");
    writeFileSync(join(dir, "wrong"), "Tr0ub4dor&3\n");
    const backup = await runCli(
      [
        "backup",
        "--to",
        join(dir, "site.tar.enc"),
        "--passphrase-file",
        join(dir, "pass"),
        "--config",
        server.configPath,
      ],
      { timeoutMs: 60_000 },
    );
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain("encrypted");
    const archive = join(dir, "site.tar.enc");
    const bytes = readFileSync(archive);
    expect(bytes.indexOf(token)).toBe(-1);
    expect(bytes.indexOf("secret contents")).toBe(-1);

    const restoreWith = (passFile: string | null, from = archive) =>
      runCli(
        ["restore", "--from", from, "--config", join(makeTempDir(), "config.json")].concat(
          passFile ? ["--passphrase-file", join(dir, passFile)] : [],
        ),
        { timeoutMs: 60_000 },
      );
    const missing = await restoreWith(null);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("the archive is encrypted: give its passphrase with --passphrase-file");
    const wrong = await restoreWith("wrong");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong passphrase");
    writeFileSync(join(dir, "cut.tar.enc"), bytes.subarray(0, bytes.byteLength - 100));
    const cut = await restoreWith("pass", join(dir, "cut.tar.enc"));
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain("the archive is truncated");

    const verified = await runCli(["backup", "--verify", archive, "--passphrase-file", join(dir, "pass")], {
      timeoutMs: 60_000,
    });
    expect(verified.stdout).toContain("OK");
    const target = makeTempDir();
    const restored = await runCli(
      ["restore", "--from", archive, "--config", join(target, "config.json"), "--passphrase-file", join(dir, "pass")],
      { timeoutMs: 60_000 },
    );
    expect(restored.code).toBe(0);
    const copy = await startServer({ dir: target });
    const file = await fetch(`${copy.url}/files/b/c.txt`, { headers: { authorization: `Bearer ${token}` } });
    expect(await file.text()).toBe("secret contents of b/c.txt");
    const bigBack = await fetch(`${copy.url}/files/big.bin`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.from(await bigBack.arrayBuffer()).equals(Buffer.from(bigBody))).toBe(true);
  });
});
