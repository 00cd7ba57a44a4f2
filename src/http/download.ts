import { quoteEtag } from "../lib/etag";
import type { BlobStat } from "../storage/blob/blob-store";
import { BlobNotFound, RangeNotSatisfiable } from "../storage/blob/errors";
import type { ObjectSource } from "../storage/blob/factory";
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
 * Answers a download of one stored object: `If-None-Match` (304), `If-Range`, a single
 * `Range` (206/416), and the bytes streamed (sendfile for local files). Every front door
 * that serves file bytes (signed /blobs URLs, WebDAV GET) answers through here.
 */
export async function serveObject(
  source: ObjectSource,
  key: string,
  headers: Headers,
  withBody: boolean,
  options: DownloadOptions,
): Promise<Response> {
  const stat = await statOf(source, key, options.stat);
  const etag = options.etag ? options.etag(stat.etag) : stat.etag;
  const out = new Headers({
    etag: quoteEtag(etag),
    "accept-ranges": "bytes",
    "cache-control": "private",
    "content-type": options.contentType ?? stat.contentType ?? "application/octet-stream",
    // User-supplied bytes are served from lightd's own origin: never sniff, never run script.
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
  });
  // Always explicit: Bun would otherwise name a file body after its internal key.
  out.set("content-disposition", options.disposition);
  if (options.lastModified !== undefined) out.set("last-modified", new Date(options.lastModified).toUTCString());

  if (ifNoneMatchHits(headers.get("if-none-match"), etag)) {
    out.delete("content-type");
    return new Response(null, { status: 304, headers: out });
  }
  const outcome = ifRangeAllows(headers.get("if-range"), etag)
    ? parseRange(headers.get("range"), stat.size)
    : ({ kind: "full" } as const);
  if (outcome.kind === "unsatisfiable") throw new RangeNotSatisfiable(stat.size);
  const range = outcome.kind === "partial" ? outcome.range : undefined;
  const length = range ? range.end - range.start + 1 : stat.size;
  out.set("content-length", String(length));
  if (range) out.set("content-range", contentRange(range, stat.size));
  const status = range ? 206 : 200;
  if (!withBody) return new Response(null, { status, headers: out });
  return new Response(await bodyOf(source, key, stat, range), { status, headers: out });
}

/**
 * Size and etag of the object. A local file whose etag the metadata (or a signed URL) already
 * gave costs one stat(2), which also finds it deleted; otherwise the store is asked.
 */
async function statOf(source: ObjectSource, key: string, known: BlobStat | undefined): Promise<BlobStat> {
  if (!known || !source.localFiles) return source.store.head(key);
  const size = await source.localFiles.sizeOf(key);
  if (size === null) throw new BlobNotFound();
  return { ...known, size };
}

async function bodyOf(
  source: ObjectSource,
  key: string,
  stat: BlobStat,
  range: { start: number; end: number } | undefined,
): Promise<Blob | ReadableStream<Uint8Array> | string> {
  if (stat.size === 0) return "";
  if (source.localFiles) {
    const file = Bun.file(source.localFiles.pathOf(key));
    return range ? file.slice(range.start, range.end + 1) : file;
  }
  return source.store.getStream(key, range);
}
