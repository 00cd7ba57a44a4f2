import { withFile } from "./file-handle";
import { fsyncDir } from "./local-io";
import { forgetFilesystem, syncFilesystem, watchFilesystem } from "./syncfs";

/**
 * Makes a batch durable: the bytes of every file in `files` and the names `dirs` hold, so
 * all of them survive a power cut once it resolves. Rejects when any of it could not be synced.
 */
export type SyncBatch = (files: readonly string[], dirs: ReadonlySet<string>) => Promise<void>;

interface Batch {
  files: string[];
  dirs: Set<string>;
  done: Promise<void>;
  settle: (error: unknown) => void;
}

/**
 * Group commit for the bytes of small writes. A write puts its file in place, then waits
 * here; writes that arrive while a batch is being synced form the next batch, which is made
 * durable with one sync when the running one ends. Under load N concurrent uploads cost about
 * one sync instead of 2N (file + directory each); alone, a write waits for one sync as before.
 */
export class DataSync {
  #collecting: Batch | null = null;
  #running = false;
  /** The batch being synced, while one is. */
  #current: Batch | null = null;
  /** Batches synced, for tests and benchmarks: proof that concurrent writes shared them. */
  batches = 0;

  /** How a batch is made durable; replaceable, so tests can record the order of syncs or make one fail. */
  syncBatch: SyncBatch;

  readonly #root: string;

  /** `root`: the store's directory; its filesystem is the one synced (when syncfs is used). */
  constructor(root: string) {
    this.#root = root;
    watchFilesystem(root);
    // One syncfs(2) of the filesystem when the platform has it (Linux): one journal commit for
    // the whole batch, however many files and directories it holds. Elsewhere every file is
    // fdatasync'ed and every directory fsynced, all at once.
    this.syncBatch = async (files, dirs) => {
      if (!(await syncFilesystem(root))) await syncEach(files, dirs);
    };
  }

  /** Lets go of the store's filesystem (its descriptor) once no batch is owed; no write comes after. */
  async close(): Promise<void> {
    // The batch gathering now runs after the one running: waiting for the later covers both.
    await (this.#collecting ?? this.#current)?.done.catch(() => {});
    await forgetFilesystem(this.#root);
  }

  /** Resolves once `file` (already named in `dir`) and its name are durable; rejects with its batch's failure. */
  durable(file: string, dir: string): Promise<void> {
    this.#collecting ??= newBatch();
    const batch = this.#collecting;
    batch.files.push(file);
    batch.dirs.add(dir);
    // Writes finishing in the same turn of the event loop join the batch before it starts.
    if (!this.#running && batch.files.length === 1) setImmediate(() => this.#startNext());
    return batch.done;
  }

  #startNext(): void {
    const batch = this.#collecting;
    if (this.#running || !batch) return;
    this.#collecting = null;
    this.#running = true;
    this.#current = batch;
    const end = (error: unknown) => {
      this.batches++;
      this.#running = false;
      this.#current = null;
      batch.settle(error);
      // The batch that gathered meanwhile fails too: a failed sync may have written back (and
      // lost) its bytes as well, and the error is reported once only.
      if (error !== null && this.#collecting) {
        this.#collecting.settle(error);
        this.#collecting = null;
        this.batches++;
      }
      this.#startNext();
    };
    Promise.resolve()
      .then(() => this.syncBatch(batch.files, batch.dirs))
      .then(
        () => end(null),
        (error) => end(error ?? new Error("sync failed")),
      );
  }
}

function newBatch(): Batch {
  let settle!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === null ? resolve() : reject(error));
  });
  return { files: [], dirs: new Set(), done, settle };
}

/** fdatasync of every file and fsync of every directory, issued together. */
export async function syncEach(files: readonly string[], dirs: ReadonlySet<string>): Promise<void> {
  await Promise.all([...files.map((file) => withFile(file, "r", (fh) => fh.datasync())), ...[...dirs].map(fsyncDir)]);
}
