import { ArchiveError } from "./errors";

/**
 * Reads an archive stream in exact amounts: headers of known size, bodies of known length.
 * Running out of bytes where more are due is the one sign of a cut-off archive, so it
 * throws ArchiveError("truncated") here, in one place.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #head: Uint8Array = new Uint8Array(0);
  #ended = false;
  /** Bytes handed out so far (for messages that say where an archive went wrong). */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** The error of a stream that ends where more bytes are due (here, or in a reader above this one). */
  truncated(): ArchiveError {
    return new ArchiveError("truncated", `the archive is truncated (it ends at byte ${this.offset})`);
  }

  /** Makes at least one byte available; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    while (this.#head.byteLength === 0) {
      if (this.#ended) return false;
      const next = await this.#source.next();
      if (next.done) {
        this.#ended = true;
        return false;
      }
      this.#head = next.value;
    }
    return true;
  }

  /** The next `n` bytes (fewer at the end) without consuming them. */
  async peek(n: number): Promise<Uint8Array> {
    const bytes = await this.upTo(n);
    this.offset -= bytes.byteLength;
    this.#head = this.#head.byteLength === 0 ? bytes : Buffer.concat([bytes, this.#head]);
    return bytes;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** Up to `n` bytes, fewer only at the end of the stream. */
  async upTo(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n && (await this.#fill())) {
      const take = Math.min(n - have, this.#head.byteLength);
      parts.push(this.#head.subarray(0, take));
      this.#head = this.#head.subarray(take);
      have += take;
    }
    this.offset += have;
    return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts, have);
  }

  /** Exactly `n` bytes; throws when the stream ends first. */
  async exact(n: number): Promise<Uint8Array> {
    const bytes = await this.upTo(n);
    if (bytes.byteLength < n) throw this.truncated();
    return bytes;
  }

  /** The next `n` bytes as they arrive, without gathering them; throws when the stream ends first. */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw this.truncated();
      const take = Math.min(left, this.#head.byteLength);
      const chunk = this.#head.subarray(0, take);
      this.#head = this.#head.subarray(take);
      this.offset += take;
      left -= take;
      yield chunk;
    }
  }
}
