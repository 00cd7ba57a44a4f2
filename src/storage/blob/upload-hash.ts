/**
 * SHA-256 of an upload, computed beside its disk writes. Hashing on the thread that
 * receives the body costs about as much as receiving it, so the batches of a large upload
 * go to one shared worker thread that hashes them in order while the request thread goes
 * on receiving and writing. A small upload (one batch) is hashed inline: a round trip to
 * the worker would cost more than hashing a few KiB.
 */

// Plain JS with no imports, started from a Blob URL: it works the same from source and
// from the single compiled executable.
const WORKER_SOURCE = `
const hashes = new Map();
self.onmessage = (event) => {
  const { id, op, chunks } = event.data;
  if (op === "update") {
    let hash = hashes.get(id);
    if (!hash) hashes.set(id, (hash = new Bun.CryptoHasher("sha256")));
    for (const chunk of chunks) hash.update(chunk);
    postMessage({ id });
  } else if (op === "digest") {
    const hash = hashes.get(id) ?? new Bun.CryptoHasher("sha256");
    hashes.delete(id);
    postMessage({ id, digest: hash.digest("hex") });
  } else if (op === "drop") hashes.delete(id);
};
`;

/** Batches a hash may have queued on the worker before the upload waits: bounds memory per upload. */
const MAX_QUEUED = 2;

type Reply = { resolve: (digest: string | undefined) => void; reject: (error: Error) => void };

type RefWorker = Worker & { ref(): void; unref(): void };

let worker: RefWorker | null = null;
let nextId = 1;
/** Per hash id, the replies still owed, oldest first (the worker answers each id in order). */
const owed = new Map<number, Reply[]>();
/** Replies owed across all ids: while any is, the worker keeps the process alive. */
let waiting = 0;

/**
 * An idle worker never keeps the process alive, but one that owes a reply must: a command
 * with nothing else pending (`lightd restore` writing an object) would otherwise exit
 * mid-write, the awaited digest never arriving.
 */
function owe(delta: number): void {
  const before = waiting;
  waiting += delta;
  if (before === 0 && waiting > 0) worker?.ref();
  else if (before > 0 && waiting === 0) worker?.unref();
}

function settle(reply: Reply | undefined): Reply | undefined {
  if (reply) owe(-1);
  return reply;
}

function hashWorker(): RefWorker {
  if (worker) return worker;
  const started = new Worker(
    URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" })),
  ) as RefWorker;
  // Idle, it never keeps the process alive (an idle worker costs one thread and no CPU); see owe().
  started.unref();
  started.onmessage = (event: MessageEvent<{ id: number; digest?: string }>) => {
    const queue = owed.get(event.data.id);
    settle(queue?.shift())?.resolve(event.data.digest);
  };
  started.onerror = (event) => {
    // Every hash in flight fails (its upload is refused); the next upload starts a new worker.
    const error = new Error(`upload hashing failed: ${event.message}`);
    for (const queue of owed.values()) for (const reply of queue.splice(0)) settle(reply)?.reject(error);
    owed.clear();
    if (worker === started) worker = null;
    started.terminate();
  };
  worker = started;
  return started;
}

function ask(id: number, message: { op: "update" | "digest"; chunks?: Uint8Array[] }): Promise<string | undefined> {
  const reply = new Promise<string | undefined>((resolve, reject) => {
    const queue = owed.get(id) ?? [];
    queue.push({ resolve, reject });
    owed.set(id, queue);
  });
  const target = hashWorker();
  owe(1);
  // Structured clone copies the chunks now: the caller may write and drop them at once.
  target.postMessage({ id, ...message });
  // Marked as handled: whoever awaits it still sees a failure, an abandoned one is not an unhandled rejection.
  reply.catch(() => {});
  return reply;
}

/** The hash of one upload, fed batch by batch in the order the bytes are written. */
export class UploadHash {
  readonly #inline = new Bun.CryptoHasher("sha256");
  #id: number | undefined;
  readonly #queued: Promise<unknown>[] = [];

  /** A batch with more to come: hashed on the worker; waits only when too many are queued. */
  async more(chunks: Uint8Array[]): Promise<void> {
    this.#id ??= nextId++;
    this.#queued.push(ask(this.#id, { op: "update", chunks }));
    if (this.#queued.length > MAX_QUEUED) await this.#queued.shift();
  }

  /** The last batch; resolves to the hex digest of everything fed. */
  async last(chunks: Uint8Array[]): Promise<string> {
    if (this.#id === undefined) {
      for (const chunk of chunks) this.#inline.update(chunk);
      return this.#inline.digest("hex");
    }
    if (chunks.length > 0) this.#queued.push(ask(this.#id, { op: "update", chunks }));
    const digest = ask(this.#id, { op: "digest" });
    await Promise.all(this.#queued.splice(0));
    const hex = await digest;
    owed.delete(this.#id);
    if (hex === undefined) throw new Error("upload hashing failed: no digest");
    return hex;
  }

  /** The upload failed: the worker forgets its state once the batches already sent are done. */
  abandon(): void {
    if (this.#id === undefined) return;
    const id = this.#id;
    Promise.allSettled(this.#queued.splice(0)).then(() => {
      owed.delete(id);
      worker?.postMessage({ id, op: "drop" });
    });
  }
}
