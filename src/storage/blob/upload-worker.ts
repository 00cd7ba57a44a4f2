/**
 * The upload thread: one shared worker that hashes (SHA-256) the bytes of large uploads, so
 * the thread that receives requests spends on a large upload little more than the time to
 * receive it. Each upload hands its bytes over in a ring of slots in a SharedArrayBuffer
 * (./upload-ring.ts), which the thread pool writes to disk at the same time. Messages are
 * handled in the order sent, so each upload's slots are hashed in order.
 */

// Plain JS started from a Blob URL: it works the same from source and from the single
// compiled executable.
const WORKER_SOURCE = `
const uploads = new Map();
self.onmessage = ({ data }) => {
  const { id, op } = data;
  if (op === "drop") return void uploads.delete(id);
  let upload = uploads.get(id);
  if (!upload) uploads.set(id, (upload = { hash: new Bun.CryptoHasher("sha256"), ring: null }));
  if (data.ring) upload.ring = new Uint8Array(data.ring);
  if (op === "hash") {
    upload.hash.update(upload.ring.subarray(data.offset, data.offset + data.length));
    postMessage({ id });
  } else if (op === "digest") {
    uploads.delete(id);
    postMessage({ id, digest: upload.hash.digest("hex") });
  }
};
`;

type Reply = { resolve: (digest: string | undefined) => void; reject: (error: Error) => void };
type WorkerReply = { id: number; digest?: string };
type RefWorker = Worker & { ref(): void; unref(): void };

let worker: RefWorker | null = null;
let nextId = 1;
/** Per upload, the replies still owed, oldest first (the worker answers each upload in order). */
const owed = new Map<number, Reply[]>();
/** Replies owed across all uploads: while any is, the worker keeps the process alive. */
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

function uploadWorker(): RefWorker {
  if (worker) return worker;
  const started = new Worker(
    URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" })),
  ) as RefWorker;
  // Idle, it never keeps the process alive (an idle worker costs one thread and no CPU); see owe().
  started.unref();
  started.onmessage = (event: MessageEvent<WorkerReply>) => {
    const { id, digest } = event.data;
    settle(owed.get(id)?.shift())?.resolve(digest);
  };
  started.onerror = (event) => {
    // Every upload in flight fails (and is abandoned); the next upload starts a new worker.
    const error = new Error(`upload worker failed: ${event.message}`);
    for (const queue of owed.values()) for (const reply of queue.splice(0)) settle(reply)?.reject(error);
    owed.clear();
    if (worker === started) worker = null;
    started.terminate();
  };
  worker = started;
  return started;
}

function ask(message: { id: number; op: "hash" | "digest" } & Record<string, unknown>): Promise<string | undefined> {
  const reply = new Promise<string | undefined>((resolve, reject) => {
    const queue = owed.get(message.id) ?? [];
    queue.push({ resolve, reject });
    owed.set(message.id, queue);
  });
  const target = uploadWorker();
  owe(1);
  target.postMessage(message);
  // Marked as handled: whoever awaits it still sees a failure, an abandoned one is not an unhandled rejection.
  reply.catch(() => {});
  return reply;
}

/** One upload's conversation with the worker: slots of its ring to hash, then the digest. */
export class UploadJob {
  readonly #id = nextId++;
  #ring: SharedArrayBuffer | undefined;

  constructor(ring: SharedArrayBuffer) {
    this.#ring = ring;
  }

  /** Hashes `length` bytes of the ring from `offset`; resolves when the worker is done with them. */
  async hash(offset: number, length: number): Promise<void> {
    const ring = this.#ring;
    this.#ring = undefined; // sent once, with the first slot
    await ask({ id: this.#id, op: "hash", offset, length, ring });
  }

  /** The hex SHA-256 of every slot hashed. */
  async digest(): Promise<string> {
    const hex = await ask({ id: this.#id, op: "digest" });
    owed.delete(this.#id);
    if (hex === undefined) throw new Error("upload worker failed: no digest");
    return hex;
  }

  /** The upload failed: the worker forgets it. Call once the slots sent have settled. */
  drop(): void {
    owed.delete(this.#id);
    worker?.postMessage({ id: this.#id, op: "drop" });
  }
}
