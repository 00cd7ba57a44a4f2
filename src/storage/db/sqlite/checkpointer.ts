/**
 * Checkpoints of the metadata log on a thread of their own. SQLite's own checkpoint runs
 * inside the COMMIT that fills the log past 1,000 pages: it copies the log into the database
 * file and fsyncs both, blocking the thread that serves requests for 2–50 ms each time.
 * Here a worker with its own connection does the same work while that thread goes on
 * receiving and writing uploads.
 *
 * SqliteMetadata holds new commits back while a checkpoint runs (a unit of work waits, the
 * thread does not), so the checkpoint copies the whole log and the next commit starts the log
 * over from its beginning: the log stays short (CHECKPOINT_PAGES, below). The worker's
 * connection syncs like every other (`synchronous = NORMAL`: the log before it is copied, the
 * database file after), so a power cut during or after a checkpoint loses nothing.
 */

// Plain JS with no imports, started from a Blob URL: it works the same from source and from
// the single compiled executable. Answers `{ id, log }` (pages the log held) or `{ id, error }`.
// Its connection lives for one checkpoint only (opening one costs far less than the
// checkpoint), so the worker holds nothing of the database between checkpoints and can be
// stopped at any time.
const WORKER_SOURCE = `
const { Database } = require("bun:sqlite");
self.onmessage = (event) => {
  const { id, path } = event.data;
  let db = null;
  try {
    db = new Database(path);
    db.run("PRAGMA busy_timeout = 5000");
    db.run("PRAGMA synchronous = NORMAL");
    const row = db.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0];
    postMessage({ id, log: row[1] });
  } catch (error) {
    postMessage({ id, error: String(error) });
  } finally {
    try { db?.close(); } catch {}
  }
};
`;

/**
 * Pages the log may hold before a checkpoint starts (16 MiB at 4 KiB pages). Commits wait
 * while one runs: 9-12 ms at 1,000 pages, 10-15 ms at 4,000, about half of it the fsyncs
 * of the log and the database file. At SQLite's own 1,000 pages, 4 KiB uploads at full
 * rate (32 connections) waited 11-16 % of the time; at 4,000, 3-5 %.
 * Pages written again and again (the folder rows, the space's counter, index pages) are
 * copied once per checkpoint, so fewer checkpoints also copy less.
 */
export const CHECKPOINT_PAGES = 4000;

type Reply = { id: number; log?: number; error?: string };
type RefWorker = Worker & { ref(): void; unref(): void };

export class Checkpointer {
  #worker: RefWorker | null = null;
  #nextId = 1;
  readonly #owed = new Map<number, { resolve: (reply: Reply) => void }>();
  /** Commits since the last checkpoint, and how many of them fill the log to CHECKPOINT_PAGES. */
  #commits = 0;
  #every = 16;

  constructor(private readonly dbPath: string) {}

  /** Notes a commit; true when the log is due for a checkpoint. */
  committed(): boolean {
    this.#commits++;
    return this.#commits >= this.#every;
  }

  /**
   * Checkpoints the log on the worker; resolves with the pages it held, or rejects (the caller
   * then checkpoints on its own connection). Call with commits held back.
   */
  async run(): Promise<number> {
    const commits = this.#commits;
    this.#commits = 0;
    const reply = await this.#ask({ path: this.dbPath });
    if (reply.error !== undefined) throw new Error(`checkpoint failed: ${reply.error}`);
    const pages = reply.log ?? 0;
    // How many commits fill the log: the next checkpoint comes after that many.
    if (pages > 0 && commits > 0) {
      this.#every = Math.max(1, Math.min(1000, Math.round((CHECKPOINT_PAGES * commits) / pages)));
    }
    return pages;
  }

  /** Stops the worker (it holds no connection between checkpoints). */
  close(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const owed of this.#owed.values()) owed.resolve({ id: 0, error: "closed" });
    this.#owed.clear();
  }

  #ask(message: { path: string }): Promise<Reply> {
    const id = this.#nextId++;
    const answer = new Promise<Reply>((resolve) => this.#owed.set(id, { resolve }));
    const worker = this.#start();
    worker.ref();
    worker.postMessage({ id, ...message });
    return answer;
  }

  #start(): RefWorker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(
      URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" })),
    ) as RefWorker;
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const owed = this.#owed.get(event.data.id);
      this.#owed.delete(event.data.id);
      // Idle, it never keeps the process alive.
      if (this.#owed.size === 0) worker.unref();
      owed?.resolve(event.data);
    };
    worker.onerror = (event) => {
      for (const owed of this.#owed.values()) owed.resolve({ id: 0, error: event.message });
      this.#owed.clear();
      if (this.#worker === worker) this.#worker = null;
      worker.terminate();
    };
    this.#worker = worker;
    return worker;
  }
}
