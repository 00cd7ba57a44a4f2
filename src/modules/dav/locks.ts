import { randomUUID } from "node:crypto";
import { AppError, changed, conflict, forbidden } from "../../domain/errors";
import { assertUnlocked, covers, type LockedTarget, lockHolderOf, lockKeyOf, touches } from "../../domain/locks";
import type { Principal } from "../../domain/principal";
import type { LockRow } from "../../storage/db/dav-locks";
import type { Metadata } from "../../storage/db/metadata";
import { scopeOf } from "../files/service";

export const DEFAULT_TIMEOUT_S = 3600;
export const MAX_TIMEOUT_S = 7 * 86_400;

export interface LockRequest {
  exclusive: boolean;
  deep: boolean;
  owner: string;
  timeoutSeconds: number;
}

export type { LockedTarget } from "../../domain/locks";

/**
 * WebDAV write locks (RFC 4918 §6–7), exclusive and shared, with timeouts: taking,
 * refreshing and removing them. The rule that a change to a locked resource needs one of
 * its lock tokens, from the credential that took it, is domain/locks.ts; the file service
 * applies it to every change from every door, and WebDAV asks it early (assertUnlocked).
 */
export class LockService {
  constructor(
    private readonly metadata: Metadata,
    private readonly now: () => number = Date.now,
  ) {}

  active(principal: Principal): Promise<LockRow[]> {
    return this.metadata.read.davLocks.active(scopeOf(principal), this.now());
  }

  /** The unexpired locks among `locks` that cover a path (for lockdiscovery and the If header). */
  covering(path: string, locks: LockRow[]): LockRow[] {
    return locks.filter((lock) => covers(lock, path));
  }

  /** Takes a new lock on `path`; 423 when an existing lock conflicts with it. */
  lock(principal: Principal, path: string, request: LockRequest): Promise<LockRow> {
    // The check and the insert share one unit of work: two racing LOCKs cannot both win.
    return this.metadata.write(async (tx) => {
      const locks = await tx.davLocks.active(scopeOf(principal), this.now());
      const conflicting = locks.filter((lock) => touches(lock, path, request.deep));
      if (conflicting.some((lock) => request.exclusive || lock.exclusive === 1)) {
        throw new AppError("locked", "The resource is already locked");
      }
      const row: LockRow = {
        token: `urn:uuid:${randomUUID()}`,
        account_id: principal.accountId,
        space: principal.space,
        path,
        deep: request.deep ? 1 : 0,
        exclusive: request.exclusive ? 1 : 0,
        owner: request.owner,
        holder: lockHolderOf(principal),
        timeout_s: request.timeoutSeconds,
        expires_at: this.now() + request.timeoutSeconds * 1000,
      };
      await tx.davLocks.insert(row);
      return row;
    });
  }

  /** Extends the timeout of the caller's lock among `tokens` that covers `path`; 412 when there is none. */
  async refresh(principal: Principal, path: string, tokens: Set<string>, timeoutSeconds: number): Promise<LockRow> {
    const locks = this.covering(path, await this.active(principal));
    const lock = locks.find((l) => tokens.has(l.token) && l.holder === lockHolderOf(principal));
    if (!lock) throw changed("No lock to refresh: submit its token in the If header");
    const expiresAt = this.now() + timeoutSeconds * 1000;
    await this.metadata.write((tx) => tx.davLocks.refresh(lock.token, timeoutSeconds, expiresAt));
    return { ...lock, timeout_s: timeoutSeconds, expires_at: expiresAt };
  }

  /** Removes a lock by its token. 409 when it does not cover `path`, 403 when another credential holds it. */
  async unlock(principal: Principal, path: string, token: string): Promise<void> {
    const lock = this.covering(path, await this.active(principal)).find((l) => l.token === token);
    if (!lock) throw conflict("The lock token does not match a lock on this resource");
    if (lock.holder !== lockHolderOf(principal)) throw forbidden("The lock is held by another client");
    await this.metadata.write((tx) => tx.davLocks.delete(token));
  }

  /**
   * 423 unless the caller holds every lock on what the change touches (domain/locks.ts): an
   * early answer, before a body is read; the file service decides again as it writes.
   */
  async assertUnlocked(principal: Principal, targets: LockedTarget[], submitted: Set<string>): Promise<void> {
    assertUnlocked(await this.active(principal), targets, lockKeyOf(principal, submitted));
  }

  sweepExpired(): Promise<number> {
    return this.metadata.write((tx) => tx.davLocks.deleteExpired(this.now()));
  }
}

/** `Timeout: Infinite, Second-4100000000` → seconds, capped; the first value lightd understands wins. */
export function parseTimeout(header: string | null): number {
  if (!header) return DEFAULT_TIMEOUT_S;
  for (const part of header.split(",")) {
    const value = part.trim();
    if (/^infinite$/i.test(value)) return MAX_TIMEOUT_S;
    const match = /^second-(\d{1,12})$/i.exec(value);
    if (match) return Math.min(Math.max(Number(match[1]), 1), MAX_TIMEOUT_S);
  }
  return DEFAULT_TIMEOUT_S;
}
