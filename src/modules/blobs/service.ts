import { AppError, errorResponse } from "../../errors";
import { guardedBody } from "../../http/body-stream";
import { contentDisposition, contentRange, ifNoneMatchHits, ifRangeAllows, parseRange } from "../../http/ranges";
import { quoteEtag } from "../../lib/etag";
import type { BoundParams, SignedMethod, UrlSigner } from "../../lib/url-signer";
import type { BlobStat, BlobStore, ByteRange } from "../../storage/blob/blob-store";

export const INVALID_SIGNATURE = "Invalid or expired signature";

/** Stores that can name the file behind a key let downloads use sendfile instead of a JS stream. */
interface FileBacked {
  pathOf(key: string): string;
}

function isFileBacked(store: BlobStore): store is BlobStore & FileBacked {
  return typeof (store as Partial<FileBacked>).pathOf === "function";
}

export interface UploadResult {
  etag: string;
  size: number;
}

/**
 * Serves the URLs on lightd that `BlobStore.signedUrl` / `signedPartUrl` hand out: the
 * local store's, and S3 downloads with `serve_downloads` (streamed from the bucket). The
 * signature is the only credential: it binds method, key, expiry and, for parts, the
 * upload id and part number.
 */
export class BlobGateway {
  constructor(
    private readonly store: BlobStore,
    private readonly signer: UrlSigner,
    private readonly maxUploadBytes: () => number | undefined,
    /** The quota room of the account whose upload writes to a key (UploadService.quotaForObject). */
    private readonly quotaFor: (key: string) => { room: number; exceeded: () => AppError } | undefined = () =>
      undefined,
  ) {}

  /** Security rule: every /blobs request needs a valid, unexpired signature for this method and key; else 403. */
  authorize(method: SignedMethod, key: string, params: URLSearchParams): BoundParams {
    const bound = this.signer.verify(method, key, params);
    if (!bound) throw new AppError("forbidden", INVALID_SIGNATURE);
    return bound;
  }

  /** GET or HEAD of a signed download URL: conditional requests, a single Range, streamed body. */
  async download(key: string, params: URLSearchParams, headers: Headers, withBody: boolean): Promise<Response> {
    const bound = this.authorize("GET", key, params);
    return serveObject(this.store, key, headers, withBody, {
      contentType: bound.content_type,
      disposition: bound.filename !== undefined ? contentDisposition(bound.filename) : "inline",
    });
  }

  /** PUT of a signed upload URL (whole object) or signed part URL (`upload_id` + `part` bound). */
  async upload(key: string, params: URLSearchParams, request: Request): Promise<UploadResult> {
    const bound = this.authorize("PUT", key, params);
    const sentType = request.headers.get("content-type") ?? undefined;
    if (bound.content_type !== undefined && sentType !== bound.content_type) {
      throw new AppError("forbidden", "Content-Type does not match the signed URL");
    }
    const maxBytes = this.maxUploadBytes();
    const declared = request.headers.get("content-length");
    if (maxBytes !== undefined && declared !== null && Number(declared) > maxBytes) {
      throw new AppError("payload_too_large");
    }
    // Quota: a known size over the account's room is 507 before a byte is read; an unknown
    // one is stopped as soon as it passes the room. Completing decides for good.
    const quota = this.quotaFor(key);
    if (quota && declared !== null && Number(declared) > quota.room) throw quota.exceeded();
    const quotaBinds = quota !== undefined && (maxBytes === undefined || quota.room < maxBytes);
    const limit = quotaBinds ? quota.room : maxBytes;
    const body = guardedBody(request.body);
    try {
      return await this.#write(key, bound, body, limit, sentType);
    } catch (error) {
      if (quotaBinds && error instanceof AppError && error.code === "payload_too_large") throw quota.exceeded();
      throw error;
    }
  }

  async #write(
    key: string,
    bound: BoundParams,
    body: ReadableStream<Uint8Array>,
    maxBytes: number | undefined,
    sentType: string | undefined,
  ): Promise<UploadResult> {
    if (bound.upload_id !== undefined) {
      const part = Number(bound.part);
      const stat = await this.store.uploadPart(key, bound.upload_id, part, body, { maxBytes });
      return { etag: stat.etag, size: stat.size };
    }
    // Security rule: a signed upload URL writes its object once. Of concurrent PUTs exactly one
    // stores its bytes (the others get 409), and a later PUT can never swap committed bytes.
    const stat = await this.store.putStream(key, body, {
      contentType: bound.content_type ?? sentType,
      maxBytes,
      exclusive: true,
    });
    return { etag: stat.etag, size: stat.size };
  }
}

/**
 * Answers a download of one stored object: `If-None-Match` (304), `If-Range`, a single
 * `Range` (206/416), and the bytes streamed (sendfile for the local store). Every front
 * door that serves file bytes (signed /blobs URLs, WebDAV GET) answers through here.
 */
export async function serveObject(
  store: BlobStore,
  key: string,
  headers: Headers,
  withBody: boolean,
  options: { contentType?: string; disposition: string; lastModified?: number; etag?: (stored: string) => string },
): Promise<Response> {
  const stat = await store.head(key);
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
  if (outcome.kind === "unsatisfiable") {
    return errorResponse("range_not_satisfiable", undefined, { "content-range": `bytes */${stat.size}` });
  }
  const range = outcome.kind === "partial" ? outcome.range : undefined;
  const length = range ? range.end - range.start + 1 : stat.size;
  out.set("content-length", String(length));
  if (range) out.set("content-range", contentRange(range, stat.size));
  const status = range ? 206 : 200;
  if (!withBody) return new Response(null, { status, headers: out });
  return new Response(await bodyOf(store, key, stat, range), { status, headers: out });
}

async function bodyOf(
  store: BlobStore,
  key: string,
  stat: BlobStat,
  range: ByteRange | undefined,
): Promise<Blob | ReadableStream<Uint8Array> | string> {
  if (stat.size === 0) return "";
  if (isFileBacked(store)) {
    const file = Bun.file(store.pathOf(key));
    return range ? file.slice(range.start, range.end + 1) : file;
  }
  return store.getStream(key, range);
}
