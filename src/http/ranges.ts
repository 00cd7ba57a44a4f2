import type { ByteRange } from "../lib/byte-range";
import { quoteEtag } from "../lib/etag";

/**
 * The outcome of a `Range` header against an object of `size` bytes:
 * - `full`: no header, a malformed one, another unit, or several ranges (lightd serves
 *   only single ranges; RFC 9110 lets a server ignore Range, so a multi-range request
 *   gets the whole object with 200);
 * - `partial`: one satisfiable range, end clamped to the last byte;
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/size`.
 */
export type RangeOutcome = { kind: "full" } | { kind: "partial"; range: ByteRange } | { kind: "unsatisfiable" };

const FULL: RangeOutcome = { kind: "full" };
const UNSATISFIABLE: RangeOutcome = { kind: "unsatisfiable" };

export function parseRange(header: string | null | undefined, size: number): RangeOutcome {
  if (!header) return FULL;
  const match = /^\s*bytes\s*=\s*(.*?)\s*$/i.exec(header);
  if (!match) return FULL;
  const spec = match[1] as string;
  if (spec.includes(",")) return FULL;
  const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!parts) return FULL;
  const [, first = "", last = ""] = parts;
  if (first === "" && last === "") return FULL;
  if (first === "") {
    // Suffix range: the last n bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "partial", range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  if (start >= size) return UNSATISFIABLE;
  if (last === "") return { kind: "partial", range: { start, end: size - 1 } };
  const end = Number(last);
  if (end < start) return UNSATISFIABLE;
  return { kind: "partial", range: { start, end: Math.min(end, size - 1) } };
}

export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** An etag as sent on the wire (strong, quoted). */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, "");
}

/**
 * `If-None-Match` against the current etag (weak comparison, `*` matches anything): true → 304.
 * `etag` null: a folder, which exists (`*`) but has no tag to match.
 */
export function ifNoneMatchHits(header: string | null | undefined, etag: string | null): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  if (etag === null) return false;
  const current = quoteEtag(etag);
  return header.split(",").some((tag) => opaque(tag) === current);
}

/**
 * `If-Range`: the range applies only if the header is the current strong etag. A date
 * (lightd sends no Last-Modified) or any other tag means "send the whole object".
 */
export function ifRangeAllows(header: string | null | undefined, etag: string): boolean {
  if (!header) return true;
  return header.trim() === quoteEtag(etag);
}
