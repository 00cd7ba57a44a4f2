import { resourceLocked } from "./errors";
import { parentOf } from "./paths";
import type { Principal } from "./principal";

/** A write lock as the lock rule sees it (WebDAV takes them; every door honours them). */
export interface HeldLock {
  token: string;
  /** The locked path (a folder ends with '/', "" is the root). */
  path: string;
  /** 1 for Depth: infinity (a folder and everything in it), 0 for the resource alone. */
  deep: number;
  exclusive: number;
  /** The credential that took the lock. */
  holder: string;
  expires_at: number;
}

/** What a change touches, for the lock check: the resource itself, and its members when it is a folder. */
export interface LockedTarget {
  path: string;
  /** A folder replaced, moved or deleted as a whole: locks on anything inside it count too. */
  withMembers?: boolean;
  /** The change adds or removes the resource in its folder: a lock on that folder counts too. */
  membership?: boolean;
}

/** Who asks to change a locked resource: their credential and the lock tokens they submitted (none outside WebDAV). */
export interface LockKey {
  holder: string;
  tokens: ReadonlySet<string>;
}

const isFolder = (path: string) => path === "" || path.endsWith("/");

/** The holder a lock taken by `principal` records: its credential ("master:<account>" for the master token). */
export const lockHolderOf = (principal: Principal) => principal.credentialId ?? `master:${principal.accountId}`;

export const lockKeyOf = (principal: Principal, tokens: ReadonlySet<string> = new Set()): LockKey => ({
  holder: lockHolderOf(principal),
  tokens,
});

/** True when `lock` covers `path`: it is on that path, or on a folder above it with Depth: infinity. */
export function covers(lock: HeldLock, path: string): boolean {
  if (lock.path === path) return true;
  return lock.deep === 1 && isFolder(lock.path) && path.startsWith(lock.path);
}

/** True when `lock` covers `path`, or, for a change to a folder `withMembers`, is on something inside it. */
export function touches(lock: HeldLock, path: string, withMembers: boolean | undefined): boolean {
  return covers(lock, path) || (withMembers === true && isFolder(path) && lock.path.startsWith(path));
}

/**
 * The lock rule every door obeys (RFC 4918 §6–7): a change to what an unexpired lock covers
 * needs one of that lock's tokens, submitted by the credential that took it; 423 otherwise.
 * Only WebDAV can submit tokens, so a locked resource is read-only to every other door.
 * `locks`: the unexpired locks of the space.
 */
export function assertUnlocked(locks: readonly HeldLock[], targets: readonly LockedTarget[], key: LockKey): void {
  if (locks.length === 0) return;
  const owned = (lock: HeldLock) => key.tokens.has(lock.token) && lock.holder === key.holder;
  for (const target of targets) {
    const relevant = locks.filter(
      (lock) =>
        touches(lock, target.path, target.withMembers) || (target.membership && lock.path === parentOf(target.path)),
    );
    // Shared locks on one resource: any one of them, submitted by its holder, unlocks it.
    for (const lock of relevant) {
      if (owned(lock)) continue;
      if (lock.exclusive === 0 && relevant.some((other) => other.path === lock.path && owned(other))) continue;
      throw resourceLocked(lock.path, lock.expires_at);
    }
  }
}
