import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { isMissing } from "./local-io";

/** At most this many descriptors are kept, and never more than a quarter of what the process may open. */
const MOST_KEPT = 4096;

/**
 * Descriptors of small stored files, kept open between downloads. Opening and closing a
 * file (two system calls and a walk of its path) costs more than reading 4 KiB from it:
 * a download of a small object read again soon reads through the descriptor it kept.
 *
 * A kept descriptor is used only while the file is still named: one fstat(2) per read
 * tells a file deleted or replaced since (its link count is 0), whoever did it (this
 * process, another instance sharing the directory, an administrator), and the path is
 * then opened afresh. Files are never changed in place, so a named file holds what it
 * held when opened. The least recently read descriptor is closed first.
 */
export class OpenFiles {
  /** Path → descriptor, least recently read first. */
  readonly #kept = new Map<string, number>();

  constructor(readonly capacity: number = defaultCapacity()) {}

  /**
   * The file's bytes when it holds exactly `size`; undefined when it holds another size;
   * null when there is no file at `path`. Reads `size + 1` bytes: a read that returns
   * exactly `size` has the whole file.
   */
  readExactly(path: string, size: number): Uint8Array<ArrayBuffer> | null | undefined {
    const kept = this.#kept.get(path);
    if (kept !== undefined) {
      this.#kept.delete(path);
      const bytes = stillNamed(kept) ? readOrFail(kept, size) : false;
      if (bytes !== false) {
        if (bytes === undefined) closeSync(kept);
        else this.#kept.set(path, kept);
        return bytes;
      }
      closeSync(kept);
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
    if (bytes === undefined || this.capacity === 0) closeSync(fd);
    else this.#keep(path, fd);
    return bytes;
  }

  /** Closes the descriptor kept for `path`, if any: call after the file there was replaced or deleted. */
  forget(path: string): void {
    const fd = this.#kept.get(path);
    if (fd === undefined) return;
    this.#kept.delete(path);
    closeSync(fd);
  }

  /** Closes every kept descriptor (the store is closing, or the process ran out of them). */
  close(): void {
    for (const fd of this.#kept.values()) closeSync(fd);
    this.#kept.clear();
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

  #keep(path: string, fd: number): void {
    this.#kept.set(path, fd);
    if (this.#kept.size <= this.capacity) return;
    for (const [oldest, old] of this.#kept) {
      this.#kept.delete(oldest);
      closeSync(old);
      return;
    }
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

/** `read`, or false when the descriptor cannot be read any more (a file on a network share gone stale). */
function readOrFail(fd: number, size: number): Uint8Array<ArrayBuffer> | undefined | false {
  try {
    return read(fd, size);
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
