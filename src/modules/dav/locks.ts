import { randomUUID } from "node:crypto";
import { AppError, changed, conflict, forbidden } from "../../domain/errors";
import { parentOf } from "../../domain/paths";
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

/** What a change touches, for the lock check: the resource itself, and its members when it is a folder. */
export interface LockedTarget {
  path: string;
  /** A folder replaced, moved or deleted as a whole: locks on anything inside it count too. */
  withMembers?: boolean;
  /** The change adds or removes the resource in its folder: a lock on that folder counts too. */
  membership?: boolean;
}

const holderOf = (principal: Principal) => principal.credentialId ?? `master:${principal.accountId}`;

/** True when `lock` covers `path`: it is on that path, or on a folder above it with Depth: infinity. */
export function covers(lock: LockRow, path: string): boolean {
  if (lock.path === path) return true;
  return lock.deep === 1 && (lock.path === "" || lock.path.endsWith("/")) && path.startsWith(lock.path);
}

/** True when `lock` covers `path`, or, for a change to a folder `withMembers`, is on something inside it. */
function touches(lock: LockRow, path: string, withMembers: boolean | undefined): boolean {
  return covers(lock, path) || (withMembers === true && path.endsWith("/") && lock.path.startsWith(path));
}

/**
 * WebDAV write locks (RFC 4918 §6–7), exclusive and shared, with timeouts. Security
 * rule: a change to a locked resource needs one of its lock tokens in the `If` header,
 * and a token counts only for the credential that took the lock, so another client — or
 * the same account with another key — gets 423 Locked.
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
        holder: holderOf(principal),
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
    const lock = locks.find((l) => tokens.has(l.token) && l.holder === holderOf(principal));
    if (!lock) throw changed("No lock to refresh: submit its token in the If header");
    const expiresAt = this.now() + timeoutSeconds * 1000;
    await this.metadata.write((tx) => tx.davLocks.refresh(lock.token, timeoutSeconds, expiresAt));
    return { ...lock, timeout_s: timeoutSeconds, expires_at: expiresAt };
  }

  /** Removes a lock by its token. 409 when it does not cover `path`, 403 when another credential holds it. */
  async unlock(principal: Principal, path: string, token: string): Promise<void> {
    const lock = this.covering(path, await this.active(principal)).find((l) => l.token === token);
    if (!lock) throw conflict("The lock token does not match a lock on this resource");
    if (lock.holder !== holderOf(principal)) throw forbidden("The lock is held by another client");
    await this.metadata.write((tx) => tx.davLocks.delete(token));
  }

  /** 423 unless every lock on what the change touches is matched by a submitted token of the caller's. */
  async assertUnlocked(principal: Principal, targets: LockedTarget[], submitted: Set<string>): Promise<void> {
    const locks = await this.active(principal);
    if (locks.length === 0) return;
    const holder = holderOf(principal);
    const owned = (lock: LockRow) => submitted.has(lock.token) && lock.holder === holder;
    for (const target of targets) {
      const relevant = locks.filter(
        (lock) =>
          touches(lock, target.path, target.withMembers) || (target.membership && lock.path === parentOf(target.path)),
      );
      // Shared locks on one resource: any one of them, submitted by its holder, unlocks it.
      for (const lock of relevant) {
        if (owned(lock)) continue;
        if (lock.exclusive === 0 && relevant.some((other) => other.path === lock.path && owned(other))) continue;
        throw new AppError("locked", "The resource is locked; submit its lock token in the If header");
      }
    }
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
