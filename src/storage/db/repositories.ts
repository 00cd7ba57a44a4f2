import type { Awaitable } from "../../lib/awaitable";
import type { AccountRow, NewAccount } from "./accounts";
import type { BackupResult, BackupRow } from "./backups";
import type { ChallengeRow } from "./challenges";
import type { CredentialAuthRow, CredentialRow, NewCredential } from "./credentials";
import type { LockRow } from "./dav-locks";
import type { DeadProperty, FileFacts } from "./dav-properties";
import type { EventRow, LogWindow } from "./events";
import type { FileRow, NewFile, Scope } from "./files";
import type { AttemptResult, DeliveryClaim, DeliveryRow, HookRow, NewDelivery } from "./hooks";
import type { InviteRow } from "./invites";
import type { MagicLinkRow } from "./magic-links";
import type { OAuthClientRow, OAuthCodeRow, OAuthGrantRow } from "./oauth";
import type { QuotaLimits, Usage } from "./quotas";
import type { ReclaimRow } from "./reclaim";
import type { LiveShare, ShareRow } from "./shares";
import type { SpaceTotals } from "./spaces";
import type { UploadRow } from "./uploads";
import type { VersionEnd, VersionRow } from "./versions";

/*
 * The metadata engine's contract: one interface per repository, every method asynchronous
 * so an engine that talks to a server (Postgres) implements the same interface as the
 * embedded one (SQLite). The two reads every download and every authenticated request make
 * are `Awaitable`: the embedded engine answers them at once, without a promise. Services see
 * only these interfaces and `Metadata` (./metadata.ts).
 * A method that writes is called on the repositories a unit of work hands out; a method
 * marked "one winner" decides a race in one statement, so it stays correct with many
 * writers on many instances.
 */

/** `accounts`. Names and e-mail addresses compare case-insensitively. */
export interface AccountRepository {
  findByName(name: string): Promise<AccountRow | null>;
  findByEmail(email: string): Promise<AccountRow | null>;
  findById(id: number): Promise<AccountRow | null>;
  /** The account's name (the actor a credential acts as); null when no such account exists. */
  nameOf(id: number): Promise<string | null>;
  list(): Promise<AccountRow[]>;
  /** Inserts an account; null when the name (or e-mail) is already taken. */
  insert(account: NewAccount): Promise<AccountRow | null>;
  /** Deletes the account row; what hangs off it goes with it (cascade). False when none existed. */
  delete(id: number): Promise<boolean>;
}

/** Every token, session and key, stored as an argon2id hash. */
export interface CredentialRepository {
  insert(row: NewCredential): Promise<void>;
  findById(id: string): Promise<CredentialRow | null>;
  /** The per-request read of a credential: only the columns the verifier needs. */
  findForAuth(id: string): Awaitable<CredentialAuthRow | null>;
  /** Deletes a single-use credential; true only for the one caller that removed the row (one winner). */
  consume(id: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
  /** Adds batched usage counters. */
  recordUsage(entries: Iterable<[string, { count: number; lastUsedAt: number }]>): Promise<void>;
  /**
   * Marks a credential as rotated (an OAuth refresh token that has been exchanged); true only
   * for the one caller that did, so two concurrent refreshes cannot both rotate it (one winner).
   */
  claimRotation(id: string, now: number): Promise<boolean>;
  /**
   * Keeps the answer of a refresh token's rotation beside it, sealed under a key only the
   * rotated token itself yields, so a duplicate refresh on any instance within the grace
   * window gets the same answer (RFC 9700 §4.14.2).
   */
  saveRotationAnswer(id: string, sealed: string): Promise<void>;
  /** When a credential was rotated and the sealed answer of that rotation, once written. */
  rotationOf(id: string): Promise<{ rotated_at: number | null; rotation_answer: string | null } | null>;
  /** Drops the sealed answers of rotations made before `before` (the grace window is over). */
  forgetRotationAnswers(before: number): Promise<number>;
  /** When the tokens of each OAuth grant of an account were last used (batched usage counters). */
  lastUseByGrant(accountId: number): Promise<Map<string, number | null>>;
  /** Whether an OAuth grant still has a token not expired at `now` (else the app can no longer act). */
  grantHasLiveToken(grantId: string, now: number): Promise<boolean>;
}

/** API-key views of `credentials` (kinds `live` and `test`); inserts go through CredentialRepository. */
export interface ApiKeyRepository {
  listForAccount(accountId: number): Promise<CredentialRow[]>;
  findForAccount(id: string, accountId: number): Promise<CredentialRow | null>;
  deleteForAccount(id: string, accountId: number): Promise<boolean>;
  /** Replaces the secret hash and expiry; null when the key was rotated after `notRotatedSince` (one winner). */
  rotate(...rotation: KeyRotation): Promise<CredentialRow | null>;
}

/** What `ApiKeyRepository.rotate` takes, in order. */
export type KeyRotation = [
  id: string,
  accountId: number,
  secretHash: string,
  expiresAt: number,
  now: number,
  notRotatedSince: number,
];

/** Rows used once before they expire: login challenges, magic links. */
export interface OneTimeRepository<Row> {
  insert(row: Row): Promise<void>;
  findById(id: string): Promise<Row | null>;
  /** Removes the row; true only for the one caller that removed it (one winner). */
  take(id: string): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
}

/** The admin's invite codes. */
export interface InviteRepository {
  insert(row: Omit<InviteRow, "used_at" | "used_by">): Promise<void>;
  get(id: string): Promise<InviteRow | null>;
  /** Every invite, oldest first, with the name of the account that used it. */
  list(): Promise<(InviteRow & { used_by_name: string | null })[]>;
  /** Marks an unused, unexpired invite used by `accountId`; true only for the one caller that did (one winner). */
  take(id: string, now: number, accountId: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** Per-account limits and usage (the sum of the account's space counters). */
export interface QuotaRepository {
  limits(accountId: number): Promise<QuotaLimits>;
  usage(accountId: number): Promise<Usage>;
  /** Sets an account's limits; false when no such account exists. */
  set(accountId: number, limits: QuotaLimits): Promise<boolean>;
}

/** The file tree: one row per file or folder, with a name index for search. */
export interface FileRepository {
  get(scope: Scope, path: string): Awaitable<FileRow | null>;
  /** The rows at any of `paths` (those that exist, in no order): several lookups in one statement. */
  getMany(scope: Scope, paths: readonly string[]): Promise<FileRow[]>;
  /** A row by id, only within the scope (share links follow a file by id through moves). */
  byId(scope: Scope, id: number): Promise<FileRow | null>;
  /** True while any file row (any account) points at this stored object. */
  usesObject(objectKey: string): Promise<boolean>;
  /** Every stored object an account's file rows point at (an account deletion queues them). */
  objectKeysOfAccount(accountId: number): Promise<string[]>;
  insert(row: NewFile): Promise<number>;
  /** Replaces the content fields of a file row (an overwrite). */
  updateContent(
    id: number,
    fields: Pick<FileRow, "object_key" | "size" | "content_type" | "etag" | "tx" | "updated_at">,
  ): Promise<void>;
  delete(row: FileRow): Promise<void>;
  /** A folder's direct children, folders first then by name; `namePrefix` narrows to names starting with it. */
  listChildren(scope: Scope, parent: string, namePrefix: string, limit: number, offset: number): Promise<FileRow[]>;
  /** Every row whose path starts with `prefix` (a folder and all it contains), in path order. */
  listUnder(scope: Scope, prefix: string): Promise<FileRow[]>;
  /** Rewrites paths under `from` to start with `to` (a folder move); returns the rows moved. */
  movePrefix(scope: Scope, from: string, to: string, tx: number, now: number): Promise<number>;
  /** Renames one file row (a file move). */
  moveFile(row: FileRow, to: string, parent: string, name: string, tx: number, now: number): Promise<void>;
  /** Ranked name search: files whose path holds every term, under `pathPrefix`, best first. */
  search(scope: Scope, terms: string[], pathPrefix: string, limit: number): Promise<FileRow[]>;
  /** File count and bytes under a prefix. */
  totalsUnder(scope: Scope, prefix: string): Promise<{ files: number; bytes: number }>;
}

/** Per-space counters: the last tx and the file/byte totals. */
export interface SpaceRepository {
  /** The next tx of the space: strictly increasing, no gaps, decided by the unit of work it runs in. */
  nextTx(scope: Scope): Promise<number>;
  adjust(scope: Scope, files: number, bytes: number): Promise<void>;
  /** Changes the bytes held only by versions. */
  adjustVersionBytes(scope: Scope, bytes: number): Promise<void>;
  totals(scope: Scope): Promise<SpaceTotals>;
}

/** The per-space event log, one row per tx: the one place changes are recorded. */
export interface EventRepository {
  /** The newest committed tx of a space (0 when it has none). */
  latestTx(scope: Scope): Promise<number>;
  /** Records a change; its unit of work tells `Metadata.onCommitted` listeners once it commits. */
  append(scope: Scope, event: EventRow): Promise<void>;
  /** Events after `since` (and in `window`), oldest first unless the window says newest first. */
  since(scope: Scope, since: number, limit: number, window?: LogWindow): Promise<EventRow[]>;
  /** Events touching a path (as source or destination) after `since`; not `exact`: anything under it. */
  forPath(
    scope: Scope,
    path: string,
    exact: boolean,
    since: number,
    limit: number,
    window?: LogWindow,
  ): Promise<EventRow[]>;
}

/** Stored bytes nothing references any more, waiting to be deleted from the blob store. */
export interface ReclaimRepository {
  /**
   * Queues objects (or, with `uploadId`, one multipart upload each); a key already queued stays
   * queued once. Nothing is due before `notBefore` (Unix ms; a signed URL may still be used).
   */
  enqueue(objectKeys: Iterable<string>, now: number, uploadId?: string, notBefore?: number): Promise<void>;
  /** Queued rows due at `now`, oldest first. */
  page(limit: number, offset: number, now: number): Promise<ReclaimRow[]>;
  /** The queued rows of one object due at `now`. */
  forKey(objectKey: string, now: number): Promise<ReclaimRow[]>;
  remove(row: ReclaimRow): Promise<void>;
  count(): Promise<number>;
}

/**
 * Leases that pause the deletion of stored bytes: a backup takes one before its snapshot and
 * renews it while it copies objects, even from another process. A lease not renewed lapses.
 */
export interface ReclaimHoldRepository {
  /** Takes or renews the hold `id` until `until` (Unix ms). */
  hold(id: string, until: number): Promise<void>;
  release(id: string): Promise<void>;
  /** Whether any hold is in force at `now`. */
  active(now: number): Promise<boolean>;
  /** Until when the hold `id` is taken (Unix ms), or null when there is none. */
  until(id: string): Promise<number | null>;
}

/** The history of every path: one row per ended version. */
export interface VersionRepository {
  /** Records `rows` as versions ended by `end`; call in the ending change's unit of work, before the rows change. */
  record(scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): Promise<void>;
  /** The version of `path` that was current at `tx`, if it has ended since. */
  at(scope: Scope, path: string, tx: number): Promise<VersionRow | null>;
  /** A path's ended versions, newest first. */
  forPath(scope: Scope, path: string, limit: number): Promise<VersionRow[]>;
  /** Every ended version under `prefix` that was current at `tx`, in path order. */
  liveAt(scope: Scope, prefix: string, tx: number): Promise<VersionRow[]>;
  /**
   * Deleted files under `prefix`: paths no file is at whose newest version was ended by a
   * delete or a restore, newest deletion first.
   */
  trash(scope: Scope, prefix: string, limit: number, offset: number): Promise<VersionRow[]>;
  /** The size of an object some version names, or null when none does. */
  objectSize(objectKey: string): Promise<number | null>;
  /** Versions past retention, oldest first: ended before `endedBefore`, or beyond the `keepCount` newest of their path. */
  pastRetention(endedBefore: number, keepCount: number, limit: number): Promise<VersionRow[]>;
  /** Bytes of objects only versions under `prefix` hold (stats of a prefix-limited credential). */
  bytesOnlyUnder(scope: Scope, prefix: string): Promise<number>;
  /** An account's oldest file versions (quota eviction). */
  oldestOf(accountId: number, limit: number): Promise<VersionRow[]>;
  /** Every stored object an account's versions name (an account deletion queues them). */
  objectKeysOfAccount(accountId: number): Promise<string[]>;
  delete(rows: Iterable<VersionRow>): Promise<void>;
}

/** Uploads started but not yet completed (their bytes are not visible yet). */
export interface UploadRepository {
  insert(row: UploadRow): Promise<void>;
  get(id: string): Promise<UploadRow | null>;
  /** Uploads of one kind waiting for `complete` at a path, newest first. */
  pending(scope: Scope, path: string, kind: UploadRow["kind"]): Promise<UploadRow[]>;
  /** True only for the caller that removed the row (one winner). */
  delete(id: string): Promise<boolean>;
  /** Marks a pending upload completed; true only for the one caller that did (one winner). */
  markCompleted(id: string, now: number): Promise<boolean>;
  /** Puts a completed upload back to pending. */
  reopen(id: string): Promise<void>;
  /** Completed uploads whose signed URL has expired. */
  completedAndExpired(now: number): Promise<UploadRow[]>;
  startedBefore(cutoff: number): Promise<UploadRow[]>;
  /** True while an upload (pending, or completed with a live URL) names this object key. */
  usesObject(objectKey: string): Promise<boolean>;
  /** The pending upload whose bytes go to `objectKey`. */
  pendingByObjectKey(objectKey: string): Promise<UploadRow | null>;
  /** Adds `bytes` (negative: takes them off) to what an upload holds; an upload gone already is no error. */
  addBytes(id: string, bytes: number): Promise<void>;
  /** Every upload row of an account (an account deletion queues their bytes). */
  forAccount(accountId: number): Promise<UploadRow[]>;
}

/** Share links, by token hash; a link follows its file row. */
export interface ShareRepository {
  insert(row: ShareRow): Promise<void>;
  /** The live share a token hash names, or null (unknown, expired, used up and revoked look the same). */
  findLive(hash: string, now: number): Promise<LiveShare | null>;
  /** Live shares of a space whose target lies under `prefix`, newest first. */
  listLive(scope: Scope, prefix: string, now: number, limit: number): Promise<LiveShare[]>;
  getLive(scope: Scope, id: string, now: number): Promise<LiveShare | null>;
  /** Counts one download if the share is still live and under its cap; false when it is not (one winner). */
  countDownload(id: string, now: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Removes expired and used-up links. */
  deleteExpired(now: number): Promise<number>;
}

/** Webhooks and their durable delivery queue. */
export interface HookRepository {
  insert(row: HookRow): Promise<void>;
  /** The space's hooks, oldest first (ties by id). */
  forSpace(scope: Scope): Promise<HookRow[]>;
  get(scope: Scope, id: string): Promise<HookRow | null>;
  byId(id: string): Promise<HookRow | null>;
  all(): Promise<HookRow[]>;
  /** Deletes a hook and its queue. */
  delete(id: string): Promise<void>;
  /** Queues deliveries and moves the hook's cursor to `upToTx` (call in one unit of work). */
  enqueue(hookId: string, deliveries: NewDelivery[], upToTx: number): Promise<void>;
  /**
   * Claims up to `claim.limit` deliveries to send now: each the head of its hook's queue
   * (deliveries go out in tx order), due by `claim.now`, its hook not in `claim.busy`. A claim
   * leases the delivery until `claim.leaseUntil` where instances share the queue (Postgres),
   * so no other sends it meanwhile and one whose sender died is claimed again afterwards.
   * A returned row's `next_attempt_at` is the claim: pass it to `recordAttempt`.
   */
  claimDue(claim: DeliveryClaim): Promise<DeliveryRow[]>;
  /** Records an attempt if the claim still holds (true), or nothing when another took it over (false). */
  recordAttempt(id: string, claimedUntil: number, result: AttemptResult): Promise<boolean>;
  /** A hook's deliveries, newest first. */
  deliveries(hookId: string, limit: number): Promise<DeliveryRow[]>;
  /** Forgets finished deliveries created before `before`. */
  pruneFinished(before: number): Promise<number>;
}

/** WebDAV write locks. */
export interface DavLockRepository {
  /** Every unexpired lock of a space. */
  active(scope: Scope, now: number): Promise<LockRow[]>;
  insert(row: LockRow): Promise<void>;
  refresh(token: string, timeoutSeconds: number, expiresAt: number): Promise<void>;
  delete(token: string): Promise<void>;
  /** Drops the locks on a path and, for a folder path, on everything under it. */
  deleteUnder(scope: Scope, path: string): Promise<void>;
  deleteExpired(now: number): Promise<number>;
}

/** WebDAV dead properties and client-told file facts, keyed by file row id. */
export interface DavPropertyRepository {
  forFile(fileId: number): Promise<DeadProperty[]>;
  /** Dead properties of every direct child of a folder, by file id. */
  forChildren(scope: Scope, parent: string): Promise<Map<number, DeadProperty[]>>;
  set(fileId: number, property: DeadProperty): Promise<void>;
  remove(fileId: number, ns: string, name: string): Promise<void>;
  copy(fromId: number, toId: number): Promise<void>;
  facts(fileId: number): Promise<FileFacts | null>;
  factsForChildren(scope: Scope, parent: string): Promise<Map<number, FileFacts>>;
  setFacts(fileId: number, facts: FileFacts): Promise<void>;
}

/** One row per backup run, for GET /admin/backups. */
export interface BackupRepository {
  start(row: { id: string; path: string; encrypted: boolean; started_at: number }): Promise<void>;
  finish(id: string, result: BackupResult): Promise<void>;
  get(id: string): Promise<BackupRow | null>;
  /** The latest runs, newest first. */
  recent(limit: number): Promise<BackupRow[]>;
}

/** The apps people registered for OAuth 2.0. */
export interface OAuthClientRepository {
  insert(row: Omit<OAuthClientRow, "secret_rotated_at">): Promise<void>;
  findById(id: string): Promise<OAuthClientRow | null>;
  listByAccount(accountId: number): Promise<OAuthClientRow[]>;
  /** Deletes an app of the account; its grants, codes and tokens go with it. */
  delete(id: string, accountId: number): Promise<boolean>;
  /** Replaces a confidential client's secret hash; false for unknown or public clients. */
  replaceSecret(id: string, accountId: number, secretHash: string, now: number): Promise<boolean>;
}

/** Authorization codes, kept by SHA-256 so the store never holds one. */
export interface OAuthCodeRepository {
  insert(row: Omit<OAuthCodeRow, "used_at" | "grant_id">): Promise<void>;
  find(codeHash: string): Promise<OAuthCodeRow | null>;
  /** Marks a code used; the row for the one caller that did, null when it was used already or is unknown (one winner). */
  claim(codeHash: string, now: number): Promise<OAuthCodeRow | null>;
  /** Remembers which grant a code produced, so a replay of the code can revoke it. */
  bindGrant(codeHash: string, grantId: string): Promise<void>;
  /** Deletes codes that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** Consents. Deleting a grant ends its access and refresh tokens with it. */
export interface OAuthGrantRepository {
  insert(row: Omit<OAuthGrantRow, "refreshed_at">): Promise<void>;
  findById(id: string): Promise<OAuthGrantRow | null>;
  listByAccount(accountId: number): Promise<OAuthGrantRow[]>;
  /** Revokes a grant: its tokens are deleted with it. */
  delete(id: string): Promise<boolean>;
  /** Revokes a grant of this account only (the person's own "revoke app"). */
  deleteOwned(id: string, accountId: number): Promise<boolean>;
  markRefreshed(id: string, now: number): Promise<void>;
  /** Removes grants older than `before` that have no token left; returns how many. */
  deleteEmpty(before: number): Promise<number>;
}

/** Every repository, as one engine hands them out: for reads, or bound to one unit of work. */
export interface Repositories {
  accounts: AccountRepository;
  credentials: CredentialRepository;
  apiKeys: ApiKeyRepository;
  challenges: OneTimeRepository<ChallengeRow>;
  magicLinks: OneTimeRepository<MagicLinkRow>;
  invites: InviteRepository;
  quotas: QuotaRepository;
  files: FileRepository;
  spaces: SpaceRepository;
  events: EventRepository;
  reclaim: ReclaimRepository;
  uploads: UploadRepository;
  shares: ShareRepository;
  hooks: HookRepository;
  davLocks: DavLockRepository;
  davProperties: DavPropertyRepository;
  versions: VersionRepository;
  holds: ReclaimHoldRepository;
  backups: BackupRepository;
  oauthClients: OAuthClientRepository;
  oauthCodes: OAuthCodeRepository;
  oauthGrants: OAuthGrantRepository;
}
