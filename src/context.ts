import type { Database } from "bun:sqlite";
import { join } from "node:path";
import pkg from "../package.json";
import type { ConfigStore } from "./config";
import { configuredOrigin } from "./http/links";
import type { Logger } from "./lib/logger";
import { SecretBox } from "./lib/sealed";
import { UrlSigner } from "./lib/url-signer";
import { CredentialVerifier } from "./modules/auth/verifier";
import { type AuthServices, createAuthServices } from "./modules/auth/wiring";
import { startBackupSchedule } from "./modules/backups/schedule";
import type { BackupService } from "./modules/backups/service";
import { createBackupService } from "./modules/backups/wiring";
import { BlobGateway } from "./modules/blobs/service";
import { blobUrlBuilder } from "./modules/blobs/urls";
import { LockService } from "./modules/dav/locks";
import { DavService } from "./modules/dav/service";
import { ChangeHub } from "./modules/feed/hub";
import { FeedService } from "./modules/feed/service";
import { Quotas } from "./modules/files/quota";
import { Reclaimer } from "./modules/files/reclaim";
import { Retention, VersionPruner } from "./modules/files/retention";
import { FileService } from "./modules/files/service";
import type { FileRepos } from "./modules/files/tree";
import { VersionService } from "./modules/files/versions";
import { HookDispatcher } from "./modules/hooks/dispatcher";
import { HookService } from "./modules/hooks/service";
import { OAuthService } from "./modules/oauth/service";
import { ShareService } from "./modules/shares/service";
import { TokenService } from "./modules/tokens/service";
import { UploadService } from "./modules/uploads/service";
import type { BlobStore } from "./storage/blob/blob-store";
import { type BlobBackend, createBlobBackend } from "./storage/blob/factory";
import { openDatabase } from "./storage/db/connection";
import { CredentialRepository } from "./storage/db/credentials";
import { DavLockRepository } from "./storage/db/dav-locks";
import { DavPropertyRepository } from "./storage/db/dav-properties";
import { EventRepository } from "./storage/db/events";
import { FileRepository } from "./storage/db/files";
import { HookRepository } from "./storage/db/hooks";
import { OAuthClientRepository } from "./storage/db/oauth-clients";
import { OAuthCodeRepository } from "./storage/db/oauth-codes";
import { OAuthGrantRepository } from "./storage/db/oauth-grants";
import { QuotaRepository } from "./storage/db/quotas";
import { ReclaimRepository } from "./storage/db/reclaim";
import { ReclaimHoldRepository } from "./storage/db/reclaim-holds";
import { ShareRepository } from "./storage/db/shares";
import { SpaceRepository } from "./storage/db/spaces";
import { UploadRepository } from "./storage/db/uploads";
import { VersionRepository } from "./storage/db/versions";

export interface ContextOptions {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  now?: () => number;
}

/** Everything the HTTP layer and the CLI share: the database, repositories and services. */
export interface AppContext {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  db: Database;
  now: () => number;
  credentials: CredentialRepository;
  verifier: CredentialVerifier;
  tokens: TokenService;
  /** Signs and verifies the URLs that /blobs serves. */
  signer: UrlSigner;
  blobs: BlobStore;
  /** The byte store with its optional capabilities (local files for sendfile, a start-up check). */
  storage: BlobBackend;
  /** Serves the signed URLs that point at lightd itself. */
  blobGateway: BlobGateway;
  files: FileService;
  /** File history: versions, the trash, restores and retention. */
  versions: VersionService;
  uploads: UploadService;
  shares: ShareService;
  /** Publishes committed events to the live feed and webhooks. */
  hub: ChangeHub;
  feed: FeedService;
  hooks: HookService;
  /** WebDAV's dead properties and locks, beside the same file service. */
  dav: DavService;
  /** Accounts, logins, API keys, account admin and rate limits. */
  auth: AuthServices;
  /** The OAuth 2.0 authorization server: apps, codes, grants and their tokens. */
  oauth: OAuthService;
  /** Deletes unreferenced stored bytes: the reclaim queue and the garbage collector. */
  reclaimer: Reclaimer;
  /** Backup archives: on demand, scheduled, listed. */
  backups: BackupService;
  /** Periodic jobs (expired-token sweep, usage flush, reclaim); returns a stop function. */
  startBackgroundJobs(): () => void;
  close(): void;
}

const SWEEP_INTERVAL_MS = 5 * 60_000;
const USAGE_FLUSH_MS = 5_000;
const STALE_UPLOAD_SWEEP_MS = 60 * 60_000;
/** How often the reclaim pass runs (queue drain + garbage collection). */
const RECLAIM_INTERVAL_MS = 15 * 60_000;
/** Stored bytes younger than this are never collected: an upload may still be about to commit them. */
export const RECLAIM_GRACE_MS = 60 * 60_000;

export function createContext(options: ContextOptions): AppContext {
  const now = options.now ?? Date.now;
  const db = openDatabase(join(options.dataDir, "lightd.db"));
  const credentials = new CredentialRepository(db);
  const verifier = new CredentialVerifier(db, credentials, {
    master: () => options.config.current.authorization,
    now,
  });
  const tokens = new TokenService(credentials, now);
  const signer = new UrlSigner(options.config.current.signing_secret, now);
  const quotas = new Quotas(new QuotaRepository(db));
  const storage = createBlobBackend(options.config.current, options.dataDir, blobUrlBuilder(signer));
  const blobs = storage.store;
  // One event repository for every writer: its appends are what the change hub publishes.
  const events = new EventRepository(db);
  const hub = new ChangeHub(events, options.logger);
  const fileRepo = new FileRepository(db);
  const reclaimRepo = new ReclaimRepository(db);
  const uploadRepo = new UploadRepository(db);
  const versionRepo = new VersionRepository(db);
  const reclaimer = new Reclaimer(
    {
      reclaim: reclaimRepo,
      files: fileRepo,
      uploads: uploadRepo,
      holds: new ReclaimHoldRepository(db),
      versions: versionRepo,
    },
    blobs,
    options.logger,
    now,
  );
  const spaces = new SpaceRepository(db);
  const fileRepos: FileRepos = {
    db,
    files: fileRepo,
    spaces,
    events,
    reclaim: reclaimRepo,
    quotas,
    versions: versionRepo,
    retention: new Retention(() => options.config.current.versions),
    pruner: new VersionPruner({ files: fileRepo, versions: versionRepo, spaces, reclaim: reclaimRepo }, now),
  };
  const files = new FileService(fileRepos, blobs, reclaimer, options.logger, now);
  const versions = new VersionService(fileRepos, reclaimer, now);
  const uploads = new UploadService(
    uploadRepo,
    files,
    blobs,
    options.logger,
    now,
    () => options.config.current.server.max_upload_bytes,
  );
  const blobGateway = new BlobGateway(blobs, signer, (key) => uploads.quotaForObject(key));
  const shares = new ShareService(new ShareRepository(db), files, options.config.current.signing_secret, now);
  const feed = new FeedService(hub, files, () => options.config.current.feed, options.logger);
  const hookRepository = new HookRepository(db);
  const hookSecrets = new SecretBox(options.config.current.signing_secret, "webhooks");
  const allowPrivate = () => options.config.current.webhooks.allow_private;
  const hooks = new HookService(hookRepository, files, hookSecrets, allowPrivate, now);
  const dispatcher = new HookDispatcher(hookRepository, events, hub, hookSecrets, {
    allowPrivate,
    logger: options.logger,
    userAgent: "lightd-webhooks",
    now,
  });
  const dav = new DavService(
    files,
    new LockService(new DavLockRepository(db), now),
    storage,
    new DavPropertyRepository(db),
    options.logger,
    now,
  );
  const auth = createAuthServices({
    db,
    credentials,
    verifier,
    config: options.config,
    logger: options.logger,
    now,
    // A deleted account's bytes were queued with the deletion; reclaim them now.
    quotas,
    deleteObjects: async (objectKeys) => {
      await reclaimer.drain(objectKeys);
    },
  });
  const oauth = new OAuthService({
    clients: new OAuthClientRepository(db),
    codes: new OAuthCodeRepository(db),
    grants: new OAuthGrantRepository(db),
    credentials,
    verifier,
    transaction: (work) => db.transaction(work)(),
    publicOrigin: () => configuredOrigin(options.config.current.server),
    actorOf: (accountId) => auth.accountRepo.findById(accountId)?.name ?? "",
    now,
  });

  const backups = createBackupService({
    db,
    blobs,
    config: () => options.config.current,
    configPath: options.config.path,
    dataDir: options.dataDir,
    logger: options.logger,
    version: pkg.version,
    now,
  });

  const context: AppContext = {
    config: options.config,
    dataDir: options.dataDir,
    logger: options.logger,
    db,
    now,
    credentials,
    verifier,
    tokens,
    signer,
    blobs,
    storage,
    blobGateway,
    files,
    versions,
    uploads,
    shares,
    hub,
    feed,
    hooks,
    dav,
    auth,
    oauth,
    reclaimer,
    backups,
    startBackgroundJobs() {
      const sweep = () => {
        const removed =
          tokens.sweepExpired() +
          shares.sweepExpired() +
          auth.sweepExpired() +
          dav.locks.sweepExpired() +
          oauth.sweepExpired();
        if (removed > 0)
          options.logger.info("expired credentials removed", {
            count: removed,
          });
      };
      sweep();
      // Uploads never completed within a day, and completed ones whose URL expired.
      const sweepUploads = () =>
        uploads.cleanupStale().then(
          (removed) => removed > 0 && options.logger.info("stale uploads removed", { count: removed }),
          (error) => options.logger.error("stale upload cleanup failed", { error: String(error) }),
        );
      // Bytes nothing references: the queue left by a crash, then the garbage collector.
      let reclaiming = false;
      const reclaim = async (atStart: boolean) => {
        if (reclaiming) return;
        reclaiming = true;
        try {
          // Versions past retention first, so their bytes join the queue (after the signed-URL grace).
          const pruned = versions.pruneExpired();
          if (pruned.versions > 0) options.logger.info("versions past retention removed", pruned);
          const queued = await reclaimer.drain();
          // Store clocks are wall time; anything newer than the grace period may be an upload in flight.
          const { objects, leftovers } = await reclaimer.collect(Date.now() - RECLAIM_GRACE_MS);
          if (atStart || queued + objects + leftovers > 0) {
            options.logger.info("reclaim pass finished", { queued, objects, leftovers });
          }
        } catch (error) {
          options.logger.error("reclaim pass failed", { error: String(error) });
        } finally {
          reclaiming = false;
        }
      };
      void sweepUploads().then(() => reclaim(true));
      const timers = [
        setInterval(sweep, SWEEP_INTERVAL_MS),
        setInterval(() => verifier.flushUsage(), USAGE_FLUSH_MS),
        setInterval(sweepUploads, STALE_UPLOAD_SWEEP_MS),
        setInterval(() => void reclaim(false), RECLAIM_INTERVAL_MS),
      ];
      for (const timer of timers) timer.unref();
      const stopFeed = feed.startTimers();
      const stopHooks = dispatcher.start();
      const stopBackups = startBackupSchedule(backups, () => options.config.current, options.logger);
      return () => {
        stopBackups();
        timers.forEach(clearInterval);
        stopFeed();
        stopHooks();
      };
    },
    close() {
      verifier.flushUsage();
      db.close();
      blobs.close?.();
    },
  };
  return context;
}
