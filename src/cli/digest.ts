import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";

const MiB = 1024 * 1024;

/** Files above this go through multipart upload (parallel parts, resumable); smaller ones in one PUT. */
export const MULTIPART_THRESHOLD = 64 * MiB;

/**
 * The client's part size for a file: 16 MiB, grown so no file needs more than the API's
 * 10,000 parts. Fixed per size, so a resumed upload cuts the file exactly as before.
 */
export function partSizeFor(size: number): number {
  return Math.max(16 * MiB, Math.ceil(size / 10_000 / MiB) * MiB);
}

/** Part sizes other writers use: the server's own S3 streaming (8 MiB) and S3's minimum. */
const OTHER_PART_SIZES = [8 * MiB, 5 * MiB, 16 * MiB];

/** Feeds `[start, end)` of a file (to its end by default) to `hash` in 1 MiB reads, and returns it. */
export async function hashFileRange(path: string, hash: Hash, start = 0, end?: number): Promise<Hash> {
  const handle = await open(path, "r");
  try {
    const stop = end ?? (await handle.stat()).size;
    const buffer = Buffer.allocUnsafe(MiB);
    let position = start;
    while (position < stop) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(MiB, stop - position), position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash;
}

/** A whole file's digest, in hex. */
export async function fileDigest(path: string, algorithm: "sha256" | "md5"): Promise<string> {
  return (await hashFileRange(path, createHash(algorithm))).digest("hex");
}

/** S3's ETag of a multipart object: MD5 of the parts' binary MD5s, then `-N`. */
export function multipartEtag(partMd5s: Buffer[]): string {
  return `${createHash("md5").update(Buffer.concat(partMd5s)).digest("hex")}-${partMd5s.length}`;
}

/**
 * Whether a local file holds the bytes of a remote ETag. lightd's ETags are SHA-256 on local
 * disk and MD5 (or S3's multipart `md5-N`) on S3; for `md5-N` the part size is inferred from
 * N among the sizes lightd's writers use. An ETag of another shape never matches.
 */
export async function fileMatchesEtag(path: string, size: number, etag: string | null | undefined): Promise<boolean> {
  const tag = (etag ?? "").toLowerCase();
  if (/^[0-9a-f]{64}$/.test(tag)) return (await fileDigest(path, "sha256")) === tag;
  if (/^[0-9a-f]{32}$/.test(tag)) return (await fileDigest(path, "md5")) === tag;
  const multipart = /^[0-9a-f]{32}-(\d+)$/.exec(tag);
  if (!multipart) return false;
  const parts = Number(multipart[1]);
  const candidates = [partSizeFor(size), ...OTHER_PART_SIZES].filter(
    (ps, i, all) => all.indexOf(ps) === i && Math.ceil(size / ps) === parts,
  );
  for (const partSize of candidates) {
    const md5s: Buffer[] = [];
    for (let start = 0; start < size; start += partSize) {
      md5s.push((await hashFileRange(path, createHash("md5"), start, Math.min(size, start + partSize))).digest());
    }
    if (multipartEtag(md5s) === tag) return true;
  }
  return false;
}
