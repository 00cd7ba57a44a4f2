/**
 * syncfs(2) through libc, on a worker thread of its own: the call blocks until the whole
 * filesystem is on disk, which must not stall the thread that serves requests, and a
 * dedicated thread never waits behind other file work for a free slot.
 */

// Plain JS with no imports, started from a Blob URL: it works the same from source and
// from the single compiled executable. It answers `{ id, errno }` (0 when synced) or
// `{ id, unsupported }` when this platform has no syncfs.
const WORKER_SOURCE = `
let libc = null;
let unsupported = "";
// Before Linux 5.8 syncfs returned 0 even when writing some data back failed: a lost error
// there would be a lost upload, so older kernels sync file by file (fdatasync reports it).
const [major, minor] = require("node:os").release().split(".").map(Number);
if (process.platform !== "linux" || major < 5 || (major === 5 && minor < 8)) unsupported = "syncfs does not report errors here";
else try {
  const { dlopen, FFIType } = require("bun:ffi");
  libc = dlopen("libc.so.6", {
    syncfs: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
} catch (error) {
  unsupported = String(error);
}
const fs = require("node:fs");
const { read } = unsupported ? {} : require("bun:ffi");
// One descriptor per store, kept open: syncfs reports every write-back error of the
// filesystem since the previous call on the same descriptor, even one another process saw first.
const fds = new Map();
self.onmessage = (event) => {
  const { id, path, forget } = event.data;
  let fd = fds.get(path);
  if (forget) {
    fds.delete(path);
    try {
      if (fd !== undefined) fs.closeSync(fd);
    } catch {}
    return postMessage({ id, errno: 0 });
  }
  try {
    if (fd === undefined && libc) fds.set(path, (fd = fs.openSync(path, "r")));
  } catch (error) {
    return id && postMessage({ id, errno: -1, message: String(error), code: error.code });
  }
  if (!id) return;
  if (!libc) return postMessage({ id, unsupported });
  const rc = libc.syncfs(fd);
  postMessage({ id, errno: rc === 0 ? 0 : read.i32(libc.__errno_location(), 0) });
};
`;

/** errno values syncfs(2) documents, by name (Linux numbering: the only platform with syncfs). */
const ERRNO: Record<number, string> = { 5: "EIO", 9: "EBADF", 28: "ENOSPC", 122: "EDQUOT" };

type Reply = { id: number; errno?: number; unsupported?: string; message?: string; code?: string };
type RefWorker = Worker & { ref(): void; unref(): void };

let worker: RefWorker | null = null;
/** False once the worker said this platform has no syncfs: callers then sync file by file. */
let available = true;
let nextId = 1;
const owed = new Map<number, { resolve: (synced: boolean) => void; reject: (error: Error) => void }>();

function syncWorker(): RefWorker {
  if (worker) return worker;
  const started = new Worker(
    URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" })),
  ) as RefWorker;
  started.onmessage = (event: MessageEvent<Reply>) => {
    const { id, errno, unsupported, message, code } = event.data;
    const reply = owed.get(id);
    owed.delete(id);
    // Idle, it never keeps the process alive; one that owes an answer does.
    if (owed.size === 0) started.unref();
    if (!reply) return;
    if (unsupported !== undefined) {
      available = false;
      return reply.resolve(false);
    }
    if (errno === 0) return reply.resolve(true);
    const name = code ?? ERRNO[errno as number] ?? `errno ${errno}`;
    reply.reject(Object.assign(new Error(message ?? `syncfs failed: ${name}`), { code: name }));
  };
  started.onerror = (event) => {
    // Every sync in flight fails (its writes are refused); the next one starts a new worker.
    const error = new Error(`syncfs failed: ${event.message}`);
    for (const reply of owed.values()) reply.reject(error);
    owed.clear();
    if (worker === started) worker = null;
    started.terminate();
  };
  worker = started;
  return started;
}

/**
 * Opens the descriptor later syncs of `path` use, before anything is written there: from
 * then on no write-back error of its filesystem goes unreported.
 */
export function watchFilesystem(path: string): void {
  if (!available) return;
  syncWorker().postMessage({ path });
}

/**
 * Closes the descriptor `watchFilesystem` opened for `path` (a store that is closed must not
 * keep its filesystem busy: it could not be unmounted). Resolves once it is closed.
 */
export function forgetFilesystem(path: string): Promise<void> {
  if (worker === null) return Promise.resolve();
  const id = nextId++;
  const answer = new Promise<boolean>((resolve, reject) => owed.set(id, { resolve, reject }));
  worker.ref();
  worker.postMessage({ id, path, forget: true });
  return answer.then(() => undefined);
}

/**
 * Syncs the filesystem holding `path`: true once everything written to it before the call
 * is durable, false when this platform has no syncfs (nothing was done). Rejects with the
 * error syncfs reported (EIO: some data could not be written back).
 */
export function syncFilesystem(path: string): Promise<boolean> {
  if (!available) return Promise.resolve(false);
  const id = nextId++;
  const answer = new Promise<boolean>((resolve, reject) => owed.set(id, { resolve, reject }));
  const target = syncWorker();
  target.ref();
  target.postMessage({ id, path });
  return answer;
}
