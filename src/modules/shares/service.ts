import { pathAllowed } from "../../domain/access";
import { AppError, badRequest, notFound, unauthorized } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import { parsePath } from "../../domain/paths";
import { lifetimeLimit } from "../../domain/power";
import type { Principal } from "../../domain/principal";
import { base62OfBytes, newId } from "../../lib/ids";
import { hmacSha256, sha256Hex } from "../../lib/secrets";
import type { Metadata } from "../../storage/db/metadata";
import type { LiveShare, ShareRow } from "../../storage/db/shares";
import { type FileService, scopeOf } from "../files/service";
import type { SharedEntry as SharedEntrySchema } from "./model";

export const DEFAULT_SHARE_TTL_S = 3600;
export const MAX_SHARE_TTL_S = 604_800;
export const MAX_SHARE_DOWNLOADS = 1_000_000;
/** Entries a folder share lists at once; a bigger folder says `truncated` (its subfolders list on their own). */
export const SHARE_LISTING_LIMIT = 1000;
const LIST_LIMIT = 1000;

/** What a share URL opens: bytes (a signed URL), a file's headers (HEAD, uncounted) or a folder listing. */
export type ShareOpening =
  | { kind: "download"; url: string }
  | { kind: "head"; file: StoredEntry }
  | { kind: "listing"; name: string; path: string; entries: SharedEntry[]; truncated: boolean };

export type SharedEntry = typeof SharedEntrySchema.static;

/** What a share link lives as long as: a key or token, an app's authorization, or (both null) the account. */
export type ShareCreator = Pick<ShareRow, "credential_id" | "grant_id">;
const ACCOUNT_CREATOR: ShareCreator = { credential_id: null, grant_id: null };

/** Unknown, revoked, expired and used-up links get this one answer, so none can be told apart. */
const deadLink = () => unauthorized("Invalid or expired share link");

/**
 * Public share links to a file or a folder. The token is derived from the link's id with an
 * HMAC under the server's signing secret: the database keeps only its SHA-256 (an indexed
 * lookup; the ~190-bit token cannot be guessed), yet the owner can list the link's URL again.
 * A link names its target by row id, so it follows moves and dies with deletion or replaced
 * bytes (storage/db/shares.ts).
 */
export class ShareService {
  constructor(
    private readonly metadata: Metadata,
    private readonly files: FileService,
    private readonly signingSecret: string,
    private readonly now: () => number = Date.now,
    /** What a link made by `principal` lives as long as (CredentialVerifier.creatorOf); by default the account. */
    private readonly creatorOf: (principal: Principal) => Promise<ShareCreator> = async () => ACCOUNT_CREATOR,
  ) {}

  async create(principal: Principal, path: string, options: { ttl?: number; maxDownloads?: number }, baseUrl: string) {
    const seconds = options.ttl ?? DEFAULT_SHARE_TTL_S;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SHARE_TTL_S) {
      throw badRequest(`ttl must be an integer number of seconds from 1 to ${MAX_SHARE_TTL_S}`);
    }
    const max = options.maxDownloads ?? null;
    if (max !== null && (!Number.isInteger(max) || max < 1 || max > MAX_SHARE_DOWNLOADS)) {
      throw badRequest(`max_downloads must be an integer from 1 to ${MAX_SHARE_DOWNLOADS}`);
    }
    const row = await this.files.stat(principal, path);
    const creator = await this.creatorOf(principal);
    const id = newId();
    const token = this.#tokenOf(id);
    const created = this.now();
    // Security rule "nothing a credential makes outlives it": a link made by a key or token ends
    // by the time it does, and with its revocation (the row's creator, see LIVE_SHARE).
    const expiresAt = Math.min(created + seconds * 1000, lifetimeLimit(principal) ?? Number.POSITIVE_INFINITY);
    const scope = scopeOf(principal);
    await this.metadata.write(async (tx) => {
      // The file may have gone since it was looked up: the link is made only if it is still there.
      if (!(await tx.files.byId(scope, row.id)))
        throw notFound(row.type === "folder" ? "Folder not found" : "File not found");
      await tx.shares.insert({
        id,
        token_hash: sha256Hex(token),
        account_id: scope.account,
        space: scope.space,
        file_id: row.id,
        created_at: created,
        expires_at: expiresAt,
        max_downloads: max,
        downloads: 0,
        ...creator,
      });
    });
    const ttl = Math.ceil((expiresAt - created) / 1000);
    return { id, url: `${baseUrl}/s/${token}`, token, expires_at: expiresAt, ttl, max_downloads: max };
  }

  /** The caller's live links whose target its prefix allows, newest first. */
  async list(principal: Principal, baseUrl: string) {
    const shares = await this.metadata.read.shares.listLive(
      scopeOf(principal),
      principal.prefix,
      this.now(),
      LIST_LIMIT,
    );
    return shares.map((share) => this.#view(share, baseUrl));
  }

  /** Revokes a link at once (the row goes; the next request finds nothing). 404 for a link the caller cannot see. */
  async revoke(principal: Principal, id: string): Promise<{ id: string; revoked: true }> {
    const share = await this.metadata.read.shares.getLive(scopeOf(principal), id, this.now());
    if (!share || !pathAllowed(principal, share.path)) throw notFound("Share link");
    await this.metadata.write((tx) => tx.shares.delete(id));
    return { id, revoked: true };
  }

  /**
   * Opens a share URL: `relative` is what follows `/s/{token}/` (decoded; "" for none).
   * A file share opens its file; a folder share lists itself or a subfolder, or opens a
   * file under it — the path parsed by the one path parser and fenced to the folder.
   * Each download (not a listing, not a HEAD) counts against `max_downloads` atomically.
   */
  async open(token: string, relative: string, baseUrl: string, options: { head: boolean }): Promise<ShareOpening> {
    const share = token.length <= 128 ? await this.metadata.read.shares.findLive(sha256Hex(token), this.now()) : null;
    if (!share) throw deadLink();
    const root = share.path;
    const principal = anonymousReader(share, share.type === "folder" ? root : "");
    let target: StoredEntry;
    if (share.type === "file") {
      if (relative !== "") throw new AppError("not_found", "A shared file has no paths under it");
      target = await this.files.stat(principal, root);
    } else {
      const path = relative === "" ? root : parsePath(root + relative);
      target = await this.files.stat(principal, path);
      if (target.type === "folder") return this.#listing(share, token, target, principal, baseUrl);
    }
    if (options.head) return { kind: "head", file: target };
    const counted = await this.metadata.write((tx) => tx.shares.countDownload(share.id, this.now()));
    if (!counted) throw deadLink();
    return { kind: "download", url: await this.files.downloadUrl(target, baseUrl) };
  }

  sweepExpired(): Promise<number> {
    return this.metadata.write((tx) => tx.shares.deleteExpired(this.now()));
  }

  async #listing(
    share: LiveShare,
    token: string,
    folder: StoredEntry,
    principal: Principal,
    baseUrl: string,
  ): Promise<ShareOpening> {
    const listing = await this.files.list(principal, folder.path, SHARE_LISTING_LIMIT, 0);
    const link = (relative: string) => `${baseUrl}/s/${token}/${relative.split("/").map(encodeURIComponent).join("/")}`;
    const entries = listing.rows.map((row) => {
      const relative = row.path.slice(share.path.length);
      return {
        name: row.name,
        path: relative,
        type: row.type,
        size: row.size,
        content_type: row.content_type,
        updated_at: row.updated_at,
        url: link(relative),
      };
    });
    const name = folder.path === share.path ? folder.name : folder.path.slice(share.path.length);
    return { kind: "listing", name, path: folder.path.slice(share.path.length), entries, truncated: listing.truncated };
  }

  #view(share: LiveShare, baseUrl: string) {
    const token = this.#tokenOf(share.id);
    // A link made under another signing secret cannot be re-derived; it still works but its URL is unknown.
    const url = sha256Hex(token) === share.token_hash ? `${baseUrl}/s/${token}` : null;
    return {
      id: share.id,
      path: share.path,
      type: share.type,
      url,
      expires_at: share.expires_at,
      created_at: share.created_at,
      downloads: share.downloads,
      max_downloads: share.max_downloads,
    };
  }

  #tokenOf(id: string): string {
    // 32 base62 characters of a 256-bit MAC: ≈190 bits, like every other lightd secret.
    return `lightd_shr_${base62OfBytes(hmacSha256(this.signingSecret, `lightd-share-v1:${id}`), 32)}`;
  }
}

/** Read-only power over one share's target: a folder share's principal cannot leave the folder. */
function anonymousReader(share: LiveShare, prefix: string): Principal {
  return {
    accountId: share.account_id,
    actor: "",
    source: "anonymous",
    credentialId: null,
    space: share.space as Principal["space"],
    scopes: new Set(["files:read"]),
    prefix,
    ownSignIn: false,
    expiresAt: share.expires_at,
  };
}
