import { changed } from "../domain/errors";
import { ifMatchHolds } from "../lib/conditions";
import { quoteEtag } from "../lib/etag";
import { httpDate } from "../lib/http-date";
import type { BlobStat } from "../storage/blob/blob-store";
import { BlobNotFound, RangeNotSatisfiable } from "../storage/blob/errors";
import type { ObjectSource } from "../storage/blob/factory";
import { tagConditionOf } from "./conditions";
import { contentRange, ifNoneMatchHits, ifRangeAllows, parseRange } from "./ranges";

// The routes that serve downloads name their byte source through here (they never import storage).
export type { ObjectSource };

export interface DownloadOptions {
  contentType?: string;
  disposition: string;
  lastModified?: number;
  /** The etag the client sees, from the stored one (WebDAV's differs). */
  etag?: (stored: string) => string;
  /** Size and stored etag as the metadata (or a signed URL binding them) says: a local file then needs no sidecar read. */
  stat?: BlobStat;
}

/**
 * The conditions of a read, in RFC 9110 §13.2.2's order: an `If-Match` that does not hold is
 * 412 (compared as writes compare it, src/lib/conditions.ts), then an `If-None-Match` that
 * matches answers 304 (true); false: answer as usual. Every answer that carries a file's ETag
 * decides them here, its bytes (below) and the headers of HEAD /files/{path}, so a HEAD answers
 * as the download would. `etag` null: a folder, which exists but has no ETag.
 */
export function notModified(headers: Headers, etag: string | null): boolean {
  if (!ifMatchHolds(tagConditionOf(headers, "if-match"), { etag })) throw changed();
  return ifNoneMatchHits(headers.get("if-none-match"), etag);
}

/**
 * Answers a download of one stored object: `If-Match` (412), `If-None-Match` (304), `If-Range`,
 * a single `Range` (206/416), and the bytes streamed (sendfile for local files). Every front door
 * that serves file bytes (signed /blobs URLs, the one-request download, WebDAV GET) answers
 * through here.
 *
 * A local file whose etag is known is answered without a promise: a small one read at once,
 * a larger one handed to the server after one stat(2), either way found deleted
 * (storage/blob/local-body.ts). Anything else asks the store.
 */
export function serveObject(
  source: ObjectSource,
  key: string,
  headers: Headers,
  withBody: boolean,
  options: DownloadOptions,
): Response | Promise<Response> {
  const known = options.stat;
  if (known && source.localFiles) {
    const local = source.localFiles.bodyOf(key, known.size);
    if (local === null) throw new BlobNotFound();
    return answer(source, key, { ...known, size: local.size }, local.body, headers, withBody, options);
  }
  const local = source.localFiles ? Bun.file(source.localFiles.pathOf(key)) : undefined;
  return source.store.head(key).then((stat) => answer(source, key, stat, local, headers, withBody, options));
}

function answer(
  source: ObjectSource,
  key: string,
  stat: BlobStat,
  local: Uint8Array<ArrayBuffer> | Blob | undefined,
  headers: Headers,
  withBody: boolean,
  options: DownloadOptions,
): Response | Promise<Response> {
  const etag = options.etag ? options.etag(stat.etag) : stat.etag;
  // A plain record: the Response builds its headers once from it.
  const out: Record<string, string> = {
    etag: quoteEtag(etag),
    "accept-ranges": "bytes",
    "cache-control": "private",
    // User-supplied bytes are served from lightd's own origin: never sniff, never run script.
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    // Always explicit: Bun would otherwise name a file body after its internal key.
    "content-disposition": options.disposition,
  };
  if (options.lastModified !== undefined) out["last-modified"] = httpDate(options.lastModified);

  if (notModified(headers, etag)) return new Response(null, { status: 304, headers: out });
  out["content-type"] = options.contentType ?? stat.contentType ?? "application/octet-stream";
  const outcome = ifRangeAllows(headers.get("if-range"), etag)
    ? parseRange(headers.get("range"), stat.size)
    : ({ kind: "full" } as const);
  if (outcome.kind === "unsatisfiable") throw new RangeNotSatisfiable(stat.size);
  const range = outcome.kind === "partial" ? outcome.range : undefined;
  out["content-length"] = String(range ? range.end - range.start + 1 : stat.size);
  if (range) out["content-range"] = contentRange(range, stat.size);
  const init = { status: range ? 206 : 200, headers: out };
  if (!withBody) return new Response(null, init);
  if (stat.size === 0) return new Response("", init);
  if (local) return new Response(range ? local.slice(range.start, range.end + 1) : local, init);
  return source.store.getStream(key, range).then((body) => new Response(body, init));
}
