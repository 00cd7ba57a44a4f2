import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { isMissing } from "./local-io";

/** At most this many descriptors are kept, and never more than a quarter of what the process may open. */
const MOST_KEPT = 4096;

/** The bytes kept with them add up to at most this much (4,096 files of 4 KiB). */
const MOST_KEPT_BYTES = 16 * 1024 * 1024;

/** A kept file: its descriptor, and the bytes it held when read. */
interface Kept {
  fd: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Descriptors of small stored files, kept open between downloads. Opening and closing a
 * file (two system calls and a walk of its path) costs more than reading 4 KiB from it:
 * a download of a small object read again soon reads through the descriptor it kept.
 *
 * A kept descriptor is used only while the file is still named: one fstat(2) per read
 * tells a file deleted or replaced since (its link count is 0), whoever did it (this
 * process, another instance sharing the directory, an administrator), and the path is
 * then opened afresh. Files are never changed in place, so a named file holds what it
 * held when opened: the bytes read then are kept with the descriptor, and a file read again
 * costs one fstat and no read. The least recently read file is let go first.
 */
export class OpenFiles {
  /** Path → kept file, least recently read first. */
  readonly #kept = new Map<string, Kept>();
  #keptBytes = 0;

  constructor(
    readonly capacity: number = defaultCapacity(),
    readonly byteCapacity: number = MOST_KEPT_BYTES,
  ) {}

  /**
   * The file's bytes when it holds exactly `size`; undefined when it holds another size;
   * null when there is no file at `path`. Reads `size + 1` bytes: a read that returns
   * exactly `size` has the whole file. The bytes may be shared with other callers: they are
   * never to be changed.
   */
  readExactly(path: string, size: number): Uint8Array<ArrayBuffer> | null | undefined {
    const kept = this.#kept.get(path);
    if (kept !== undefined) {
      this.#remove(path, kept);
      if (kept.bytes.length === size && stillNamed(kept.fd)) {
        this.#keep(path, kept);
        return kept.bytes;
      }
      closeSync(kept.fd);
    }
    const fd = this.#open(path);
    if (fd === null) return null;
    let bytes: Uint8Array<ArrayBuffer> | undefined;
    try {
      bytes = read(fd, size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    if (bytes === undefined || this.capacity === 0 || size > this.byteCapacity) closeSync(fd);
    else this.#keep(path, { fd, bytes });
    return bytes;
  }

  /** Closes the descriptor kept for `path`, if any: call after the file there was replaced or deleted. */
  forget(path: string): void {
    const kept = this.#kept.get(path);
    if (kept === undefined) return;
    this.#remove(path, kept);
    closeSync(kept.fd);
  }

  /** Closes every kept descriptor (the store is closing, or the process ran out of them). */
  close(): void {
    for (const kept of this.#kept.values()) closeSync(kept.fd);
    this.#kept.clear();
    this.#keptBytes = 0;
  }

  /** How many descriptors are kept (for tests). */
  get size(): number {
    return this.#kept.size;
  }

  #open(path: string): number | null {
    for (let attempt = 0; ; attempt++) {
      try {
        return openSync(path, "r");
      } catch (error) {
        if (isMissing(error)) return null;
        const code = (error as NodeJS.ErrnoException).code;
        // Out of descriptors: the kept ones go first, never a request.
        if (attempt > 0 || (code !== "EMFILE" && code !== "ENFILE") || this.#kept.size === 0) throw error;
        this.close();
      }
    }
  }

  /** Keeps `kept` as the most recently read, letting the least recently read go while over either bound. */
  #keep(path: string, kept: Kept): void {
    this.#kept.set(path, kept);
    this.#keptBytes += kept.bytes.length;
    for (const [oldest, old] of this.#kept) {
      if (this.#kept.size <= this.capacity && this.#keptBytes <= this.byteCapacity) return;
      this.#remove(oldest, old);
      closeSync(old.fd);
    }
  }

  #remove(path: string, kept: Kept): void {
    this.#kept.delete(path);
    this.#keptBytes -= kept.bytes.length;
  }
}

/** Whether the open file still has a name (it was neither deleted nor replaced by a rename). */
function stillNamed(fd: number): boolean {
  try {
    return fstatSync(fd).nlink > 0;
  } catch {
    return false;
  }
}

function read(fd: number, size: number): Uint8Array<ArrayBuffer> | undefined {
  const bytes = new Uint8Array(size + 1);
  return readSync(fd, bytes, 0, size + 1, 0) === size ? bytes.subarray(0, size) : undefined;
}

/**
 * A quarter of the descriptors this process may open (Bun raises the soft limit to the hard
 * one), at most MOST_KEPT; 256 where the limit cannot be read (outside Linux).
 */
function defaultCapacity(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === "unlimited") return MOST_KEPT;
    const limit = Number(soft);
    if (Number.isSafeInteger(limit) && limit > 0) return Math.min(MOST_KEPT, Math.floor(limit / 4));
  } catch {
    // No /proc: the fallback below.
  }
  return 256;
}
