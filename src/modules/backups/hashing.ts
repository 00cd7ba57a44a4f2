import { createHash, type Hash } from "node:crypto";
import type { HashedEntry } from "./layout";

/** Passes bytes through while counting and hashing them (SHA-256). */
export class Hashed {
  readonly #hash: Hash = createHash("sha256");
  size = 0;

  /** Once `signal` is aborted, the next chunk throws its reason instead. */
  async *through(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      this.#hash.update(chunk);
      this.size += chunk.byteLength;
      yield chunk;
    }
  }

  result(): HashedEntry {
    return { size: this.size, sha256: this.#hash.digest("hex") };
  }
}

export function hashBytes(bytes: Uint8Array): HashedEntry {
  return { size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** A ReadableStream over an async iterable (what BlobStore.putStream takes). */
export function toStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
