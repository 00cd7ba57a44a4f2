import { afterAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, startServer } from "../fixtures/binary";

/**
 * Power-loss safety, checked the way a power cut would test it: only what was fsynced
 * survives one. The compiled server runs under strace, which records the order of its
 * writes, fsyncs, renames, unlinks and answers; for every upload and delete the trace must show
 * - the object's bytes and its name made durable before the metadata commit that points at
 *   them. A large upload gets its name from a rename of its temp file; a small one is created
 *   in place under its fresh key (src/storage/blob/local.ts). Durable means a syncfs of the
 *   store's filesystem that started after the rename, or after the last write of the file
 *   created in place (concurrent uploads share it, src/storage/blob/data-sync.ts); or, without
 *   syncfs, the file fdatasync'ed and its directory fsynced after that;
 * - the commit's last write to the metadata log (`lightd.db-wal`) followed by an fdatasync of
 *   that log before the 200 goes out;
 * - bytes a delete frees unlinked only after the commit that unreferenced them is on disk;
 * - a large upload's whole MiB written through its O_DIRECT descriptor before the rename, so
 *   the sync after the rename covers them (src/storage/blob/upload-ring.ts).
 * (That concurrent commits share one log fsync is shown in tests/unit/wal-sync.test.ts.)
 */

const dir = makeTempDir();
afterAll(cleanupE2E);

interface Call {
  /** Position in the trace where the call started and where it returned. */
  start: number;
  end: number;
  name: string;
  /** The call's arguments as strace printed them (fds with their paths, `-yy`). */
  args: string;
}

/** The calls of an `strace -f -yy` trace, with "unfinished"/"resumed" pairs joined up per thread. */
function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const open = new Map<string, Call>();
  text.split("\n").forEach((line, index) => {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>/.exec(line);
    if (resumed) {
      const call = open.get(resumed[1] as string);
      if (call) {
        call.end = index;
        open.delete(resumed[1] as string);
      }
      return;
    }
    const started = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!started) return;
    const call: Call = { start: index, end: index, name: started[2] as string, args: started[3] as string };
    calls.push(call);
    if (line.endsWith("<unfinished ...>")) open.set(started[1] as string, call);
  });
  return calls;
}

const TRACED =
  "fsync,fdatasync,syncfs,rename,renameat,renameat2,link,linkat,unlink,unlinkat,pwrite64,write,writev,sendto,sendmsg,openat,ftruncate";

test("every 200 of an upload or delete follows the fsyncs that make it survive a power cut", async () => {
  if (Bun.which("strace") === null) throw new Error("strace is required (apt-get install strace)");
  const tracePath = join(dir, "trace.txt");
  const token = "lightd_durable_order_test_token_0123456789";
  // Versioning off: a delete then gives its bytes back at once, which the trace must order.
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ authorization: { token }, storage: { dir: join(dir, "data") }, versions: { keep_count: 0 } }),
    { mode: 0o600 },
  );
  const server = await startServer({
    dir,
    // Whole pages (-s 8192): a commit's log write shows the rows it holds, so each concurrent
    // upload's own commit can be found in the trace.
    wrap: ["strace", "-f", "-qq", "-yy", "-s", "8192", "-e", `trace=${TRACED}`, "-o", tracePath],
  });
  const auth = { authorization: `Bearer ${token}` };
  const body = new Uint8Array(4096).fill(7);
  const put = (path: string) => fetch(`${server.url}/files/${path}`, { method: "PUT", headers: auth, body });
  try {
    // One request at a time first: everything between two answers belongs to the second.
    for (const path of ["one.bin", "two.bin", "three.bin"]) expect((await put(path)).status).toBe(200);
    expect((await fetch(`${server.url}/files/one.bin`, { method: "DELETE", headers: auth })).status).toBe(200);
    // Then concurrent uploads, whose trace interleaves.
    const concurrent = await Promise.all(Array.from({ length: 16 }, (_, i) => put(`many/f${i}.bin`)));
    expect(concurrent.map((r) => r.status)).toEqual(Array(16).fill(200));
    // Last, one upload of three whole MiB and a tail: the whole ones go past the page cache.
    const big = new Uint8Array(3 * 1024 * 1024 + 5).fill(9);
    expect((await fetch(`${server.url}/files/big.bin`, { method: "PUT", headers: auth, body: big })).status).toBe(200);
  } finally {
    // SIGTERM to strace would only detach it: stop the traced server itself, strace then exits.
    const children = readFileSync(`/proc/${server.proc.pid}/task/${server.proc.pid}/children`, "utf8").trim();
    for (const pid of children.split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGTERM");
    await server.proc.exited;
  }

  const calls = parseTrace(readFileSync(tracePath, "utf8"));
  /** The file (or socket) of a call's first argument, as `-yy` prints it: `7</path/to/file>`. */
  const firstArg = (c: Call) => /^\d+<([^>]*)>/.exec(c.args)?.[1] ?? "";
  const isWal = (c: Call) => firstArg(c).endsWith("/lightd.db-wal");
  const isSync = (c: Call) => c.name === "fdatasync" || c.name === "fsync";
  const storeSyncs = calls.filter((c) => c.name === "syncfs" && firstArg(c).includes("/blobs"));
  const walWrites = calls.filter((c) => (c.name === "pwrite64" || c.name === "write") && isWal(c));
  const walSyncs = calls.filter((c) => isSync(c) && isWal(c));
  const answers = calls.filter((c) => firstArg(c).startsWith("TCP:[") && c.args.includes("HTTP/1.1 200"));
  expect(answers.length).toBe(21);
  const renames = calls.filter(
    (c) => /^(rename|renameat2?|link|linkat)$/.test(c.name) && /\/blobs\/tmp\//.test(c.args),
  );
  /** Where `rename` put the object: its path in the store. */
  const targetOf = (rename: Call) =>
    [...rename.args.matchAll(/"([^"]+)"/g)]
      .map((m) => m[1] as string)
      .find((p) => !p.includes("/blobs/tmp/")) as string;
  /** Files created in place in a shard directory: `"<root>/blobs/ab/<key>", ...O_CREAT|O_EXCL`. */
  const creations = calls.filter(
    (c) =>
      c.name === "openat" && /O_CREAT/.test(c.args) && /O_EXCL/.test(c.args) && /\/blobs\/\w{2}\/\w+"/.test(c.args),
  );
  /**
   * How each object got its name: `end` is where its name and all its bytes were written
   * (the rename, or the last write to the file created in place); `tmp` is the temp file renamed.
   */
  interface Placement {
    target: string;
    start: number;
    end: number;
    tmp?: string;
  }
  const placements: Placement[] = [
    ...renames.map((r) => ({
      target: targetOf(r),
      start: r.start,
      end: r.end,
      tmp: /"([^"]*\/blobs\/tmp\/[^"]+)"/.exec(r.args)?.[1] as string,
    })),
    ...creations.map((open) => {
      const target = /"([^"]+)"/.exec(open.args)?.[1] as string;
      const writes = calls.filter((c) => /^(write|pwrite64|writev)$/.test(c.name) && firstArg(c) === target);
      return { target, start: open.start, end: Math.max(open.end, ...writes.map((w) => w.end)) };
    }),
  ].sort((a, b) => a.start - b.start);
  // The three sequential and sixteen concurrent 4 KiB uploads are created in place; the large one is renamed.
  expect(creations.length).toBe(19);
  expect(renames.length).toBe(1);
  // A file created in place is opened, written and closed, never truncated after (src/storage/blob/small-write.ts).
  const created = new Set(creations.map((open) => /"([^"]+)"/.exec(open.args)?.[1]));
  expect(calls.filter((c) => c.name === "ftruncate" && created.has(firstArg(c)))).toEqual([]);

  /** The log's newest write before `at` is followed by a log sync that finished before `at`. */
  const commitDurableBefore = (at: Call, after: number) => {
    const lastWrite = walWrites.filter((w) => w.start > after && w.end < at.start).at(-1);
    expect(lastWrite).toBeDefined();
    return walSyncs.some((s) => s.start > (lastWrite as Call).end && s.end < at.start);
  };
  /** The first sync of `path` (a file or directory) that started after position `after`. */
  const syncOf = (path: string, after: number) =>
    calls.find((c) => isSync(c) && c.start > after && c.args.includes(`${path}>`));
  /**
   * The first point after `placed` where the object and its name are durable: a syncfs of the
   * store that started after it; or its directory's fsync after it, with the bytes fdatasync'ed
   * before a rename or, for a file created in place, after it.
   */
  const durableAfter = (placed: Placement) => {
    const parent = placed.target.slice(0, placed.target.lastIndexOf("/"));
    const dirSync = syncOf(parent, placed.end);
    const bytesSync = placed.tmp
      ? calls.find((c) => isSync(c) && c.args.includes(`${placed.tmp}>`) && c.end < placed.start)
      : syncOf(placed.target, placed.end);
    const own = dirSync && bytesSync ? (dirSync.end > bytesSync.end ? dirSync : bytesSync) : undefined;
    const shared = storeSyncs.find((c) => c.start > placed.end);
    return [own, shared].filter((c): c is Call => c !== undefined).sort((a, b) => a.end - b.end)[0];
  };

  // Every object: its bytes and its name made durable after they were written, before the commit that names it.
  for (const placed of placements) {
    const durable = durableAfter(placed);
    expect(durable).toBeDefined();
    const key = placed.target.slice(placed.target.lastIndexOf("/") + 1);
    const commit = walWrites.find((w) => w.args.includes(key));
    expect(commit).toBeDefined();
    expect((durable as Call).end).toBeLessThan((commit as Call).start);
  }
  // Concurrent uploads shared the syncs of their bytes.
  expect(storeSyncs.length).toBeGreaterThan(0);
  expect(storeSyncs.length).toBeLessThan(placements.length);

  // The sequential uploads: bytes, directory, commit, log sync, answer — in that order.
  for (const [i, answer] of answers.slice(0, 3).entries()) {
    const after = i === 0 ? -1 : (answers[i - 1] as Call).end;
    const placed = placements.find((p) => p.start > after && p.end < answer.start) as Placement;
    const durable = durableAfter(placed) as Call;
    const commit = walWrites.find((w) => w.start > placed.end) as Call;
    expect(durable.end).toBeLessThan(commit.start);
    expect(commitDurableBefore(answer, after)).toBe(true);
  }

  // The delete: committed, the commit synced, and only then the freed bytes unlinked and the answer sent.
  const deleteAnswer = answers[3] as Call;
  const unlinks = calls.filter(
    (c) =>
      /^unlink(at)?$/.test(c.name) &&
      /\/blobs\/[0-9A-Za-z_-]{2}\//.test(c.args) &&
      c.start > (answers[2] as Call).end &&
      c.end < deleteAnswer.start,
  );
  expect(unlinks.length).toBeGreaterThan(0);
  for (const unlink of unlinks) expect(commitDurableBefore(unlink, (answers[2] as Call).end)).toBe(true);
  expect(commitDurableBefore(deleteAnswer, (answers[2] as Call).end)).toBe(true);

  // The concurrent uploads: none may go out before some log sync after its own batch began.
  const concurrentAnswers = answers.slice(4, 20);
  for (const answer of concurrentAnswers) {
    expect(walSyncs.some((s) => s.start > (answers[3] as Call).end && s.end < answer.start)).toBe(true);
  }
  // And each one's own commit — the first log write holding its path, whichever batch of units
  // of work it shared a transaction with — is followed by a log sync that ended before its 200.
  for (const answer of concurrentAnswers) {
    // strace escapes the quotes of the JSON body: \"path\":\"many/f3.bin\"
    const path = /\\?"path\\?":\\?"(many\/f\d+\.bin)/.exec(answer.args)?.[1];
    expect(path).toBeDefined();
    const commit = walWrites.find((w) => w.args.includes(path as string));
    expect(commit).toBeDefined();
    expect(commit && commit.end < answer.start).toBe(true);
    expect(walSyncs.some((s) => s.start > (commit as Call).end && s.end < answer.start)).toBe(true);
  }

  // The large upload: its temp file was opened a second time with O_DIRECT, and its three whole
  // MiB were written before the rename; the checks above then find the store's sync after that
  // rename and before the commit, and the log's sync before the answer.
  const bigAnswer = answers[20] as Call;
  const bigRename = renames.find((r) => r.start > (answers[19] as Call).end && r.end < bigAnswer.start) as Call;
  expect(bigRename).toBeDefined();
  const tmp = /"([^"]*\/blobs\/tmp\/[^"]+)"/.exec(bigRename.args)?.[1] as string;
  const directOpens = calls.filter(
    (c) => c.name === "openat" && c.args.includes(`"${tmp}"`) && /O_DIRECT\b/.test(c.args),
  );
  expect(directOpens.length).toBe(1);
  const directFd = /\) = (\d+)/.exec((directOpens[0] as Call).args)?.[1];
  expect(directFd).toBeDefined();
  const slotWrites = calls.filter(
    (c) => c.name === "pwrite64" && c.args.startsWith(`${directFd}<${tmp}>`) && /, 1048576, \d+\b/.test(c.args),
  );
  expect(slotWrites.length).toBe(3);
  for (const write of slotWrites) expect(write.end).toBeLessThan(bigRename.start);
  expect(commitDurableBefore(bigAnswer, (answers[19] as Call).end)).toBe(true);
}, 120_000);
