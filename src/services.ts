import type { Database } from "bun:sqlite";
import { join } from "node:path";
import pkg from "../package.json";
import { type ConfigStore, configuredOrigin } from "./config";
import type { Logger } from "./lib/logger";
import { logMailer, type Mailer, smtpMailer } from "./lib/mailer";
import { SecretBox } from "./lib/sealed";
import { UrlSigner } from "./lib/url-signer";
import { AdminService } from "./modules/admin/service";
import { ChallengeService } from "./modules/auth/challenges";
import { InviteService } from "./modules/auth/invites";
import { MagicLinkService } from "./modules/auth/magic-link";
import { AccountService } from "./modules/auth/service";
import { SessionService } from "./modules/auth/sessions";
import { CredentialVerifier } from "./modules/auth/verifier";
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
import { ApiKeyService } from "./modules/keys/service";
import { OAuthService } from "./modules/oauth/service";
import { ShareService } from "./modules/shares/service";
import { TokenService } from "./modules/tokens/service";
import { UploadService } from "./modules/uploads/service";
import type { BlobStore } from "./storage/blob/blob-store";
import { type BlobBackend, createBlobBackend } from "./storage/blob/factory";
import { AccountRepository } from "./storage/db/accounts";
import { ApiKeyRepository } from "./storage/db/api-keys";
import { ChallengeRepository } from "./storage/db/challenges";
import { openDatabase } from "./storage/db/connection";
import { CredentialRepository } from "./storage/db/credentials";
import { DavLockRepository } from "./storage/db/dav-locks";
import { DavPropertyRepository } from "./storage/db/dav-properties";
import { EventRepository } from "./storage/db/events";
import { FileRepository } from "./storage/db/files";
import { HookRepository } from "./storage/db/hooks";
import { InviteRepository } from "./storage/db/invites";
import { MagicLinkRepository } from "./storage/db/magic-links";
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

export interface ServiceOptions {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Every service the front doors (REST, WebDAV, the feed, the dashboard) and the background
 * jobs use. Doors reach data only through these: the database is not part of it.
 */
export interface Services {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  now: () => number;
  /** Turns a presented token into a Principal (every door authenticates through it). */
  verifier: CredentialVerifier;
  tokens: TokenService;
  keys: ApiKeyService;
  accounts: AccountService;
  invites: InviteService;
  sessions: SessionService;
  challenges: ChallengeService;
  magicLinks: MagicLinkService;
  admin: AdminService;
  /** The bytes of stored files (local disk or S3). */
  blobs: BlobStore;
  /** The byte store with its optional capabilities (local files for sendfile, a start-up check). */
  storage: BlobBackend;
  /** Serves the URLs lightd signs for the bytes (/blobs). */
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
  /** Delivers webhook events (a background job). */
  hookDelivery: HookDispatcher;
  /** WebDAV's dead properties and locks, beside the same file service. */
  dav: DavService;
  /** The OAuth 2.0 authorization server: apps, codes, grants and their tokens. */
  oauth: OAuthService;
  /** Deletes unreferenced stored bytes: the reclaim queue and the garbage collector. */
  reclaimer: Reclaimer;
  /** Backup archives: on demand, scheduled, listed. */
  backups: BackupService;
  close(): void;
}

/** What `buildServices` hands its owner (the server, tests): the services and the database under them. */
export interface BuiltServices extends Services {
  db: Database;
  repos: { credentials: CredentialRepository; accounts: AccountRepository };
}

/** The one composition root: the database, the blob store, every repository and service, built once. */
export function buildServices(options: ServiceOptions): BuiltServices {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const db = openDatabase(join(options.dataDir, "lightd.db"));
  const credentials = new CredentialRepository(db);
  const verifier = new CredentialVerifier(db, credentials, { master: () => config.current.authorization, now });
  const signer = new UrlSigner(config.current.signing_secret, now);
  const quotas = new Quotas(new QuotaRepository(db));
  const storage = createBlobBackend(config.current, options.dataDir, blobUrlBuilder(signer));
  const blobs = storage.store;
  // One event repository for every writer: its appends are what the change hub publishes.
  const events = new EventRepository(db);
  const hub = new ChangeHub(events, logger);
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
    logger,
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
    retention: new Retention(() => config.current.versions),
    pruner: new VersionPruner({ files: fileRepo, versions: versionRepo, spaces, reclaim: reclaimRepo }, now),
  };
  const files = new FileService(fileRepos, blobs, reclaimer, logger, now);
  const uploads = new UploadService(
    uploadRepo,
    files,
    blobs,
    logger,
    now,
    () => config.current.server.max_upload_bytes,
  );
  const hookRepository = new HookRepository(db);
  const hookSecrets = new SecretBox(config.current.signing_secret, "webhooks");
  const allowPrivate = () => config.current.webhooks.allow_private;

  const accountRepo = new AccountRepository(db);
  const invites = new InviteService(new InviteRepository(db), now);
  const accounts = new AccountService(accountRepo, now, () => config.current.accounts, invites);
  const sessions = new SessionService(credentials, verifier, () => config.current.sessions.ttl_seconds * 1000, now);

  return {
    config,
    dataDir: options.dataDir,
    logger,
    now,
    db,
    repos: { credentials, accounts: accountRepo },
    verifier,
    tokens: new TokenService(credentials, now),
    keys: new ApiKeyService(credentials, new ApiKeyRepository(db), verifier, now),
    accounts,
    invites,
    sessions,
    challenges: new ChallengeService(accountRepo, new ChallengeRepository(db), sessions, now),
    magicLinks: new MagicLinkService(
      new MagicLinkRepository(db),
      accounts,
      sessions,
      configuredMailer(config, logger),
      logger,
      now,
    ),
    // A deleted account's bytes were queued with the deletion; reclaim them now.
    admin: new AdminService(accountRepo, accounts, (keys) => reclaimer.drain(keys).then(() => {}), logger, now, quotas),
    blobs,
    storage,
    blobGateway: new BlobGateway(blobs, signer, (key) => uploads.quotaForObject(key)),
    files,
    versions: new VersionService(fileRepos, reclaimer, now),
    uploads,
    shares: new ShareService(new ShareRepository(db), files, config.current.signing_secret, now),
    hub,
    feed: new FeedService(hub, files, () => config.current.feed, logger),
    hooks: new HookService(hookRepository, files, hookSecrets, allowPrivate, now),
    hookDelivery: new HookDispatcher(hookRepository, events, hub, hookSecrets, {
      allowPrivate,
      logger,
      userAgent: "lightd-webhooks",
      now,
    }),
    dav: new DavService(
      files,
      new LockService(new DavLockRepository(db), now),
      storage,
      new DavPropertyRepository(db),
      logger,
      now,
    ),
    oauth: new OAuthService({
      clients: new OAuthClientRepository(db),
      codes: new OAuthCodeRepository(db),
      grants: new OAuthGrantRepository(db),
      credentials,
      verifier,
      transaction: (work) => db.transaction(work)(),
      publicOrigin: () => configuredOrigin(config.current.server),
      actorOf: (accountId) => accountRepo.findById(accountId)?.name ?? "",
      now,
    }),
    reclaimer,
    backups: createBackupService({
      db,
      blobs,
      config: () => config.current,
      configPath: config.path,
      dataDir: options.dataDir,
      logger,
      version: pkg.version,
      now,
    }),
    close() {
      verifier.flushUsage();
      db.close();
      blobs.close?.();
    },
  };
}

/** The SMTP mailer of the current config (rebuilt when its settings change), or the log when none is set. */
function configuredMailer(config: ConfigStore, logger: Logger): () => Mailer {
  let smtp: { key: string; mailer: Mailer } | null = null;
  const noSmtp = logMailer((m) =>
    logger.warn(
      m.link.startsWith("/")
        ? "no SMTP configured: magic link written to the log; server.public_url is not set, so it is only a path — set server.public_url to get a full link"
        : "no SMTP configured: magic link written to the log instead of e-mailed",
      { to: m.to, link: m.link },
    ),
  );
  return () => {
    const settings = config.current.smtp;
    if (!settings.host) return noSmtp;
    const key = JSON.stringify(settings);
    if (smtp?.key !== key) smtp = { key, mailer: smtpMailer({ ...settings, host: settings.host }) };
    return smtp.mailer;
  };
}
