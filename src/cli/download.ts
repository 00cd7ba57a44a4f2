import { createHash, type Hash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type ApiClient, encodePath, errorOf, fetchOrExplain } from "./api-client";
import { fileMatchesEtag, hashFileRange } from "./digest";
import { CliError } from "./exit";
import type { Progress } from "./progress";

/** What `GET /files/{path}` with `Accept: application/json` answers. */
export interface RemoteMeta {
  path: string;
  name: string;
  type: "file" | "folder";
  size: number;
  etag: string | null;
  url: string | null;
  updated_at: number;
}

export interface DownloadResult {
  path: string;
  local: string;
  size: number;
  /** Bytes fetched in this run (less than size when a download resumed). */
  received: number;
  resumed: boolean;
}

export function fetchMeta(api: ApiClient, remote: string): Promise<RemoteMeta> {
  return api.json<RemoteMeta>("GET", `/files/${encodePath(remote)}`);
}

/** The longest file name most file systems take, in bytes (NAME_MAX). */
const NAME_MAX = 255;

/**
 * Where an unfinished download waits: beside the target, named after the ETag, so a run that
 * finds it continues with `Range` only when the remote file is still the same version. A name
 * too long to take the 29 bytes around it keeps its start and a hash of the whole name, so the
 * partial file still fits NAME_MAX, stays apart from its neighbours' and is found again.
 */
function partialPathOf(local: string, etag: string): string {
  const suffix = `.${etag.replace(/[^0-9A-Za-z]/g, "").slice(0, 16)}.lightd-part`;
  const name = basename(local);
  const room = NAME_MAX - 1 - suffix.length;
  return join(dirname(local), `.${Buffer.byteLength(name) <= room ? name : shortened(name, room)}${suffix}`);
}

/** `name` cut to fit `room` bytes (whole characters only), ending in `~` and 16 hex of its SHA-256. */
function shortened(name: string, room: number): string {
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 16);
  let keep = room - 1 - digest.length;
  let start = "";
  for (const char of name) {
    keep -= Buffer.byteLength(char);
    if (keep < 0) break;
    start += char;
  }
  return `${start}~${digest}`;
}

/**
 * Downloads one remote file to `local` through its signed URL: into a hidden partial file,
 * resumed with `Range` when a previous run stopped, checked against size and ETag, then
 * renamed into place — a reader never sees a half-written file under the real name.
 */
export async function downloadFile(
  api: ApiClient,
  remote: string,
  local: string,
  progress: Progress,
  known?: RemoteMeta,
): Promise<DownloadResult> {
  const meta = known?.url ? known : await fetchMeta(api, remote);
  if (meta.type !== "file" || !meta.url) throw new CliError(`${remote} is a folder (use -r)`);
  mkdirSync(dirname(local), { recursive: true });
  const etag = meta.etag ?? "";
  const partial = partialPathOf(local, etag || String(meta.size));
  let offset = 0;
  try {
    offset = Math.min(statSync(partial).size, meta.size);
  } catch {
    offset = 0;
  }
  const bar = progress.file(remote, meta.size);
  try {
    // Hash as bytes arrive when the ETag is a whole-file digest; S3 multipart ETags are checked after.
    const algorithm = /^[0-9a-f]{64}$/.test(etag) ? "sha256" : /^[0-9a-f]{32}$/.test(etag) ? "md5" : undefined;
    const hash: Hash | undefined = algorithm ? createHash(algorithm) : undefined;
    let response: Response | undefined;
    if (offset < meta.size || meta.size === 0) {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      if (offset > 0 && etag) headers["if-range"] = `"${etag}"`;
      response = await fetchOrExplain(meta.url, { headers });
      if (!response.ok) throw new CliError(`${remote}: ${(await errorOf(response)).message}`);
      if (response.status !== 206) offset = 0; // the server sent it all: start the file over
    }
    const resumed = offset > 0;
    if (hash && offset > 0) await hashFileRange(partial, hash, 0, offset);
    bar.add(offset);
    const received = response ? await appendBody(response, partial, offset, hash, (n) => bar.add(n)) : 0;
    const size = statSync(partial).size;
    if (size !== meta.size)
      throw new CliError(`${remote}: received ${size} bytes of ${meta.size}; run again to resume`);
    const matches = hash ? hash.digest("hex") === etag : etag === "" || (await fileMatchesEtag(partial, size, etag));
    if (!matches) {
      rmSync(partial, { force: true });
      throw new CliError(`${remote}: the downloaded bytes do not match the ETag ${etag}`);
    }
    renameSync(partial, local);
    return { path: meta.path, local, size, received, resumed };
  } finally {
    bar.done();
  }
}

/** Writes the body after `offset` bytes of the partial file (truncating anything beyond). */
async function appendBody(
  response: Response,
  partial: string,
  offset: number,
  hash: Hash | undefined,
  onBytes: (n: number) => void,
): Promise<number> {
  const handle = await open(partial, offset > 0 ? "r+" : "w");
  let received = 0;
  try {
    await handle.truncate(offset);
    let position = offset;
    if (response.body) {
      for await (const chunk of response.body) {
        let written = 0;
        while (written < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written, position);
          written += bytesWritten;
          position += bytesWritten;
        }
        hash?.update(chunk);
        received += chunk.byteLength;
        onBytes(chunk.byteLength);
      }
    }
  } finally {
    await handle.close();
  }
  return received;
}
