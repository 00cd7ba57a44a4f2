/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; what a byte store reads a part of. */
export interface ByteRange {
  start: number;
  end: number;
}
