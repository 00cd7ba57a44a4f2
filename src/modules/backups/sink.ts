/** Where archive bytes go: a local file, an S3 object, or another sink (encryption). */
export interface ByteSink {
  /** Resolves when the sink can take more (its backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the archive durable and visible under its final name. */
  close(): Promise<void>;
  /** Discards everything written; nothing is left under the final name. */
  abort(): Promise<void>;
}

/** Counts the bytes that pass through (the archive size that backups report). */
export class CountingSink implements ByteSink {
  bytes = 0;
  constructor(private readonly inner: ByteSink) {}
  write(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.byteLength;
    return this.inner.write(chunk);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  abort(): Promise<void> {
    return this.inner.abort();
  }
}
