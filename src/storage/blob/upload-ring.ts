import type { FileHandle } from "node:fs/promises";
import { UploadJob } from "./upload-worker";

/** Bytes per slot: one hash update and one write(2) on the upload thread. */
export const SLOT_BYTES = 1024 * 1024;
/** Slots per upload: the receiving thread fills one while the upload thread works through the others. */
const SLOTS = 4;
/** Bytes written between two early flushes (see #flushBehind). */
const FLUSH_EVERY = 32 * SLOT_BYTES;

/**
 * A large upload's bytes on their way to the upload thread (./upload-worker.ts). Each
 * chunk of the body is copied once into a slot of a SharedArrayBuffer; a full slot is
 * handed to the worker, which hashes and writes it. The chunk itself is free as soon as it
 * is copied, whoever else holds it (a body's chunks are never moved or kept). Memory is
 * the ring's 4 MiB per upload, however fast the client sends: a push waits while the slot
 * it needs is still being written.
 *
 * The disk is kept busy while the body arrives: every FLUSH_EVERY bytes written, an
 * fdatasync starts on the thread pool, so the one that makes the upload durable before
 * its 200 finds little left to write instead of the whole file.
 */
export class UploadRing {
  readonly #bytes: Uint8Array;
  readonly #job: UploadJob;
  /** Per slot, the write in progress (settled once the worker is done with the slot). */
  readonly #busy: (Promise<void> | undefined)[] = new Array(SLOTS);
  #slot = 0;
  #filled = 0;
  #written = 0;
  #flushedAt = 0;
  #flushing: Promise<void> | undefined;
  /** Set by finish() and abandon(): no flush starts any more, the file is about to be closed. */
  #closing = false;
  /** An early flush that failed: the upload fails too (a later fsync may not report it again). */
  #flushError: unknown;

  /** `file` is the open temp file; it must stay open until finish() or abandon() has resolved. */
  constructor(private readonly file: FileHandle) {
    const shared = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
    this.#bytes = new Uint8Array(shared);
    this.#job = new UploadJob(file.fd, shared);
  }

  /** Copies `chunk` into the ring; waits only when the upload thread is a whole ring behind. */
  async push(chunk: Uint8Array): Promise<void> {
    let taken = 0;
    while (taken < chunk.byteLength) {
      if (this.#filled === 0) await this.#busy[this.#slot];
      const n = Math.min(SLOT_BYTES - this.#filled, chunk.byteLength - taken);
      this.#bytes.set(chunk.subarray(taken, taken + n), this.#slot * SLOT_BYTES + this.#filled);
      this.#filled += n;
      taken += n;
      if (this.#filled === SLOT_BYTES) this.#send();
    }
  }

  /** Sends the last, partly filled slot; resolves to the hex SHA-256 once every byte is written. */
  async finish(): Promise<string> {
    if (this.#filled > 0) this.#send();
    this.#closing = true;
    // Every reply is awaited, even after a failure: the worker must be done with the file.
    const settled = await Promise.allSettled([...this.#busy, this.#job.digest()]);
    await this.#flushing;
    // A failed write rejects its own slot's promise first: it says why the digest is missing.
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    if (this.#flushError !== undefined) throw this.#flushError;
    return (settled.at(-1) as PromiseFulfilledResult<string>).value;
  }

  /** The upload failed: resolves once the upload thread no longer touches the file, so it may be closed. */
  async abandon(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled(this.#busy);
    await this.#flushing;
    this.#job.drop();
  }

  #send(): void {
    const length = this.#filled;
    const write = this.#job.write(this.#slot * SLOT_BYTES, length);
    // Observed here so an abandoned slot is never an unhandled rejection; push/finish still see it fail.
    write.then(
      () => {
        this.#written += length;
        this.#flushBehind();
      },
      () => {},
    );
    this.#busy[this.#slot] = write;
    this.#slot = (this.#slot + 1) % SLOTS;
    this.#filled = 0;
  }

  /** Starts an fdatasync of what is written so far, one at a time, every FLUSH_EVERY bytes. */
  #flushBehind(): void {
    if (this.#flushing || this.#closing || this.#flushError !== undefined) return;
    if (this.#written - this.#flushedAt < FLUSH_EVERY) return;
    this.#flushedAt = this.#written;
    this.#flushing = this.file.datasync().then(
      () => {
        this.#flushing = undefined;
        this.#flushBehind();
      },
      (error) => {
        this.#flushing = undefined;
        this.#flushError = error;
      },
    );
  }
}
