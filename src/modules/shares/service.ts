import { AppError, badRequest } from "../../errors";
import { newId, randomBase62 } from "../../lib/ids";
import { sha256Hex } from "../../lib/secrets";
import type { ShareRepository } from "../../storage/db/shares";
import type { Principal } from "../auth/principal";
import { type FileService, scopeOf } from "../files/service";

export const DEFAULT_SHARE_TTL_S = 3600;
export const MAX_SHARE_TTL_S = 604_800;

/**
 * Public share links. The token carries ~190 random bits, so a SHA-256 of it is a
 * safe at-rest form that also gives an O(1) indexed lookup (argon2 is for secrets a
 * person could guess; these cannot be).
 */
export class ShareService {
  constructor(
    private readonly shares: ShareRepository,
    private readonly files: FileService,
    private readonly now: () => number = Date.now,
  ) {}

  create(principal: Principal, path: string, ttl: number | undefined, baseUrl: string) {
    const seconds = ttl ?? DEFAULT_SHARE_TTL_S;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SHARE_TTL_S) {
      throw badRequest(`ttl must be an integer number of seconds from 1 to ${MAX_SHARE_TTL_S}`);
    }
    const row = this.files.stat(principal, path);
    if (row.type !== "file") throw badRequest("Only files can be shared");
    const token = `lightd_shr_${randomBase62(32)}`;
    const created = this.now();
    const expiresAt = created + seconds * 1000;
    const scope = scopeOf(principal);
    this.shares.insert({
      id: newId(),
      token_hash: sha256Hex(token),
      account_id: scope.account,
      space: scope.space,
      path,
      created_at: created,
      expires_at: expiresAt,
    });
    return { url: `${baseUrl}/s/${token}`, token, expires_at: expiresAt, ttl: seconds };
  }

  /** The signed download URL behind a share token; 401 for unknown or expired links, 404 if the file is gone. */
  async resolve(token: string, baseUrl: string): Promise<string> {
    const share = token.length <= 128 ? this.shares.findByTokenHash(sha256Hex(token)) : null;
    if (!share || share.expires_at <= this.now()) throw new AppError("unauthorized", "Invalid or expired share link");
    const principal: Principal = {
      accountId: share.account_id,
      actor: "",
      source: "anonymous",
      credentialId: null,
      space: share.space as Principal["space"],
      scopes: new Set(["files:read"]),
      prefix: "",
    };
    const row = this.files.stat(principal, share.path);
    return this.files.downloadUrl(row, baseUrl);
  }

  sweepExpired(): number {
    return this.shares.deleteExpired(this.now());
  }
}
