import { closeSync, fdatasync as fdatasyncCallback, fstatSync, openSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

const fdatasync = promisify(fdatasyncCallback);

/**
 * Group commit for the metadata database. Connections run with `synchronous = NORMAL`
 * (./connection.ts): a COMMIT appends its frames to the write-ahead log without waiting
 * for the disk, so it never blocks the thread for an fsync. Durability comes from here:
 * `sync()` resolves once an fdatasync of the log that STARTED after the call has finished,
 * so every commit made before the call then survives a power loss. Calls that arrive while a
 * sync runs share the next one: N concurrent requests cost one fsync, not N.
 *
 * Checkpoints need nothing from here: with NORMAL, SQLite itself syncs the log before
 * copying it into the database file and the database file after. A log file this process
 * has not synced before (new, or replaced) gets its directory synced too, so its name survives.
 */
export class WalSync {
  readonly #walPath: string;
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  /** The log, open between syncs, and its inode. */
  #fd: number | null = null;
  #fdInode = -1;
  #closed = false;
  /** Inode of the log whose directory entry is known durable. */
  #knownInode = -1;
  /** Syncs done, for tests and benchmarks: proof that concurrent commits shared them. */
  syncs = 0;
  /** Commits noted so far, and how many of them the running sync covers (all made before it started). */
  #commits = 0;
  #runningCovers = -1;
  /**
   * Called right before each sync starts: the metadata COMMITs the batch it held open
   * while the previous sync ran, so this sync covers it (group commit, ./metadata.ts).
   */
  beforeSync: (() => void) | undefined;

  /**
   * `dbPath` is the database file; ":memory:" (nothing to make durable) makes every sync a no-op.
   * `notedCommits`: every commit on the database is reported through `noteCommit()`, so a
   * caller may join a running sync that started after the last commit.
   */
  constructor(
    private readonly dbPath: string,
    private readonly notedCommits = false,
  ) {
    this.#walPath = `${dbPath}-wal`;
  }

  /** A commit was made on this database (noted by the metadata after every COMMIT). */
  noteCommit(): void {
    this.#commits++;
  }

  /** True while a sync runs. */
  get running(): boolean {
    return this.#running !== null;
  }

  /** Resolves when every commit made before this call is on disk. */
  sync(): Promise<void> {
    if (this.dbPath === ":memory:") return Promise.resolve();
    if (this.#queued) return this.#queued;
    // A sync in flight that started after the last commit covers the caller already.
    if (this.notedCommits && this.#running && this.#runningCovers === this.#commits) return this.#running;
    return this.next();
  }

  /** Resolves after a sync that starts after this call (the next one if one is running). */
  next(): Promise<void> {
    if (this.dbPath === ":memory:") return Promise.resolve();
    // A sync in flight may have started before the caller's commit: it needs the next one.
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    this.#queued = this.#running
      .catch(() => {})
      .then(() => {
        this.#queued = null;
        return this.#start();
      });
    return this.#queued;
  }

  #start(): Promise<void> {
    this.beforeSync?.();
    this.#runningCovers = this.#commits;
    const run: Promise<void> = this.#datasync().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  /**
   * Lets go of the log's descriptor (the database is being closed): at once, or when the
   * sync running on it ends, so that sync is not left with a closed descriptor (EBADF).
   */
  close(): void {
    this.#closed = true;
    if (this.#running) this.#running.then(this.#release, this.#release);
    else this.#release();
  }

  #release = (): void => {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  };

  async #datasync(): Promise<void> {
    // The log's descriptor is kept between syncs (an open and a close less per sync); a stat
    // of its path, a few µs, tells whether it is still the file SQLite writes to.
    // Closed, SQLite has checkpointed and synced everything itself.
    if (this.#closed) return;
    const current = statSync(this.#walPath, { throwIfNoEntry: false });
    // No log: nothing committed since the last checkpoint removed it (SQLite synced that).
    if (!current) return this.#release();
    if (this.#fd === null || current.ino !== this.#fdInode) {
      this.#release();
      let fd: number;
      try {
        fd = openSync(this.#walPath, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException)?.code === "ENOENT") return;
        throw error;
      }
      this.#fd = fd;
      this.#fdInode = fstatSync(fd).ino;
    }
    const inode = this.#fdInode;
    await fdatasync(this.#fd);
    if (inode !== this.#knownInode) {
      await syncDirectory(dirname(this.#walPath));
      this.#knownInode = inode;
    }
    this.syncs++;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
