/**
 * Bodies whose chunks belong to whoever reads them. A request body read from the socket
 * hands out a fresh buffer per chunk that nothing else holds, so its reader may free each
 * chunk as soon as it is done with it instead of leaving it to the garbage collector: a
 * large upload then reuses a few buffers that are still in cache, and the process does not
 * hold tens of MiB of spent chunks between collections. Any other stream (one built in
 * process, whose producer may still use what it enqueued) is never marked.
 */
const owned = new WeakSet<ReadableStream<Uint8Array>>();

/** Marks `body` as handing out chunks no one else holds (only for a request body read from the socket). */
export function markChunksOwned<T extends ReadableStream<Uint8Array>>(body: T): T {
  owned.add(body);
  return body;
}

/** True when the reader of `body` may free each chunk once done with it (releaseChunk). */
export function chunksOwned(body: ReadableStream<Uint8Array>): boolean {
  return owned.has(body);
}

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/**
 * Frees a chunk's memory now: its buffer is detached (transferred to an empty one), so the
 * chunk reads as empty afterwards. Only a chunk that is its whole buffer: a view into a larger
 * buffer shares it with other chunks.
 */
export function releaseChunk(chunk: Uint8Array): void {
  const buffer = chunk.buffer as Transferable;
  if (chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength || buffer instanceof SharedArrayBuffer) return;
  buffer.transfer?.(0);
}
