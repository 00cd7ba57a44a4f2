import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir, writePrivateFile } from "./profiles";

export interface PartState {
  etag: string;
  md5: string;
  size: number;
}

/** Which upload a state file belongs to: same server, same remote path, same local bytes. */
export interface UploadIdentity {
  url: string;
  remote: string;
  local: string;
  size: number;
  mtime: number;
}

export interface UploadState extends UploadIdentity {
  file: string;
  part_size: number;
  upload_id: string;
  part_urls: string[];
  created_at: number;
  parts: Record<number, PartState>;
}

/**
 * Signed part URLs work for an hour; a state older than this is started afresh rather than
 * failing part after part on expired URLs.
 */
const STATE_LIFETIME_MS = 50 * 60 * 1000;

/**
 * Remembers each multipart upload's completed parts in `<config dir>/uploads/<id>.json`
 * (written after every part), so an interrupted `put` sends only what is missing. The file
 * holds signed URLs, so it is private like the profiles, and removed once the upload commits.
 */
export class UploadStateStore {
  constructor(readonly dir: string) {}

  #fileOf(identity: UploadIdentity): string {
    const { url, remote, local, size, mtime } = identity;
    const id = createHash("sha256")
      .update(JSON.stringify([url, remote, local, size, mtime]))
      .digest("hex");
    return join(this.dir, `${id.slice(0, 32)}.json`);
  }

  load(identity: UploadIdentity): UploadState | undefined {
    const file = this.#fileOf(identity);
    if (!existsSync(file)) return undefined;
    try {
      const state = JSON.parse(readFileSync(file, "utf8")) as UploadState;
      if (state.created_at + STATE_LIFETIME_MS > Date.now() && state.size === identity.size) return { ...state, file };
    } catch {
      // A state torn by a crash mid-write is worth nothing: start over.
    }
    rmSync(file, { force: true });
    return undefined;
  }

  create(identity: UploadIdentity, partSize: number, uploadId: string, partUrls: string[]): UploadState {
    const state: UploadState = {
      ...identity,
      file: this.#fileOf(identity),
      part_size: partSize,
      upload_id: uploadId,
      part_urls: partUrls,
      created_at: Date.now(),
      parts: {},
    };
    this.#write(state);
    return state;
  }

  recordPart(state: UploadState, number: number, part: PartState): void {
    state.parts[number] = part;
    this.#write(state);
  }

  discard(state: UploadState): void {
    rmSync(state.file, { force: true });
  }

  #write(state: UploadState): void {
    ensurePrivateDir(this.dir);
    writePrivateFile(state.file, JSON.stringify(state));
  }
}
